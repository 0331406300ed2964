// A RoomKit hook in TypeScript: blocks messages containing the `word` of its config.
// Build: roomkit plugin build DIR (or node sdk/js/build.mjs DIR --kind hook); the component
// and its manifest land in DIR/dist.

import type { HookTrigger, RoomEvent } from 'roomkit:plugin/types@0.2.0';
import type { Context } from 'roomkit:plugin/room-context@0.2.0';
import { HookResult, allow, block, config, log, textOf } from 'roomkit-sdk';

export function handle(_trigger: HookTrigger, event: RoomEvent, _ctx: Context): HookResult {
  const word = config.getOr('word', 'forbidden');
  if (textOf(event)?.includes(word)) {
    log.info(`blocked event ${event.id}`);
    return block(`contains ${word}`);
  }
  return allow();
}
