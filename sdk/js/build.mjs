#!/usr/bin/env node
// Builds a RoomKit plugin written in JavaScript or TypeScript into a WebAssembly component.
//
//   node sdk/js/build.mjs [PLUGIN_DIR] [--out FILE.wasm] [--kind KIND]
//
// PLUGIN_DIR (default: the current directory) holds the plugin's entry module (package.json
// "main", else src/plugin.ts, src/plugin.js, plugin.ts or plugin.js) and its manifest NAME.toml
// (the only *.toml there; `kind` picks the world, `hook` when unset). The component goes to
// PLUGIN_DIR/dist/NAME.wasm with the manifest copied beside it, ready for the plugin directory.
//
// Steps: a generated entry re-exports the plugin's functions through the SDK's error glue;
// esbuild bundles it with the SDK into one ES module (componentize-js takes one module, and
// strips TypeScript types on the way); componentize-js makes the component for the kind's world
// with every WASI feature disabled except outbound HTTP (`fetch`) for providers. Never AOT
// (weval): that downloads a binary. Needs `sdk/js/setup.sh` once (npm ci, nothing global).

import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const sdk = dirname(fileURLToPath(import.meta.url));
const witDir = resolve(sdk, '../../wit');

/** Per kind: the world and its exports (name, whether the SDK supplies a default, error glue). */
export const KINDS = {
  hook: { world: 'hook', exports: [['handle', 'string']] },
  // Not a manifest kind: a hook whose manifest names an identity trigger is built for this
  // world (see `worldKind`).
  'identity-hook': { world: 'identity-hook', exports: [['handle', 'string'], ['handleIdentity', 'string']] },
  'identity-resolver': { world: 'identity-resolver', exports: [['resolve', 'string']] },
  'inbound-router': { world: 'inbound-router', exports: [['route', 'string']] },
  provider: {
    world: 'provider',
    exports: [['deliver', 'delivery'], ['verifySignature', 'none', 'false'], ['parseWebhook', 'string', 'webhooks']],
    http: true,
  },
  'ai-provider': { world: 'ai-provider', exports: [['info', 'none'], ['generate', 'delivery']] },
};

