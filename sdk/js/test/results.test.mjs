// What plugins return: hook results, identity answers, routes, delivery errors, AI helpers, and
// the glue that turns thrown errors into the WIT `err` values.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  DeliveryError, __wrapDeliveryErr, __wrapStringErr, allow, ambiguous, block, decision, header,
  identified, identity, inboundText, injected, json, lastUserText, modify, observation, task,
  text, toRoom, unknown,
} from '../src/index.js';

test('hook results carry their action and side effects', () => {
  assert.deepEqual(allow().action, { tag: 'allow' });
  assert.deepEqual(block(42).action, { tag: 'block', val: '42' });
  const event = { id: 'e1', content: text('x') };
  const result = modify(event)
    .inject(injected('notice', { to: ['sms-1'] }))
    .task(task('call back', { assignedTo: 'ops' }))
    .observe(observation('intent', 'refund', { confidence: 3 }));
  assert.deepEqual(result.action, { tag: 'modify', val: event });
  assert.deepEqual(result.injectedEvents, [
    { content: { tag: 'text', val: { body: 'notice' } }, targetChannelIds: ['sms-1'], visibility: 'all' },
  ]);
  assert.deepEqual(result.tasks, [{ title: 'call back', description: undefined, assignedTo: 'ops', metadata: '{}' }]);
  assert.equal(result.observations[0].confidence, 1, 'clamped to 1');
  assert.equal(observation('c', 'x', { confidence: -2 }).confidence, 0);
  assert.equal(observation('c', 'x', { confidence: NaN }).confidence, 0);
});

test('json passes strings and encodes the rest', () => {
  assert.equal(json(undefined), '{}');
  assert.equal(json('{"raw":1}'), '{"raw":1}');
  assert.equal(json({ a: [1] }), '{"a":[1]}');
});

test('identity answers and decisions have the WIT shapes', () => {
  const ann = identity('ann', { displayName: 'Ann' });
  assert.deepEqual(identified(ann), { status: 'identified', identity: ann, candidates: [] });
  assert.deepEqual(ambiguous([ann]).candidates, [ann]);
  assert.equal(unknown().identity, undefined);
  assert.deepEqual(decision.challenge('Who is this?'), { tag: 'challenge', val: text('Who is this?') });
  assert.deepEqual(decision.reject('spam'), { tag: 'reject', val: 'spam' });
  assert.deepEqual(toRoom('r1'), { tag: 'room', val: 'r1' });
});

test('DeliveryError.fromStatus retries 5xx and 429 only', () => {
  assert.equal(DeliveryError.fromStatus(503).retryable, true);
  assert.equal(DeliveryError.fromStatus(429).retryable, true);
  assert.equal(DeliveryError.fromStatus(404).retryable, false);
  assert.equal(DeliveryError.fromStatus(500, 'notify').message, 'notify 500');
  assert.equal(DeliveryError.retryable('later').retryable, true);
  assert.equal(DeliveryError.permanent('never').retryable, false);
});

test('the string glue turns any thrown value into its message', async () => {
  const fails = __wrapStringErr(() => {
    throw new Error('bad input');
  });
  assert.throws(fails, (e) => e.payload === 'bad input');
  assert.throws(__wrapStringErr(() => {
    throw 'plain string';
  }), (e) => e.payload === 'plain string');
  assert.equal(__wrapStringErr((a, b) => a + b)(1, 2), 3, 'results pass through');
  const rejects = __wrapStringErr(async () => {
    throw new Error('async bad');
  });
  await assert.rejects(rejects(), (e) => e.payload === 'async bad');
});

test('the delivery glue keeps retryable for DeliveryError and makes the rest permanent', async () => {
  assert.throws(__wrapDeliveryErr(() => {
    throw DeliveryError.retryable('timeout');
  }), (e) => e.payload.message === 'timeout' && e.payload.retryable === true);
  assert.throws(__wrapDeliveryErr(() => {
    throw new TypeError('oops');
  }), (e) => e.payload.message === 'oops' && e.payload.retryable === false);
  const rejects = __wrapDeliveryErr(async () => {
    throw DeliveryError.fromStatus(502);
  });
  await assert.rejects(rejects(), (e) => e.payload.message === 'status 502' && e.payload.retryable === true);
});

test('webhook and AI helpers', () => {
  const message = inboundText('sms-1', '+15550100', 'hi', { roomId: 'r1' });
  assert.equal(message.eventType, 'message');
  assert.equal(message.roomId, 'r1');
  assert.equal(message.chainDepth, 0);
  assert.equal(message.metadata, '{}');
  const request = { headers: [{ name: 'x-signature', value: 'abc' }] };
  assert.equal(header(request, 'X-Signature'), 'abc');
  assert.equal(header(request, 'x-other'), undefined);
  const ai = {
    messages: [
      { role: 'user', parts: [{ tag: 'text', val: 'first' }] },
      { role: 'user', parts: [{ tag: 'text', val: 'second' }, { tag: 'image', val: {} }, { tag: 'text', val: 'line' }] },
      { role: 'assistant', parts: [{ tag: 'text', val: 'answer' }] },
    ],
  };
  assert.equal(lastUserText(ai), 'second\nline');
  assert.equal(lastUserText({ messages: [] }), undefined);
});
