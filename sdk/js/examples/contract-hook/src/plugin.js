// The contract hook (sdk/contract.md) in JavaScript: blocks `block_word`, masks `mask_word`,
// allows otherwise, fails when the text is `error`, logs one line per call and counts calls in
// its key-value space. Must behave exactly like plugins/contract-hook (Rust) and
// sdk/go/examples/contract-hook (Go).

import { allow, block, config, kv, log, modify, text, textOf, withContent } from 'roomkit-sdk';

function countCall() {
  const calls = (Number.parseInt(kv.getString('calls') ?? '0', 10) || 0) + 1;
  try {
    kv.setString('calls', String(calls));
  } catch (e) {
    log.warn(`call count not kept: ${e.message}`);
  }
  return calls;
}

function decide(event, blockWord, maskWord) {
  const body = textOf(event) ?? '';
  if (body === 'error') return ['error'];
  if (body.includes(blockWord)) return ['block', block(`contains ${blockWord}`)];
  if (maskWord !== '' && body.includes(maskWord)) {
    const stars = '*'.repeat([...maskWord].length);
    return ['modify', modify(withContent(event, text(body.split(maskWord).join(stars))))];
  }
  return ['allow', allow()];
}

export function handle(_trigger, event, _ctx) {
  const calls = countCall();
  const [action, result] = decide(event, config.getOr('block_word', 'forbidden'), config.getOr('mask_word', 'secret'));
  log.info(`contract-hook call ${calls}: ${action}`);
  if (action === 'error') throw new Error('contract-hook: asked to fail');
  return result;
}
