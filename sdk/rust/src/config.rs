//! The plugin's settings: the channel's own `config` table (in `roomkit.toml`) first, then the
//! `[config]` table of its manifest (`NAME.toml`), strings only. Secrets travel the same way; a
//! plugin has no environment variables.
//!
//! A plugin that reads many settings reads them through a lookup (`config::get` in the plugin,
//! a stand-in in its tests) with [`optional_in`], [`required_in`] and [`number_in`], and keeps
//! its secrets in a [`Secret`], which never shows its value.
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

/// A set, non-blank value of `key` read through `get` (`config::get`, or a stand-in), trimmed.
pub fn optional_in(get: &impl Fn(&str) -> Option<String>, key: &str) -> Option<String> {
    get(key)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// [`optional_in`], or an error naming the key that is not set.
pub fn required_in(get: &impl Fn(&str) -> Option<String>, key: &str) -> Result<String, String> {
    optional_in(get, key).ok_or_else(|| format!("config key `{key}` is not set"))
}

/// A whole number set as `key`, or `default` when unset; an error names the key and the text.
pub fn number_in(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: u64,
) -> Result<u64, String> {
    match optional_in(get, key) {
        None => Ok(default),
        Some(text) => text
            .parse::<u64>()
            .map_err(|_| format!("config `{key}`: {text:?} is not a whole number")),
    }
}

/// A value that is never shown: its `Debug` and `Display` print `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the secret replaced by `[redacted]`: for text that comes
    /// from elsewhere (a service's error body) and goes into an error or a log.
    pub fn scrub(&self, text: &str) -> String {
        redact(text, &self.0)
    }
}

/// `text` with every occurrence of `secret` replaced by `[redacted]` (an empty secret masks
/// nothing).
pub fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        text.to_owned()
    } else {
        text.replace(secret, "[redacted]")
    }
}

/// At most 200 characters of a service's answer `body`, trimmed, with `secret` masked: what an
/// error may quote of it. `(empty body)` when there is nothing to quote.
pub fn excerpt(body: &[u8], secret: &str) -> String {
    let text = String::from_utf8_lossy(body);
    let text = redact(text.trim(), secret);
    if text.is_empty() {
        return "(empty body)".to_owned();
    }
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn values_are_trimmed_and_blank_is_unset() {
        let get = from(&[("a", "  x "), ("blank", "  "), ("n", " 42 "), ("bad", "4x")]);
        assert_eq!(optional_in(&get, "a").as_deref(), Some("x"));
        assert_eq!(optional_in(&get, "blank"), None);
        assert_eq!(
            required_in(&get, "blank").unwrap_err(),
            "config key `blank` is not set"
        );
        assert_eq!(number_in(&get, "n", 7), Ok(42));
        assert_eq!(number_in(&get, "missing", 7), Ok(7));
        assert_eq!(
            number_in(&get, "bad", 7).unwrap_err(),
            "config `bad`: \"4x\" is not a whole number"
        );
    }

    #[test]
    fn an_excerpt_is_short_trimmed_and_masked() {
        assert_eq!(excerpt(b"  bad key k-1 \n", "k-1"), "bad key [redacted]");
        assert_eq!(excerpt(b"   ", "k"), "(empty body)");
        let long = "é".repeat(250);
        assert_eq!(
            excerpt(long.as_bytes(), ""),
            format!("{}…", "é".repeat(200))
        );
    }

    #[test]
    fn a_secret_never_shows_its_value() {
        let secret = Secret::new("tok-123");
        assert_eq!(format!("{secret:?} {secret}"), "[redacted] [redacted]");
        assert_eq!(secret.expose(), "tok-123");
        assert_eq!(secret.scrub("bad token tok-123"), "bad token [redacted]");
        assert_eq!(Secret::new("").scrub("text"), "text");
    }
}
