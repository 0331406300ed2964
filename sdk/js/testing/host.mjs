// An in-memory stand-in for the host's imports (`roomkit:plugin/host@0.1.0`), for native tests
// of plugins and of the SDK with `node --test`: run node with `--import` of ./register.mjs and
// the SDK's `config`, `kv` and `log` use this module instead of the host. `testing` sets the
// config and shows what was stored and logged.

const state = { config: new Map(), kv: new Map(), logs: [] };

// The WIT functions, as componentize-js presents them (an absent option is undefined).
export const config = (key) => state.config.get(key);
export const kvGet = (key) => state.kv.get(key);
export const kvSet = (key, value) => void state.kv.set(key, Uint8Array.from(value));
export const kvDelete = (key) => state.kv.delete(key);
export const log = (level, message) => void state.logs.push({ level, message });

/** What tests set and read. */
export const testing = {
  /** Sets a `[config]` value of the manifest. */
  setConfig(key, value) {
    state.config.set(key, String(value));
  },
  /** The key-value space: key → Uint8Array. */
  get kv() {
    return state.kv;
  },
  /** The lines logged so far: `{ level, message }`. */
  get logs() {
    return [...state.logs];
  },
  /** Forgets config, key-value data and logs. */
  reset() {
    state.config.clear();
    state.kv.clear();
    state.logs.length = 0;
  },
};
