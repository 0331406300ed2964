// {{name}}: an inbound router that sends a message naming a room with a hashtag (`#billing my
// invoice`) to that room when its `rooms` setting lists it, and leaves every other message to
// the host's default routing.
// Build: roomkit plugin build DIR (the component and its manifest land in DIR/dist).

import type { InboundMessage, Route } from 'roomkit:plugin/types@0.2.0';
import { config, defaultRoute, texts, toRoom } from 'roomkit-sdk';

export function route(message: InboundMessage, _channelType: string): Route {
  const rooms = config.getOr('rooms', '').split(',').map((r) => r.trim()).filter((r) => r !== '');
  for (const text of texts(message.content)) {
    for (const word of text.split(/\s+/)) {
      if (word.startsWith('#') && rooms.includes(word.slice(1))) return toRoom(word.slice(1));
    }
  }
  return defaultRoute();
}
