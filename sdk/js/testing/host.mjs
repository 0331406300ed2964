// An in-memory stand-in for the host's imports (`roomkit:plugin/host@0.2.0`), for native tests
// of plugins and of the SDK with `node --test`: run node with `--import` of ./register.mjs and
// the SDK's `config`, `kv` and `log` use this module instead of the host. `testing` sets the
// config and shows what was stored and logged.

const state = { config: new Map(), kv: new Map(), kvMaxKeys: undefined, kvStoreError: undefined, logs: [] };

/** An import's `err` as componentize-js throws it: an error whose `payload` is the WIT value. */
function componentError(payload) {
  const error = new Error(`${payload.tag}: ${payload.val} (see error.payload)`);
  Object.defineProperty(error, 'payload', { value: payload, enumerable: true });
  return error;
}

// The WIT functions, as componentize-js presents them (an absent option is undefined).
export const config = (key) => state.config.get(key);
export const kvGet = (key) => state.kv.get(key);
export function kvSet(key, value) {
  if (state.kvStoreError !== undefined) throw componentError({ tag: 'store', val: state.kvStoreError });
  if (!state.kv.has(key) && state.kvMaxKeys !== undefined && state.kv.size >= state.kvMaxKeys) {
    throw componentError({ tag: 'over-quota', val: `${state.kv.size} keys is the limit` });
  }
  state.kv.set(key, Uint8Array.from(value));
}
export const kvDelete = (key) => state.kv.delete(key);
export const log = (level, message) => void state.logs.push({ level, message });

/** What tests set and read. */
export const testing = {
  /** Sets a `[config]` value of the manifest. */
  setConfig(key, value) {
    state.config.set(key, String(value));
  },
  /** Refuses new keys once the plugin holds `maxKeys` (as the host's `[kv] max_keys` does). */
  setKvMaxKeys(maxKeys) {
    state.kvMaxKeys = maxKeys;
  },
  /** Makes every set fail as a failing store does, with `reason` (undefined: stop failing). */
  failKvStore(reason) {
    state.kvStoreError = reason;
  },
  /** The key-value space: key → Uint8Array. */
  get kv() {
    return state.kv;
  },
  /** The lines logged so far: `{ level, message }`. */
  get logs() {
    return [...state.logs];
  },
  /** Forgets config, key-value data and its limits, and logs. */
  reset() {
    state.config.clear();
    state.kv.clear();
    state.kvMaxKeys = undefined;
    state.kvStoreError = undefined;
    state.logs.length = 0;
  },
};
