//! A plugin's settings: its manifest's `[config]` and a channel's own `config` table, resolved.
//! A value is text (numbers and booleans become their text), `"${NAME}"` (the environment
//! variable `NAME`) or `{ file = "path" }` (the file's content without its final newline,
//! relative to the file that names it). Values from the environment or a file, and values of
//! the keys the manifest lists in `secrets`, are secret: they are never shown (`Debug` masks
//! them) and [`Settings::redact`] takes them out of any text.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// What stands in for a secret wherever text would show it.
pub const REDACTED: &str = "[redacted]";

/// Secrets shorter than this are not searched for in text (they would mask ordinary words).
const MIN_REDACTED_LEN: usize = 4;

/// A setting as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum ConfigValue {
    /// Text, or `${NAME}` for an environment variable.
    Text(String),
    /// A whole number.
    Integer(i64),
    /// A number.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// `{ file = "path" }`: the file's content.
    File {
        /// The path, relative to the file that names it.
        file: PathBuf,
    },
}

impl From<&str> for ConfigValue {
    fn from(text: &str) -> Self {
        ConfigValue::Text(text.to_owned())
    }
}

/// One resolved setting.
#[derive(Clone, PartialEq, Eq)]
struct Setting {
    value: String,
    secret: bool,
}

/// Resolved settings, by key.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Settings {
    values: BTreeMap<String, Setting>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.values.iter().map(|(key, setting)| {
                let shown = if setting.secret {
                    REDACTED
                } else {
                    setting.value.as_str()
                };
                (key, shown)
            }))
            .finish()
    }
}

impl Settings {
    /// Resolves `raw`: environment variables are read, files (relative to `base_dir`) loaded,
    /// and `secret_keys` marked secret. An error names the key and what is missing, never a
    /// value.
    pub fn resolve(
        raw: &BTreeMap<String, ConfigValue>,
        secret_keys: &[String],
        base_dir: &Path,
    ) -> Result<Self, String> {
        Self::resolve_with(raw, secret_keys, base_dir, &|name| std::env::var(name).ok())
    }

    /// [`resolve`](Self::resolve) reading variables through `env` (tests).
    pub fn resolve_with(
        raw: &BTreeMap<String, ConfigValue>,
        secret_keys: &[String],
        base_dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let mut values = BTreeMap::new();
        for (key, value) in raw {
            let listed = secret_keys.iter().any(|k| k == key);
            let setting = match value {
                ConfigValue::Text(text) => match env_name(text) {
                    Some(name) => Setting {
                        value: env(name).ok_or_else(|| {
                            format!("config.{key}: environment variable {name} is not set")
                        })?,
                        secret: true,
                    },
                    None => Setting {
                        value: text.clone(),
                        secret: listed,
                    },
                },
                ConfigValue::Integer(n) => Setting {
                    value: n.to_string(),
                    secret: listed,
                },
                ConfigValue::Float(n) => Setting {
                    value: n.to_string(),
                    secret: listed,
                },
                ConfigValue::Bool(b) => Setting {
                    value: b.to_string(),
                    secret: listed,
                },
                ConfigValue::File { file } => {
                    let path = base_dir.join(file);
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| format!("config.{key}: reading {}: {e}", path.display()))?;
                    let text = text.strip_suffix('\n').unwrap_or(&text);
                    Setting {
                        value: text.strip_suffix('\r').unwrap_or(text).to_owned(),
                        secret: true,
                    }
                }
            };
            values.insert(key.clone(), setting);
        }
        Ok(Settings { values })
    }

    /// Plain text settings (tests and defaults), none secret.
    pub fn plain<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Settings {
            values: pairs
                .into_iter()
                .map(|(k, v)| {
                    let setting = Setting {
                        value: v.to_owned(),
                        secret: false,
                    };
                    (k.to_owned(), setting)
                })
                .collect(),
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(|s| s.value.as_str())
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The secret values long enough to be searched for in text.
    pub fn secret_values(&self) -> impl Iterator<Item = &str> {
        self.values
            .values()
            .filter(|s| s.secret && s.value.len() >= MIN_REDACTED_LEN)
            .map(|s| s.value.as_str())
    }

    /// `text` with every secret value of these settings replaced by [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        redact_all(text, self.secret_values())
    }
}