function fail(message) {
  console.error(`roomkit js build: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const args = { dir: '.', out: undefined, kind: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out' || a === '-o') args.out = argv[++i];
    else if (a === '--kind') args.kind = argv[++i];
    else if (a === '--help' || a === '-h') {
      console.log('usage: node sdk/js/build.mjs [PLUGIN_DIR] [--out FILE.wasm] [--kind KIND]');
      process.exit(0);
    } else if (a.startsWith('-')) fail(`unknown option ${a}`);
    else args.dir = a;
  }
  return args;
}

/**
 * The entry of KINDS to build: the manifest kind, except that a hook whose manifest names
 * `on_identity_unknown` or `on_identity_ambiguous` is built for the `identity-hook` world
 * (which adds `handleIdentity`; the host refuses a `hook` component on those triggers).
 */
export function worldKind(kind, manifestPath) {
  if (kind !== 'hook' || !manifestPath) return kind;
  const text = readFileSync(manifestPath, 'utf8');
  const triggers = text.match(/^\s*triggers\s*=\s*\[([^\]]*)\]/m)?.[1] ?? '';
  return /on_identity_(unknown|ambiguous)/.test(triggers) ? 'identity-hook' : kind;
}

/** The plugin's manifest: its path, name and kind (a `kind = "..."` line; `hook` when none). */
export function findManifest(dir) {
  const tomls = readdirSync(dir).filter((f) => f.endsWith('.toml'));
  if (tomls.length > 1) fail(`${dir} has several manifests (${tomls.join(', ')}); keep one NAME.toml`);
  if (tomls.length === 0) return undefined;
  const path = join(dir, tomls[0]);
  const kind = readFileSync(path, 'utf8').match(/^\s*kind\s*=\s*"([^"]*)"/m)?.[1] ?? 'hook';
  return { path, name: basename(tomls[0], '.toml'), kind };
}

function findEntry(dir) {
  const pkg = join(dir, 'package.json');
  if (existsSync(pkg)) {
    const main = JSON.parse(readFileSync(pkg, 'utf8')).main;
    if (main) return join(dir, main);
  }
  for (const candidate of ['src/plugin.ts', 'src/plugin.js', 'plugin.ts', 'plugin.js']) {
    if (existsSync(join(dir, candidate))) return join(dir, candidate);
  }
  fail(`${dir}: no entry module (package.json "main", src/plugin.ts, src/plugin.js, plugin.ts or plugin.js)`);
}

function entrySource(userModule, kind) {
  const lines = [
    `import * as plugin from ${JSON.stringify(userModule)};`,
    `import { __wrapStringErr, __wrapDeliveryErr } from 'roomkit-sdk';`,
  ];
  for (const [name, glue, fallback] of KINDS[kind].exports) {
    const fn = `plugin.${name}`;
    const wrapped =
      glue === 'string' ? `__wrapStringErr(${fn})` : glue === 'delivery' ? `__wrapDeliveryErr(${fn})` : fn;
    let missing = `(() => { throw new Error('the plugin does not export ${name}'); })`;
    if (fallback === 'false') missing = '(() => false)';
    if (fallback === 'webhooks') missing = `(() => { throw new Error('this provider takes no webhooks'); })`;
    lines.push(`export const ${name} = typeof ${fn} === 'function' ? ${wrapped} : ${missing};`);
  }
  return lines.join('\n') + '\n';
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const dir = resolve(args.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail(`${args.dir} is not a directory`);
  if (!existsSync(join(sdk, 'node_modules/@bytecodealliance/componentize-js'))) {
    fail('the JS toolchain is not installed: run sdk/js/setup.sh (npm ci into sdk/js/node_modules)');
  }
  const manifest = findManifest(dir);
  const kind = worldKind(args.kind ?? manifest?.kind ?? 'hook', manifest?.path);
  if (!KINDS[kind]) fail(`unknown kind "${kind}" (one of ${Object.keys(KINDS).join(', ')})`);
  const name = manifest?.name ?? basename(dir).replaceAll('-', '_');
  const entry = findEntry(dir);
  const out = resolve(args.out ?? join(dir, 'dist', `${name}.wasm`));
  const work = join(dir, 'dist', '.build');
  mkdirSync(work, { recursive: true });
  mkdirSync(dirname(out), { recursive: true });

  // 1. Bundle.
  const started = Date.now();
  const esbuild = await import('esbuild');
  const entryFile = join(work, 'entry.js');
  writeFileSync(entryFile, entrySource(entry, kind));
  const bundle = join(work, 'bundle.js');
  await esbuild.build({
    entryPoints: [entryFile],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    outfile: bundle,
    alias: { 'roomkit-sdk': join(sdk, 'src/index.js') },
    external: ['roomkit:*', 'wasi:*'],
    logLevel: 'warning',
    // The generated entry probes for optional exports (verifySignature, parseWebhook).
    logOverride: { 'import-is-undefined': 'silent' },
  });
  console.log(`bundled ${relative(process.cwd(), entry)} (${kind}) in ${Date.now() - started} ms`);

  // 2. Componentize (slow: about half a minute to a minute and a half).
  const { componentize } = await import('@bytecodealliance/componentize-js');
  const disableFeatures = ['stdio', 'random', 'clocks', 'fetch-event'];
  if (!KINDS[kind].http) disableFeatures.push('http');
  console.log(
    `componentize-js: world roomkit:plugin/${KINDS[kind].world}, disabled: ${disableFeatures.join(', ')} (this takes a while)`,
  );
  const t0 = Date.now();
  const ticker = setInterval(() => console.log(`  … ${Math.round((Date.now() - t0) / 1000)} s`), 15000);
  let component;
  try {
    ({ component } = await componentize({
      sourcePath: bundle,
      witPath: witDir,
      worldName: KINDS[kind].world,
      disableFeatures,
    }));
  } catch (e) {
    fail(`componentize-js failed: ${e.message ?? e}`);
  } finally {
    clearInterval(ticker);
  }
  writeFileSync(out, component);
  if (manifest) copyFileSync(manifest.path, join(dirname(out), `${basename(out, '.wasm')}.toml`));
  const kib = Math.round(component.length / 1024);
  console.log(`wrote ${relative(process.cwd(), out)} (${kib} KiB) in ${Math.round((Date.now() - started) / 1000)} s`);
}

await main();
