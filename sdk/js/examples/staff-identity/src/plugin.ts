// Identity resolver (TypeScript): senders listed in the `staff` config ("+15550100=Ops desk,
// +15550101=Billing") are identified as that staff member; everyone else is unknown.

import type { IdentityResult, InboundMessage } from 'roomkit:plugin/types@0.2.0';
import { config, identified, identity, log, unknown } from 'roomkit-sdk';

export function resolve(message: InboundMessage, channelType: string): IdentityResult {
  for (const entry of config.getOr('staff', '').split(',')) {
    const [address, name] = entry.split('=').map((s) => s.trim());
    if (address && address === message.senderId) {
      log.debug(`identified ${address} as ${name}`);
      return identified(
        identity(`staff:${address}`, {
          displayName: name || address,
          addresses: [{ channelType, address }],
        }),
      );
    }
  }
  return unknown();
}
