// Identity hook (TypeScript, world roomkit:plugin/identity-hook): a sender the identity
// resolver does not know is resolved when the message says "account NUMBER", rejected when it
// comes from a number in the config's `blocked` list, and asked who they are otherwise. The
// manifest's identity trigger makes `roomkit plugin build` build it for the identity-hook world
// (by hand: node sdk/js/build.mjs DIR --kind hook --world identity-hook).

import type { IdentityDecision, InboundMessage } from 'roomkit:plugin/types@0.2.0';
import { allow, config, decision, identity, texts } from 'roomkit-sdk';

export function handle() {
  return allow();
}

export function handleIdentity(_trigger: string, message: InboundMessage): IdentityDecision | undefined {
  const blocked = config.getOr('blocked', '').split(',').map((s) => s.trim());
  if (blocked.includes(message.senderId)) return decision.reject('number blocked');
  const said = texts(message.content).join(' ').trim();
  if (said.startsWith('account ') && said.length > 'account '.length) {
    return decision.resolved(identity(`acct-${said.slice('account '.length)}`));
  }
  return decision.challenge(config.getOr('question', 'Who is this?'));
}
