// What plugins return: hook results, identity answers, routes, delivery errors, AI helpers, and
// the glue that turns thrown errors into the WIT `err` values.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  DeliveryError, __wrapDeliveryErr, __wrapStringErr, __wrapWebhook, allow, ambiguous, block, decision,
  emptyResponse, formParams, header, identified, identity, inbound, inboundText, injected, json,
  lastUserText, modify, observation, queryParams, statusUpdate, task, text, toRoom, unknown, webhookReply,
  webhookResponse, webhookResult,
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

test('DeliveryError.fromStatus retries 408, 429 and 5xx and keeps a Retry-After in seconds', () => {
  const shape = (e) => ({ message: e.message, retryable: e.retryable, code: e.code, retryAfterMs: e.retryAfterMs });
  assert.deepEqual(shape(DeliveryError.fromStatus(503)), { message: 'status 503', retryable: true, code: undefined, retryAfterMs: undefined });
  assert.deepEqual(shape(DeliveryError.fromStatus(408)), { message: 'status 408', retryable: true, code: undefined, retryAfterMs: undefined });
  assert.deepEqual(shape(DeliveryError.fromStatus(429, { retryAfter: '30', message: 'slow down' })),
    { message: 'slow down', retryable: true, code: undefined, retryAfterMs: 30000 });
  assert.equal(DeliveryError.fromStatus(503, { retryAfter: 2 }).retryAfterMs, 2000);
  assert.equal(DeliveryError.fromStatus(503, { retryAfter: ' 5 ' }).retryAfterMs, 5000);
  assert.equal(DeliveryError.fromStatus(503, { retryAfter: 'Wed, 21 Oct 2015 07:28:00 GMT' }).retryAfterMs, undefined);
  assert.equal(DeliveryError.fromStatus(503, { retryAfter: null }).retryAfterMs, undefined);
  assert.equal(DeliveryError.fromStatus(503, { retryAfter: -1 }).retryAfterMs, undefined);
  assert.deepEqual(shape(DeliveryError.fromStatus(404)), { message: 'status 404', retryable: false, code: undefined, retryAfterMs: undefined });
  assert.equal(DeliveryError.fromStatus(400).retryable, false);
  assert.equal(DeliveryError.fromStatus(500, 'notify').message, 'notify 500');
  assert.equal(DeliveryError.retryable('later').retryable, true);
  assert.equal(DeliveryError.permanent('never').retryable, false);
  const coded = DeliveryError.permanent('unsubscribed').withCode('21610');
  assert.deepEqual(shape(coded), { message: 'unsubscribed', retryable: false, code: '21610', retryAfterMs: undefined });
  assert.ok(coded instanceof DeliveryError);
  assert.equal(DeliveryError.retryable('busy').withRetryAfterMs(1500).retryAfterMs, 1500);
  assert.deepEqual(shape(new DeliveryError('x', true, { code: 'E1', retryAfterMs: 10 })), { message: 'x', retryable: true, code: 'E1', retryAfterMs: 10 });
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

test('the delivery glue passes the code and the wait on as the WIT fields (u64 as a BigInt)', () => {
  assert.throws(__wrapDeliveryErr(() => {
    throw DeliveryError.fromStatus(429, { retryAfter: '3', message: 'too many' }).withCode('20429');
  }), (e) => {
    assert.deepEqual(e.payload, { message: 'too many', retryable: true, code: '20429', retryAfterMs: 3000n });
    return true;
  });
  assert.throws(__wrapDeliveryErr(() => {
    throw DeliveryError.permanent('no');
  }), (e) => {
    assert.deepEqual(e.payload, { message: 'no', retryable: false, code: undefined, retryAfterMs: undefined });
    return true;
  });
  assert.throws(__wrapDeliveryErr(() => {
    throw DeliveryError.retryable('soon').withRetryAfterMs(1234.6);
  }), (e) => e.payload.retryAfterMs === 1235n);
  assert.throws(__wrapDeliveryErr(() => {
    throw new Error('plain');
  }), (e) => {
    assert.deepEqual(e.payload, { message: 'plain', retryable: false });
    return true;
  });
});

test('the webhook glue makes a webhook-result of what parseWebhook returns', async () => {
  const message = inboundText('sms', '+14185551234', 'hi');
  assert.deepEqual(__wrapWebhook(() => [message])(), { messages: [message], statusUpdates: [], response: undefined });
  const update = statusUpdate('SM1', 'delivered');
  assert.deepEqual(__wrapWebhook(() => ({ statusUpdates: [update] }))(), { messages: [], statusUpdates: [update], response: undefined });
  assert.deepEqual(__wrapWebhook(() => undefined)(), { messages: [], statusUpdates: [], response: undefined });
  const reply = webhookReply(webhookResponse(200, 'text/plain', 'abc'));
  assert.deepEqual(await __wrapWebhook(async () => reply)(), reply);
  assert.throws(__wrapWebhook(() => {
    throw new Error('bad signature');
  }), (e) => e.payload === 'bad signature');
  await assert.rejects(__wrapWebhook(async () => {
    throw new Error('bad body');
  })(), (e) => e.payload === 'bad body');
});

test('webhook results, answers, status updates and the request query and form', () => {
  const message = inboundText('sms', '+14185551234', 'hi');
  assert.deepEqual(webhookResult({ messages: [message] }), { messages: [message], statusUpdates: [], response: undefined });
  assert.deepEqual(webhookResult(), { messages: [], statusUpdates: [], response: undefined });
  assert.deepEqual(webhookResponse(200, 'text/plain', 'abc123'), {
    status: 200, contentType: 'text/plain', body: new TextEncoder().encode('abc123'),
  });
  assert.deepEqual(webhookResponse(202, 'application/octet-stream', new Uint8Array([1, 2])).body, new Uint8Array([1, 2]));
  assert.deepEqual(emptyResponse(), { status: 200, contentType: undefined, body: new Uint8Array() });
  assert.deepEqual(webhookReply(emptyResponse()), { messages: [], statusUpdates: [], response: emptyResponse() });
  assert.deepEqual(statusUpdate('SM1', 'delivered'), {
    providerMessageId: 'SM1', status: 'delivered', errorCode: undefined, errorMessage: undefined, metadata: '{}',
  });
  assert.deepEqual(statusUpdate('SM2', 'failed', { errorCode: '30003', errorMessage: 'Unreachable', metadata: { To: '+1' } }), {
    providerMessageId: 'SM2', status: 'failed', errorCode: '30003', errorMessage: 'Unreachable', metadata: '{"To":"+1"}',
  });
  const request = {
    query: 'hub.mode=subscribe&hub.challenge=abc%20123&x=1&x=2',
    publicUrl: 'https://rk.example/v1/webhooks/sms?hub.mode=subscribe',
    headers: [],
    body: new TextEncoder().encode('From=%2B14185551234&Body=hi+%26+bye'),
  };
  const query = queryParams(request);
  assert.deepEqual([...query], [['hub.mode', 'subscribe'], ['hub.challenge', 'abc 123'], ['x', '1'], ['x', '2']]);
  assert.deepEqual(query.getAll('x'), ['1', '2']);
  assert.deepEqual([...formParams(request)], [['From', '+14185551234'], ['Body', 'hi & bye']]);
  assert.deepEqual([...queryParams({ query: '' })], []);
  const media = { url: 'https://m/1.png', mimeType: 'image/png' };
  assert.deepEqual(inbound('chat', 'u1', { tag: 'media', val: media }, { providerMessageId: 'p1' }), {
    channelId: 'chat', senderId: 'u1', content: { tag: 'media', val: media }, roomId: undefined, eventType: 'message',
    idempotencyKey: undefined, visibility: undefined, parentEventId: undefined, addressedTo: undefined, chainDepth: 0,
    correlationId: undefined, provider: undefined, providerMessageId: 'p1', metadata: '{}',
  });
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
