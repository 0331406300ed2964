//! The plugin's settings: the `[config]` table of its manifest (`NAME.toml`), strings only.
//! Secrets travel the same way; a plugin has no environment variables.
//!
//! ```no_run
//! let words = roomkit_sdk::config::get("words").unwrap_or_default();
//! let url = roomkit_sdk::config::require("url")?;
//! # Ok::<(), String>(())
//! ```

use crate::sys;

/// The value of `key`, or `None` when the manifest does not set it.
pub fn get(key: &str) -> Option<String> {
    sys::config(key)
}

/// The value of `key`, or `default` when unset.
pub fn get_or(key: &str, default: &str) -> String {
    get(key).unwrap_or_else(|| default.to_owned())
}

/// The value of `key`, or an error naming the missing key (a plugin returns it as its error).
pub fn require(key: &str) -> Result<String, String> {
    get(key).ok_or_else(|| format!("config key `{key}` is not set"))
}
