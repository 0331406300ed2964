// {{name}}: an AI provider that is not a model: it answers every user message with how many
// words it had, deterministically, for wiring up AI channels before a real model.
// Build: roomkit plugin build DIR (the component and its manifest land in DIR/dist).

import type { AiInfo, AiRequest, AiResponse } from 'roomkit:plugin/types@0.2.0';
import { aiInfo, aiResponse, config, lastUserText } from 'roomkit-sdk';

export function info(): AiInfo {
  return aiInfo('{{name}}');
}

export function generate(request: AiRequest): AiResponse {
  const text = lastUserText(request);
  if (text === undefined) return aiResponse(''); // no user message: no answer
  const prefix = config.getOr('prefix', 'You wrote');
  const words = text.split(/\s+/).filter((w) => w !== '').length;
  return aiResponse(`${prefix} ${words} ${words === 1 ? 'word' : 'words'}.`);
}
