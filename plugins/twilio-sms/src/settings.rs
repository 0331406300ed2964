//! The channel's settings: its own `config` table in `roomkit.toml` first, then the manifest's
//! `[config]` (the host answers `config::get` in that order), so one component serves several
//! Twilio accounts.
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `account_sid` | required to deliver | the account (`AC…`) whose Messages resource is used |
//! | `auth_token` | required | signs Twilio's webhooks; the API password unless an API key is set |
//! | `api_key_sid`, `api_key_secret` | none | an API key (`SK…`) to authenticate deliveries instead |
//! | `from` | one of the two | the sending number (E.164), short code or sender id |
//! | `messaging_service_sid` | one of the two | a Messaging Service (`MG…`) that picks the sender |
//! | `status_callback_url` | none | where Twilio posts status callbacks (`StatusCallback`) |
//! | `default_region` | `US` | the region of recipient numbers written without a country code |
//! | `api_base` | `https://api.twilio.com` | the API's origin (a fake's in tests) |
//! | `timeout_ms` | `10000` | connect / first-byte / between-bytes timeout of a delivery |
//!
//! `auth_token` and `api_key_secret` are secrets: no error or log names their value, and the
//! `Debug` form hides them.

use roomkit_sdk::config::{optional_in as value, required_in as required};
use std::fmt;
use std::time::Duration;

/// The API origin when the config names none.
pub const DEFAULT_API_BASE: &str = "https://api.twilio.com";
/// The region of numbers without a country code when the config names none.
pub const DEFAULT_REGION: &str = "US";
/// The delivery timeout when the config names none.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;

/// Who sends: a number (`From`) or a Messaging Service (`MessagingServiceSid`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// `From`: a Twilio number in E.164, a short code or an alphanumeric sender id.
    From(String),
    /// `MessagingServiceSid`: the service picks the number.
    MessagingService(String),
}

/// What a delivery needs.
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    /// `account_sid`.
    pub account_sid: String,
    /// The basic-auth user: the API key sid when one is set, else the account sid.
    pub username: String,
    /// The basic-auth password: the API key secret, else the auth token.
    pub password: String,
    /// `from` or `messaging_service_sid` (the service wins when both are set, as in Twilio).
    pub sender: Sender,
    /// `status_callback_url`.
    pub status_callback: Option<String>,
    /// `default_region`.
    pub default_region: String,
    /// `api_base`, without a trailing `/`.
    pub api_base: String,
    /// `timeout_ms`.
    pub timeout: Duration,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("account_sid", &self.account_sid)
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .field("sender", &self.sender)
            .field("status_callback", &self.status_callback)
            .field("default_region", &self.default_region)
            .field("api_base", &self.api_base)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Twilio sids are two letters and 32 hex digits; anything outside letters and digits would
/// change the request's path, so it is refused.
fn check_sid(key: &str, sid: &str) -> Result<(), String> {
    if sid.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(format!(
            "config `{key}`: {sid:?} is not a Twilio sid (letters and digits only)"
        ))
    }
}

/// The auth token that checks webhook signatures (`auth_token`).
pub fn auth_token(get: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    required(&get, "auth_token")
}

/// The region of numbers written without a country code (`default_region`, default `US`).
pub fn default_region(get: impl Fn(&str) -> Option<String>) -> String {
    value(&get, "default_region").unwrap_or_else(|| DEFAULT_REGION.to_owned())
}

