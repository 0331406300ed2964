// The host's imports through the SDK, served by the in-memory stand-in (testing/host.mjs).
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

import { KvError, config, kv, log } from '../src/index.js';
import { testing } from '../testing/host.mjs';

beforeEach(() => testing.reset());

test('config reads the manifest table and names a missing required key', () => {
  assert.equal(config.get('url'), undefined);
  assert.equal(config.getOr('url', 'https://fallback'), 'https://fallback');
  assert.throws(() => config.require('url'), { message: 'config key `url` is not set' });
  testing.setConfig('url', 'https://api.example.com');
  assert.equal(config.require('url'), 'https://api.example.com');
});

test('kv stores bytes and text, and delete says whether the key was there', () => {
  kv.setString('greeting', 'héllo');
  assert.deepEqual([...testing.kv.get('greeting')], [...new TextEncoder().encode('héllo')]);
  assert.equal(kv.getString('greeting'), 'héllo');
  kv.set('raw', new Uint8Array([1, 2]));
  assert.deepEqual([...kv.get('raw')], [1, 2]);
  kv.set('text-as-bytes', 'ab');
  assert.deepEqual([...kv.get('text-as-bytes')], [97, 98]);
  assert.equal(kv.delete('greeting'), true);
  assert.equal(kv.delete('greeting'), false);
  assert.equal(kv.getString('greeting'), undefined);
});

test('a set over the quota throws a KvError and stores nothing; replacing a key is within it', () => {
  testing.setKvMaxKeys(1);
  kv.setString('a', 'one');
  assert.throws(() => kv.setString('b', 'two'), (e) => {
    assert.ok(e instanceof KvError);
    assert.equal(e.message, "storing key-value key `b`: over the plugin's key-value quota: 1 keys is the limit");
    assert.deepEqual([e.key, e.kind, e.reason], ['b', 'over-quota', '1 keys is the limit']);
    return true;
  });
  assert.throws(() => kv.set('c', new Uint8Array([1])), { name: 'KvError', kind: 'over-quota' });
  assert.equal(kv.get('b'), undefined);
  kv.set('a', 'uno');
  assert.equal(kv.getString('a'), 'uno');
});

test("a failing store throws a KvError of kind store", () => {
  testing.failKvStore('disk full');
  assert.throws(() => kv.set('k', 'v'), {
    name: 'KvError',
    kind: 'store',
    reason: 'disk full',
    message: "storing key-value key `k`: the host's store failed: disk full",
  });
  assert.equal(testing.kv.size, 0);
  testing.failKvStore(undefined);
  kv.set('k', 'v');
  assert.equal(kv.getString('k'), 'v');
});

test('log sends each level with the message as text', () => {
  log.info('one');
  log.warn(2);
  log.error(new Error('three'));
  assert.deepEqual(testing.logs, [
    { level: 'info', message: 'one' },
    { level: 'warn', message: '2' },
    { level: 'error', message: 'Error: three' },
  ]);
});
