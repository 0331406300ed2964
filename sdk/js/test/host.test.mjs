// The host's imports through the SDK, served by the in-memory stand-in (testing/host.mjs).
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

import { config, kv, log } from '../src/index.js';
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
