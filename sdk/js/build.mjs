#!/usr/bin/env node
// Builds a RoomKit plugin written in JavaScript or TypeScript into a WebAssembly component.
//
//   node sdk/js/build.mjs [PLUGIN_DIR] --kind KIND [--world WORLD] [--out FILE.wasm]
//
// PLUGIN_DIR (default: the current directory) holds the plugin's entry module (package.json
// "main", else src/plugin.ts, src/plugin.js, plugin.ts or plugin.js) and, optionally, its
// manifest NAME.toml (the only *.toml there), which names the plugin. KIND is the manifest's
// `kind` (hook, identity-resolver, inbound-router, provider, ai-provider) and WORLD the world of
// roomkit:plugin to build for: the kind's own (the default), or `identity-hook` for a hook
// whose manifest names an identity trigger. `roomkit plugin build` reads the manifest with the
// host's own parser and passes both; this script does not read the manifest. The component goes
// to PLUGIN_DIR/dist/NAME.wasm with the manifest copied beside it, ready for the plugin directory.
//
// Steps: a generated entry re-exports the plugin's functions through the SDK's error glue;
// esbuild bundles it with the SDK into one ES module (componentize-js takes one module, and
// strips TypeScript types on the way); componentize-js makes the component for the world with
// every WASI feature disabled except outbound HTTP (`fetch`) for providers. Never AOT (weval):
// that downloads a binary. Needs `sdk/js/setup.sh` once (npm ci, nothing global).

import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const sdk = dirname(fileURLToPath(import.meta.url));
const witDir = resolve(sdk, '../../wit');

/**
 * Per world of roomkit:plugin: its exports (name, the SDK's error glue, the default when the
 * plugin lacks it) and whether it may use outbound HTTP.
 */
export const WORLDS = {
  hook: { exports: [['handle', 'string']] },
  'identity-hook': { exports: [['handle', 'string'], ['handleIdentity', 'string']] },
  'identity-resolver': { exports: [['resolve', 'string']] },
  'inbound-router': { exports: [['route', 'string']] },
  provider: {
    exports: [['deliver', 'delivery'], ['verifySignature', 'none', 'false'], ['parseWebhook', 'webhook', 'webhooks']],
    http: true,
  },
  'ai-provider': { exports: [['info', 'none'], ['generate', 'delivery']] },
};

/**
 * The manifest kinds: each is built for the world of its name, and a hook also for
 * `identity-hook`, the one world that is not a kind of its own.
 */
export const KINDS = Object.keys(WORLDS).filter((world) => world !== 'identity-hook');

/** Thrown for bad arguments; `main` prints it and exits 1. */
export class UsageError extends Error {}

const USAGE = 'usage: node sdk/js/build.mjs [PLUGIN_DIR] --kind KIND [--world WORLD] [--out FILE.wasm]';

function fail(message) {
  console.error(`roomkit js build: ${message}`);
  process.exit(1);
}

/** The arguments: `{ dir, out, kind, world }`, with `kind` and `world` checked. */
export function parseArgs(argv) {
  const args = { dir: '.', out: undefined, kind: undefined, world: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value\n${USAGE}`);
      return argv[++i];
    };
    if (a === '--out' || a === '-o') args.out = value();
    else if (a === '--kind') args.kind = value();
    else if (a === '--world') args.world = value();
    else if (a === '--help' || a === '-h') args.help = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}\n${USAGE}`);
    else args.dir = a;
  }
  if (args.help) return args;
  if (args.kind === undefined) {
    throw new UsageError(
      `missing --kind: the plugin's kind from its manifest (one of ${KINDS.join(', ')}); ` +
        '`roomkit plugin build` passes it',
    );
  }
  if (!KINDS.includes(args.kind)) {
    throw new UsageError(`unknown kind "${args.kind}" (one of ${KINDS.join(', ')})`);
  }
  args.world ??= args.kind;
  if (!WORLDS[args.world]) {
    throw new UsageError(`unknown world "${args.world}" (one of ${Object.keys(WORLDS).join(', ')})`);
  }
  const fits = args.world === args.kind || (args.kind === 'hook' && args.world === 'identity-hook');
  if (!fits) {
    throw new UsageError(
      `a ${args.kind} is built for the world ${args.kind}` +
        (args.kind === 'hook' ? ' or identity-hook' : '') +
        `, not ${args.world}`,
    );
  }
  return args;
}

/** The plugin's manifest, the only `*.toml` in `dir`: its path and the plugin's name. */
export function findManifest(dir) {
  const tomls = readdirSync(dir).filter((f) => f.endsWith('.toml'));
  if (tomls.length > 1) {
    throw new UsageError(`${dir} has several manifests (${tomls.join(', ')}); keep one NAME.toml`);
  }
  if (tomls.length === 0) return undefined;
  return { path: join(dir, tomls[0]), name: basename(tomls[0], '.toml') };
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

/** The entry module: the plugin's functions of `world`, each through its error glue. */
export function entrySource(userModule, world) {
  const lines = [
    `import * as plugin from ${JSON.stringify(userModule)};`,
    `import { __wrapStringErr, __wrapDeliveryErr, __wrapWebhook } from 'roomkit-sdk';`,
  ];
  for (const [name, glue, fallback] of WORLDS[world].exports) {
    const fn = `plugin.${name}`;
    const glues = { string: '__wrapStringErr', delivery: '__wrapDeliveryErr', webhook: '__wrapWebhook' };
    const wrapped = glues[glue] ? `${glues[glue]}(${fn})` : fn;
    let missing = `(() => { throw new Error('the plugin does not export ${name}'); })`;
    if (fallback === 'false') missing = '(() => false)';
    if (fallback === 'webhooks') missing = `(() => { throw new Error('this provider takes no webhooks'); })`;
    lines.push(`export const ${name} = typeof ${fn} === 'function' ? ${wrapped} : ${missing};`);
  }
  return lines.join('\n') + '\n';
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const { kind, world } = args;
  const dir = resolve(args.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail(`${args.dir} is not a directory`);
  if (!existsSync(join(sdk, 'node_modules/@bytecodealliance/componentize-js'))) {
    fail('the JS toolchain is not installed: run sdk/js/setup.sh (npm ci into sdk/js/node_modules)');
  }
  const manifest = findManifest(dir);
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
  writeFileSync(entryFile, entrySource(entry, world));
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
  if (!WORLDS[world].http) disableFeatures.push('http');
  console.log(
    `componentize-js: world roomkit:plugin/${world}, disabled: ${disableFeatures.join(', ')} (this takes a while)`,
  );
  const t0 = Date.now();
  const ticker = setInterval(() => console.log(`  … ${Math.round((Date.now() - t0) / 1000)} s`), 15000);
  let component;
  try {
    ({ component } = await componentize({
      sourcePath: bundle,
      witPath: witDir,
      worldName: world,
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

// Run as a script, not when imported (the tests import the argument and entry helpers).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main().catch((e) => {
    if (e instanceof UsageError) fail(e.message);
    throw e;
  });
}
