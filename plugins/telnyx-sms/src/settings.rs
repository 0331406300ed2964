//! The channel's settings, read through the `config` import: the channel's own `config` table
//! in `roomkit.toml` first (one `.wasm` serves several Telnyx accounts), then the manifest's
//! `[config]`.
//!
//! | key | default | needed for |
//! |---|---|---|
//! | `api_key` | — | delivering (a secret: the manifest lists it in `secrets`) |
//! | `from_number` | — | delivering: the sending number, E.164 (or a short code / alphanumeric sender) |
//! | `messaging_profile_id` | none | sent along when set (number pools, alphanumeric senders) |
//! | `webhook_url` | none | sent along when set: where Telnyx posts this message's status |
//! | `api_base` | `https://api.telnyx.com` | the API's origin (a fake's in tests) |
//! | `timeout_ms` | `10000` | connect / first-byte / between-bytes timeout of a delivery |
//! | `public_key` | — | verifying webhooks: the account's Ed25519 public key, base64 as the portal shows it |
//! | `timestamp_tolerance_s` | `300` | how far `telnyx-timestamp` may be from now |

use std::time::Duration;

pub use roomkit_sdk::config::Secret;
use roomkit_sdk::config::{number_in as number, optional_in as optional, required_in as required};

/// Telnyx's API origin when `api_base` is not set.
pub const DEFAULT_API_BASE: &str = "https://api.telnyx.com";
/// The delivery timeout when `timeout_ms` is not set.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;
/// How far a webhook's timestamp may be from now when `timestamp_tolerance_s` is not set
/// (Telnyx's SDKs allow the same five minutes).
pub const DEFAULT_TOLERANCE_S: u64 = 300;

/// What a delivery needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverySettings {
    /// `api_key`, sent as `Authorization: Bearer …`.
    pub api_key: Secret,
    /// `from_number`.
    pub from_number: String,
    /// `messaging_profile_id`, when set.
    pub messaging_profile_id: Option<String>,
    /// `webhook_url`, when set.
    pub webhook_url: Option<String>,
    /// `api_base` without a trailing slash.
    pub api_base: String,
    /// `timeout_ms`.
    pub timeout: Duration,
}

/// What checking a webhook's signature needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// `public_key`, base64 as Telnyx's portal shows it.
    pub public_key: String,
    /// `timestamp_tolerance_s`.
    pub tolerance_s: u64,
}

impl DeliverySettings {
    /// Reads them with `get` (the `config` import in the plugin); an error names the key and
    /// what is wrong with it, never a secret's value.
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let api_key = required(&get, "api_key")?;
        let from_number = required(&get, "from_number")?;
        let api_base = optional(&get, "api_base").unwrap_or_else(|| DEFAULT_API_BASE.to_owned());
        if !(api_base.starts_with("https://") || api_base.starts_with("http://")) {
            return Err(format!(
                "config `api_base`: {api_base:?} is not an http:// or https:// URL"
            ));
        }
        Ok(DeliverySettings {
            api_key: Secret::new(api_key),
            from_number,
            messaging_profile_id: optional(&get, "messaging_profile_id"),
            webhook_url: optional(&get, "webhook_url"),
            api_base: api_base.trim_end_matches('/').to_owned(),
            timeout: Duration::from_millis(number(&get, "timeout_ms", DEFAULT_TIMEOUT_MS)?),
        })
    }

    /// `{api_base}/v2/messages`.
    pub fn messages_url(&self) -> String {
        format!("{}/v2/messages", self.api_base)
    }
}

impl WebhookSettings {
    /// Reads them with `get`; an error names the key and what is wrong with it.
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        Ok(WebhookSettings {
            public_key: required(&get, "public_key")?,
            tolerance_s: number(&get, "timestamp_tolerance_s", DEFAULT_TOLERANCE_S)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn delivery_settings_take_defaults_and_trim() {
        let s = DeliverySettings::read(from(&[
            ("api_key", "KEY123"),
            ("from_number", " +15145550000 "),
        ]))
        .unwrap();
        assert_eq!(s.api_key.expose(), "KEY123");
        assert_eq!(s.from_number, "+15145550000");
        assert_eq!(s.messages_url(), "https://api.telnyx.com/v2/messages");
        assert_eq!(s.timeout, Duration::from_millis(10_000));
        assert_eq!((s.messaging_profile_id, s.webhook_url), (None, None));

        let s = DeliverySettings::read(from(&[
            ("api_key", "KEY123"),
            ("from_number", "+15145550000"),
            ("api_base", "http://127.0.0.1:9999/"),
            ("timeout_ms", "2500"),
            ("messaging_profile_id", "mp-1"),
            ("webhook_url", "https://desk.example.com/v1/webhooks/sms"),
        ]))
        .unwrap();
        assert_eq!(s.messages_url(), "http://127.0.0.1:9999/v2/messages");
        assert_eq!(s.timeout, Duration::from_millis(2500));
        assert_eq!(s.messaging_profile_id.as_deref(), Some("mp-1"));
    }

    #[test]
    fn missing_or_malformed_settings_are_named() {
        let err = |pairs| DeliverySettings::read(from(pairs)).unwrap_err();
        assert_eq!(
            err(&[("from_number", "+1")]),
            "config key `api_key` is not set"
        );
        assert_eq!(
            err(&[("api_key", " "), ("from_number", "+1")]),
            "config key `api_key` is not set"
        );
        assert_eq!(
            err(&[("api_key", "k")]),
            "config key `from_number` is not set"
        );
        assert_eq!(
            err(&[
                ("api_key", "k"),
                ("from_number", "+1"),
                ("timeout_ms", "soon")
            ]),
            "config `timeout_ms`: \"soon\" is not a whole number"
        );
        assert_eq!(
            err(&[
                ("api_key", "k"),
                ("from_number", "+1"),
                ("api_base", "api.telnyx.com")
            ]),
            "config `api_base`: \"api.telnyx.com\" is not an http:// or https:// URL"
        );
        assert_eq!(
            WebhookSettings::read(from(&[])).unwrap_err(),
            "config key `public_key` is not set"
        );
        assert_eq!(
            WebhookSettings::read(from(&[
                ("public_key", "x"),
                ("timestamp_tolerance_s", "-1")
            ]))
            .unwrap_err(),
            "config `timestamp_tolerance_s`: \"-1\" is not a whole number"
        );
        let w = WebhookSettings::read(from(&[("public_key", "pk")])).unwrap();
        assert_eq!(w.tolerance_s, 300);
    }

    #[test]
    fn the_api_key_is_never_shown() {
        let s = DeliverySettings::read(from(&[
            ("api_key", "KEY0123456789SECRET"),
            ("from_number", "+1"),
        ]))
        .unwrap();
        let shown = format!("{s:?} {}", s.api_key);
        assert!(!shown.contains("KEY0123456789SECRET"), "{shown}");
        assert!(shown.contains("[redacted]"));
        assert_eq!(
            s.api_key.scrub("bad key KEY0123456789SECRET here"),
            "bad key [redacted] here"
        );
        assert_eq!(Secret::new("").scrub("text"), "text");
    }
}
