// {{name}}: an identity resolver that names the senders listed in its `people` setting
// (`SENDER = NAME` entries separated by `;`) and answers unknown for everyone else.
// Build: roomkit plugin build DIR (the component and its manifest land in DIR/dist).

import type { IdentityResult, InboundMessage } from 'roomkit:plugin/types@0.2.0';
import type { Context } from 'roomkit:plugin/room-context@0.2.0';
import { config, identified, identity, unknown } from 'roomkit-sdk';

export function resolve(message: InboundMessage, channelType: string, _ctx: Context): IdentityResult {
  for (const entry of config.getOr('people', '').split(';')) {
    if (entry.trim() === '') continue;
    const eq = entry.indexOf('=');
    if (eq < 0) throw new Error(`config \`people\`: ${JSON.stringify(entry)} has no '='`);
    const sender = entry.slice(0, eq).trim();
    const name = entry.slice(eq + 1).trim();
    if (sender === message.senderId) {
      const id = name.toLowerCase().split(' ').join('-');
      return identified(identity(id, { displayName: name, addresses: [{ channelType, address: message.senderId }] }));
    }
  }
  return unknown();
}