impl Settings {
    /// Reads what a delivery needs with `get` (the `config` import in the plugin).
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
        let account_sid = required(&get, "account_sid")?;
        check_sid("account_sid", &account_sid)?;
        let (username, password) = match (value(&get, "api_key_sid"), value(&get, "api_key_secret"))
        {
            (Some(sid), Some(secret)) => {
                check_sid("api_key_sid", &sid)?;
                (sid, secret)
            }
            (Some(_), None) => {
                return Err("config key `api_key_secret` is not set (`api_key_sid` is)".to_owned());
            }
            (None, Some(_)) => {
                return Err("config key `api_key_sid` is not set (`api_key_secret` is)".to_owned());
            }
            (None, None) => (account_sid.clone(), required(&get, "auth_token")?),
        };
        let sender = match (value(&get, "messaging_service_sid"), value(&get, "from")) {
            (Some(service), _) => {
                check_sid("messaging_service_sid", &service)?;
                Sender::MessagingService(service)
            }
            (None, Some(from)) => Sender::From(from),
            (None, None) => {
                return Err(
                    "neither config key `from` nor `messaging_service_sid` is set".to_owned(),
                );
            }
        };
        let timeout_ms =
            match value(&get, "timeout_ms") {
                Some(ms) => ms.parse::<u64>().ok().filter(|ms| *ms > 0).ok_or_else(|| {
                    format!("config `timeout_ms`: {ms:?} is not a positive number")
                })?,
                None => DEFAULT_TIMEOUT_MS,
            };
        let api_base = value(&get, "api_base").unwrap_or_else(|| DEFAULT_API_BASE.to_owned());
        if !(api_base.starts_with("https://") || api_base.starts_with("http://")) {
            return Err(format!(
                "config `api_base`: {api_base:?} is not an http(s) URL"
            ));
        }
        Ok(Settings {
            account_sid,
            username,
            password,
            sender,
            status_callback: value(&get, "status_callback_url"),
            default_region: default_region(&get),
            api_base: api_base.trim_end_matches('/').to_owned(),
            timeout: Duration::from_millis(timeout_ms),
        })
    }

    /// `{api_base}/2010-04-01/Accounts/{account_sid}/Messages.json`.
    pub fn messages_url(&self) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.api_base, self.account_sid
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |key| map.get(key).cloned()
    }

    const BASE: &[(&str, &str)] = &[
        ("account_sid", "AC123"),
        ("auth_token", "tok-secret"),
        ("from", "+15145550000"),
    ];

    #[test]
    fn the_least_config_gets_the_defaults() {
        let s = Settings::read(config(BASE)).unwrap();
        assert_eq!(s.account_sid, "AC123");
        assert_eq!(
            (s.username.as_str(), s.password.as_str()),
            ("AC123", "tok-secret")
        );
        assert_eq!(s.sender, Sender::From("+15145550000".into()));
        assert_eq!(s.status_callback, None);
        assert_eq!(s.default_region, "US");
        assert_eq!(
            s.messages_url(),
            "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"
        );
        assert_eq!(s.timeout, Duration::from_millis(10_000));
    }

    #[test]
    fn an_api_key_and_a_messaging_service_take_precedence() {
        let mut pairs = BASE.to_vec();
        pairs.extend([
            ("api_key_sid", "SK9"),
            ("api_key_secret", "key-secret"),
            ("messaging_service_sid", "MG7"),
            ("api_base", "http://127.0.0.1:9/"),
            ("default_region", "CA"),
            ("timeout_ms", "2500"),
            (
                "status_callback_url",
                "https://desk.example.com/v1/webhooks/sms",
            ),
        ]);
        let s = Settings::read(config(&pairs)).unwrap();
        assert_eq!(
            (s.username.as_str(), s.password.as_str()),
            ("SK9", "key-secret")
        );
        assert_eq!(s.sender, Sender::MessagingService("MG7".into()));
        assert_eq!(
            s.messages_url(),
            "http://127.0.0.1:9/2010-04-01/Accounts/AC123/Messages.json"
        );
        assert_eq!(s.default_region, "CA");
        assert_eq!(s.timeout, Duration::from_millis(2500));
        assert_eq!(
            s.status_callback.as_deref(),
            Some("https://desk.example.com/v1/webhooks/sms")
        );
    }

    #[test]
    fn missing_or_bad_keys_are_named_and_secrets_never_shown() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[("auth_token", "tok-secret"), ("from", "+1")],
                "config key `account_sid` is not set",
            ),
            (
                &[("account_sid", "AC1"), ("from", "+1")],
                "config key `auth_token` is not set",
            ),
            (
                &[("account_sid", "AC1"), ("auth_token", "tok-secret")],
                "neither config key `from` nor `messaging_service_sid` is set",
            ),
            (
                &[
                    ("account_sid", "AC1/../x"),
                    ("auth_token", "tok-secret"),
                    ("from", "+1"),
                ],
                "config `account_sid`: \"AC1/../x\" is not a Twilio sid (letters and digits only)",
            ),
            (
                &[
                    ("account_sid", "AC1"),
                    ("api_key_secret", "key-secret"),
                    ("from", "+1"),
                ],
                "config key `api_key_sid` is not set (`api_key_secret` is)",
            ),
            (
                &[
                    ("account_sid", "AC1"),
                    ("api_key_sid", "SK1"),
                    ("from", "+1"),
                ],
                "config key `api_key_secret` is not set (`api_key_sid` is)",
            ),
            (
                &[
                    ("account_sid", "AC1"),
                    ("auth_token", "tok-secret"),
                    ("from", "+1"),
                    ("timeout_ms", "soon"),
                ],
                "config `timeout_ms`: \"soon\" is not a positive number",
            ),
            (
                &[
                    ("account_sid", "AC1"),
                    ("auth_token", "tok-secret"),
                    ("from", "+1"),
                    ("api_base", "api.twilio.com"),
                ],
                "config `api_base`: \"api.twilio.com\" is not an http(s) URL",
            ),
        ];
        for (pairs, expected) in cases {
            let error = Settings::read(config(pairs)).unwrap_err();
            assert_eq!(&error, expected);
            assert!(
                !error.contains("tok-secret") && !error.contains("key-secret"),
                "{error}"
            );
        }
        let debug = format!("{:?}", Settings::read(config(BASE)).unwrap());
        assert!(
            !debug.contains("tok-secret") && debug.contains("<hidden>"),
            "{debug}"
        );
    }

    #[test]
    fn blank_values_count_as_unset() {
        let error = Settings::read(config(&[
            ("account_sid", "  "),
            ("auth_token", "t"),
            ("from", "+1"),
        ]))
        .unwrap_err();
        assert_eq!(error, "config key `account_sid` is not set");
        assert_eq!(
            auth_token(config(&[("auth_token", "")])).unwrap_err(),
            "config key `auth_token` is not set"
        );
        assert_eq!(default_region(config(&[])), "US");
    }
}