/// `text` with each of `secrets` replaced by [`REDACTED`] (longest first, so that a secret
/// containing another is masked whole).
pub fn redact_all<'a>(text: &str, secrets: impl IntoIterator<Item = &'a str>) -> String {
    let mut secrets: Vec<&str> = secrets
        .into_iter()
        .filter(|s| s.len() >= MIN_REDACTED_LEN)
        .collect();
    if secrets.is_empty() {
        return text.to_owned();
    }
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_owned();
    for secret in secrets {
        if out.contains(secret) {
            out = out.replace(secret, REDACTED);
        }
    }
    out
}

/// `NAME` of a value written `${NAME}`.
fn env_name(text: &str) -> Option<&str> {
    let name = text.strip_prefix("${")?.strip_suffix('}')?;
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(name)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, ConfigValue)]) -> BTreeMap<String, ConfigValue> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    fn env(name: &str) -> Option<String> {
        (name == "TWILIO_TOKEN").then(|| "tok-123456".to_owned())
    }

    #[test]
    fn values_come_from_text_numbers_the_environment_and_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("key.txt"), "file-secret-9\n").unwrap();
        let settings = Settings::resolve_with(
            &raw(&[
                ("from", "+15550001111".into()),
                ("retries", ConfigValue::Integer(3)),
                ("verbose", ConfigValue::Bool(true)),
                ("token", "${TWILIO_TOKEN}".into()),
                (
                    "key",
                    ConfigValue::File {
                        file: "key.txt".into(),
                    },
                ),
                ("literal", "${not a name}".into()),
            ]),
            &[],
            dir.path(),
            &env,
        )
        .unwrap();
        assert_eq!(settings.get("from"), Some("+15550001111"));
        assert_eq!(settings.get("retries"), Some("3"));
        assert_eq!(settings.get("verbose"), Some("true"));
        assert_eq!(settings.get("token"), Some("tok-123456"));
        assert_eq!(settings.get("key"), Some("file-secret-9"));
        assert_eq!(settings.get("literal"), Some("${not a name}"));
        let mut secrets: Vec<&str> = settings.secret_values().collect();
        secrets.sort_unstable();
        assert_eq!(secrets, ["file-secret-9", "tok-123456"]);
    }

    #[test]
    fn listed_keys_are_secret_and_never_shown() {
        let settings = Settings::resolve_with(
            &raw(&[("auth_token", "abcd1234".into()), ("from", "+1555".into())]),
            &["auth_token".to_owned()],
            Path::new("."),
            &env,
        )
        .unwrap();
        assert_eq!(
            format!("{settings:?}"),
            r#"{"auth_token": "[redacted]", "from": "+1555"}"#
        );
        assert_eq!(
            settings.redact("401 for token abcd1234 (abcd1234)"),
            "401 for token [redacted] ([redacted])"
        );
    }

    #[test]
    fn a_missing_variable_or_file_is_an_error_naming_the_key() {
        let missing = Settings::resolve_with(
            &raw(&[("token", "${NOPE}".into())]),
            &[],
            Path::new("."),
            &env,
        );
        assert_eq!(
            missing.unwrap_err(),
            "config.token: environment variable NOPE is not set"
        );
        let dir = tempfile::tempdir().unwrap();
        let no_file = Settings::resolve_with(
            &raw(&[(
                "key",
                ConfigValue::File {
                    file: "gone.pem".into(),
                },
            )]),
            &[],
            dir.path(),
            &env,
        )
        .unwrap_err();
        assert!(no_file.starts_with("config.key: reading "), "{no_file}");
        assert!(no_file.contains("gone.pem"), "{no_file}");
    }

    #[test]
    fn redaction_masks_the_longest_secret_whole_and_skips_short_ones() {
        assert_eq!(
            redact_all("a secret-long and secret", ["secret", "secret-long", "abc"]),
            "a [redacted] and [redacted]"
        );
        assert_eq!(redact_all("abc abc", ["abc"]), "abc abc");
    }
}
