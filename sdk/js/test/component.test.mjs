// The SDK inside a real component: builds fixtures/webhook-provider with build.mjs
// (componentize-js), transpiles it with jco and calls its exports in node, the host's imports
// served by the in-memory stand-in (testing/host.mjs). Checks what only the runtime shows: how
// an import's `err` arrives (kv quota), how a delivery error's u64 wait is lowered, and that
// URLSearchParams and libphonenumber-js work there. About 15–30 s.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { testing } from '../testing/host.mjs';

const sdk = fileURLToPath(new URL('..', import.meta.url));
// Inside sdk/js, so the transpiled component finds node_modules (jco's WASI shims).
const work = mkdtempSync(join(sdk, '.test-build-'));
let plugin;

before(async () => {
  cpSync(join(sdk, 'fixtures/webhook-provider'), join(work, 'plugin'), { recursive: true });
  const wasm = join(work, 'provider.wasm');
  execFileSync(process.execPath, [join(sdk, 'build.mjs'), join(work, 'plugin'), '--kind', 'provider', '--out', wasm], { stdio: 'pipe' });
  const host = pathToFileURL(join(sdk, 'testing/host.mjs')).href;
  execFileSync(
    process.execPath,
    [join(sdk, 'node_modules/@bytecodealliance/jco/dist/jco.js'), 'transpile', wasm, '-o', join(work, 'js'), '--map', `roomkit:plugin/host@0.2.0=${host}`, '--quiet'],
    { stdio: 'pipe' },
  );
  plugin = await import(pathToFileURL(join(work, 'js/provider.js')).href);
});

after(() => rmSync(work, { recursive: true, force: true }));

const encoder = new TextEncoder();
const request = (method, query, body, token = 'good') => ({
  channelId: 'sms',
  method,
  path: '/v1/webhooks/sms',
  query,
  publicUrl: `https://rk.example/v1/webhooks/sms${query ? `?${query}` : ''}`,
  headers: [{ name: 'x-token', value: token }],
  body: encoder.encode(body),
});
const event = {
  id: 'e1', roomId: 'r', eventType: 'message',
  source: { channelId: 'web', channelType: 'webhook', direction: 'inbound' },
  content: { tag: 'text', val: { body: 'hi' } }, status: 'delivered', visibility: 'all', index: 0n,
  chainDepth: 0, createdAt: '2026-12-06T00:00:00Z', metadata: '{}',
};
const binding = {
  channelId: 'sms', channelType: 'sms', category: 'transport', access: 'read_write', muted: false,
  visibility: 'all', metadata: '{}',
};

test('a component: the signature, a handshake, an SMS and a status update', () => {
  assert.equal(plugin.verifySignature(request('POST', '', '')), true);
  assert.equal(plugin.verifySignature(request('POST', '', '', 'bad')), false);
  assert.deepEqual(plugin.parseWebhook(request('GET', 'challenge=abc%20123', '')), {
    messages: [], statusUpdates: [], response: { status: 200, contentType: 'text/plain', body: encoder.encode('abc 123') },
  });
  const sms = plugin.parseWebhook(request('POST', '', 'From=418-555-1234&To=%2B15145550000&Body=hi+there&Id=SM9'));
  assert.deepEqual(sms.statusUpdates, []);
  assert.equal(sms.response, undefined);
  assert.deepEqual(sms.messages.map((m) => [m.channelId, m.senderId, m.content, m.idempotencyKey, m.provider, m.providerMessageId, m.metadata]), [[
    'sms', '+14185551234', { tag: 'text', val: { body: 'hi there', language: undefined } }, 'SM9', 'fixture', 'SM9',
    '{"sms":{"provider":"fixture","sender":"+14185551234","recipient":"+15145550000","body":"hi there","media":[],' +
      '"provider_message_id":"SM9","raw":{"From":"418-555-1234","To":"+15145550000","Body":"hi there","Id":"SM9"}}}',
  ]]);
  assert.deepEqual(plugin.parseWebhook(request('POST', '', 'Id=SM9&MessageStatus=delivered')), {
    messages: [], statusUpdates: [{ providerMessageId: 'SM9', status: 'delivered', errorCode: undefined, errorMessage: undefined, metadata: '{}' }],
    response: undefined,
  });
  assert.throws(() => plugin.parseWebhook(request('POST', '', 'From=12&Body=x')), (e) => {
    assert.equal(e.payload, 'phone number "12" is not a valid number of CA');
    return true;
  });
});

test('a component: kv over its quota reaches deliver as a KvError, and the wait as a u64', () => {
  testing.reset();
  assert.deepEqual(plugin.deliver(event, binding), { providerMessageId: 'sent-e1' });
  assert.equal(new TextDecoder().decode(testing.kv.get('last')), 'e1');
  testing.reset();
  testing.setKvMaxKeys(0);
  assert.throws(() => plugin.deliver(event, binding), (e) => {
    assert.deepEqual(e.payload, {
      message: "storing key-value key `last`: over the plugin's key-value quota: 0 keys is the limit",
      retryable: true,
      code: 'over-quota',
      retryAfterMs: 3000n,
    });
    return true;
  });
  testing.reset();
});
