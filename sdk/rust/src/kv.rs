//! The plugin's own key-value space, kept in the host's store. Every plugin sees only its own
//! keys; values are bytes.
//!
//! ```no_run
//! let seen = roomkit_sdk::kv::get_string("seen").and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
//! roomkit_sdk::kv::set_string("seen", &(seen + 1).to_string())?;
//! # Ok::<(), roomkit_sdk::kv::KvError>(())
//! ```
//!
//! A set fails, changing nothing, when the plugin's quota (`[kv]` in its manifest) would be
//! exceeded or the host's store fails.

use crate::sys;

/// Why a value was not stored: `OverQuota` or `Store`, each with the host's explanation.
pub use crate::wit::roomkit::plugin::host::KvError;

/// The value stored under `key`.
pub fn get(key: &str) -> Option<Vec<u8>> {
    sys::kv_get(key)
}

/// Stores `value` under `key`, replacing what was there.
pub fn set(key: &str, value: &[u8]) -> Result<(), KvError> {
    sys::kv_set(key, value)
}

/// Deletes `key`; says whether it was there.
pub fn delete(key: &str) -> bool {
    sys::kv_delete(key)
}

/// The value under `key` as UTF-8 text (`None` when missing or not UTF-8).
pub fn get_string(key: &str) -> Option<String> {
    get(key).and_then(|v| String::from_utf8(v).ok())
}

/// Stores text under `key`.
pub fn set_string(key: &str, value: &str) -> Result<(), KvError> {
    set(key, value.as_bytes())
}
