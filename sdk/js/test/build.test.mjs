// build.mjs: the arguments (`--kind` required and checked, the world fitting the kind) and the
// entry it writes for each world; its world table against the WIT's worlds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { KINDS, UsageError, WORLDS, entrySource, parseArgs } from '../build.mjs';

const worldsWit = readFileSync(new URL('../../../wit/worlds.wit', import.meta.url), 'utf8');

test('a missing or unknown kind is refused, naming the kinds', () => {
  assert.throws(() => parseArgs(['dir']), (e) => e instanceof UsageError && /^missing --kind: .*hook, identity-resolver, inbound-router, provider, ai-provider/.test(e.message));
  assert.throws(() => parseArgs(['dir', '--kind', 'hok']), { message: 'unknown kind "hok" (one of hook, identity-resolver, inbound-router, provider, ai-provider)' });
  assert.throws(() => parseArgs(['--kind']), { message: /--kind needs a value/ });
  assert.throws(() => parseArgs(['--kind', 'hook', '--frobnicate']), { message: /unknown option --frobnicate/ });
});

test('each kind builds its own world; a hook also identity-hook', () => {
  for (const kind of KINDS) {
    assert.deepEqual(parseArgs(['dir', '--kind', kind]), { dir: 'dir', out: undefined, kind, world: kind });
  }
  assert.equal(parseArgs(['--kind', 'hook', '--world', 'identity-hook']).world, 'identity-hook');
  assert.throws(() => parseArgs(['--kind', 'provider', '--world', 'hook']), { message: 'a provider is built for the world provider, not hook' });
  assert.throws(() => parseArgs(['--kind', 'hook', '--world', 'provider']), { message: 'a hook is built for the world hook or identity-hook, not provider' });
  assert.throws(() => parseArgs(['--kind', 'hook', '--world', 'nope']), { message: /unknown world "nope"/ });
  const args = parseArgs(['plugins/x', '--out', 'x.wasm', '--kind', 'ai-provider']);
  assert.equal(args.out, 'x.wasm');
  assert.equal(args.dir, 'plugins/x');
});

test('the world table has exactly the exporting worlds of wit/worlds.wit, with their exports', () => {
  const inWit = {};
  for (const [, world, body] of worldsWit.matchAll(/^world\s+([a-z-]+)\s*\{([\s\S]*?)^\}/gm)) {
    const exports = [...body.matchAll(/^\s*export\s+([a-z-]+)\s*:/gm)];
    if (exports.length) inWit[world] = exports.map(([, name]) => name.replace(/-(.)/g, (_, c) => c.toUpperCase()));
  }
  assert.deepEqual(Object.keys(WORLDS).sort(), Object.keys(inWit).sort());
  for (const [world, { exports }] of Object.entries(WORLDS)) {
    assert.deepEqual(exports.map(([name]) => name), inWit[world], world);
  }
});

test('the entry wraps each export in its error glue and fills the optional ones', () => {
  const hook = entrySource('/p/src/plugin.ts', 'hook');
  assert.equal(hook, [
    'import * as plugin from "/p/src/plugin.ts";',
    "import { __wrapStringErr, __wrapDeliveryErr, __wrapWebhook } from 'roomkit-sdk';",
    "export const handle = typeof plugin.handle === 'function' ? __wrapStringErr(plugin.handle) : (() => { throw new Error('the plugin does not export handle'); });",
    '',
  ].join('\n'));
  const provider = entrySource('/p/plugin.js', 'provider');
  assert.match(provider, /export const deliver = typeof plugin.deliver === 'function' \? __wrapDeliveryErr\(plugin.deliver\)/);
  assert.match(provider, /export const verifySignature = typeof plugin.verifySignature === 'function' \? plugin.verifySignature : \(\(\) => false\);/);
  assert.match(provider, /export const parseWebhook = typeof plugin.parseWebhook === 'function' \? __wrapWebhook\(plugin.parseWebhook\) : .*'this provider takes no webhooks'/);
  assert.match(entrySource('/p/plugin.js', 'identity-hook'), /export const handleIdentity = typeof plugin.handleIdentity === 'function' \? __wrapStringErr/);
  assert.match(entrySource('/p/plugin.js', 'ai-provider'), /export const info = typeof plugin.info === 'function' \? plugin.info :/);
  assert.ok(WORLDS.provider.http && !WORLDS.hook.http, 'only providers may use outbound HTTP');
});
