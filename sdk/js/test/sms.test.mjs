// The normalised SMS metadata and the inbound message that carries it (the Rust SDK's shape).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { sms } from '../src/index.js';

const photo = {
  provider: 'twilio',
  sender: '+14185551234',
  recipient: '+15145550000',
  body: 'see photo',
  media: [{ url: 'https://m.example/1.jpg', mimeType: 'image/jpeg' }],
  providerMessageId: 'MM1',
  raw: { NumMedia: '1' },
};

test('sms.toInbound carries the normalised metadata, the provider and its id', () => {
  assert.deepEqual(sms.toInbound(photo, 'sms'), {
    channelId: 'sms',
    senderId: '+14185551234',
    content: {
      tag: 'media',
      val: { url: 'https://m.example/1.jpg', mimeType: 'image/jpeg', filename: undefined, sizeBytes: undefined, caption: 'see photo' },
    },
    roomId: undefined,
    eventType: 'message',
    idempotencyKey: 'MM1',
    visibility: undefined,
    parentEventId: undefined,
    addressedTo: undefined,
    chainDepth: 0,
    correlationId: undefined,
    provider: 'twilio',
    providerMessageId: 'MM1',
    metadata:
      '{"sms":{"provider":"twilio","sender":"+14185551234","recipient":"+15145550000","body":"see photo",' +
      '"media":[{"url":"https://m.example/1.jpg","mime_type":"image/jpeg"}],"provider_message_id":"MM1","raw":{"NumMedia":"1"}}}',
  });
});

test('without an id, media or raw: null, [] and {} in the metadata, text content, no idempotency key', () => {
  const meta = { provider: 'sinch', sender: '+14185551234', recipient: '+15145550000', body: 'hi' };
  assert.equal(
    sms.metadata(meta),
    '{"sms":{"provider":"sinch","sender":"+14185551234","recipient":"+15145550000","body":"hi",' +
      '"media":[],"provider_message_id":null,"raw":{}}}',
  );
  const message = sms.toInbound(meta, 'sms');
  assert.deepEqual(message.content, { tag: 'text', val: { body: 'hi' } });
  assert.equal(message.idempotencyKey, undefined);
  assert.equal(message.providerMessageId, undefined);
  assert.equal(message.provider, 'sinch');
});

test('several media make a composite: the text first, then each item without caption', () => {
  const item = (url, mimeType) => ({ tag: 'media', val: { url, mimeType, filename: undefined, sizeBytes: undefined, caption: undefined } });
  const meta = { body: 'two', media: [{ url: 'https://m/1.png', mimeType: 'image/png' }, { url: 'https://m/2' }] };
  assert.deepEqual(sms.content(meta), {
    tag: 'composite',
    val: [{ tag: 'text', val: { body: 'two' } }, item('https://m/1.png', 'image/png'), item('https://m/2', 'application/octet-stream')],
  });
  assert.deepEqual(sms.content({ ...meta, body: '' }), {
    tag: 'composite',
    val: [item('https://m/1.png', 'image/png'), item('https://m/2', 'application/octet-stream')],
  });
  assert.deepEqual(sms.content({ media: [{ url: 'https://m/1' }] }), item('https://m/1', 'application/octet-stream'));
  assert.equal(
    JSON.parse(sms.metadata({ provider: 'telnyx', sender: 's', recipient: 'r', media: [{ url: 'https://m/1' }] })).sms.media[0].mime_type,
    'application/octet-stream',
  );
});
