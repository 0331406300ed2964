//! Where `roomkit serve` takes its settings from, in order of precedence: a command-line flag,
//! then an environment variable, then the configuration file, then the default.
//!
//! The file is `--config` (or `ROOMKIT_CONFIG`), else `./roomkit.toml` when the working
//! directory has one, else none. `--listen`, `--plugin-dir` and `--data-dir` have the variables
//! `ROOMKIT_LISTEN`, `ROOMKIT_PLUGIN_DIR` and `ROOMKIT_DATA_DIR` (clap reads those). The API
//! tokens have no flag, so they never show in a process listing: `ROOMKIT_API_TOKENS`, a
//! comma-separated list, replaces `[api] tokens`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// The file `roomkit serve` looks for in its working directory.
pub const DEFAULT_FILE: &str = "roomkit.toml";

/// The variable holding API tokens.
pub const TOKENS_VARIABLE: &str = "ROOMKIT_API_TOKENS";

/// The configuration file to read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigFile {
    /// Named by `--config` or `ROOMKIT_CONFIG`.
    Given(PathBuf),
    /// `roomkit.toml` of the working directory.
    Found(PathBuf),
    /// No file: every setting is its default (or comes from a flag or the environment).
    None,
}

impl ConfigFile {
    /// The file named by `given`, else `DIR/roomkit.toml` when it exists, else none.
    pub fn discover(given: Option<PathBuf>, dir: &Path) -> ConfigFile {
        if let Some(path) = given {
            return ConfigFile::Given(path);
        }
        let candidate = dir.join(DEFAULT_FILE);
        if candidate.is_file() {
            ConfigFile::Found(candidate)
        } else {
            ConfigFile::None
        }
    }

    /// The path to read, if any.
    pub fn path(&self) -> Option<&Path> {
        match self {
            ConfigFile::Given(path) | ConfigFile::Found(path) => Some(path),
            ConfigFile::None => None,
        }
    }

    /// Says in the log which file is used, or that there is none.
    pub fn log(&self) {
        match self {
            ConfigFile::Given(path) => {
                tracing::info!(file = %path.display(), "configuration file");
            }
            ConfigFile::Found(path) => tracing::info!(
                file = %path.display(),
                "configuration file (found in the working directory; no --config given)"
            ),
            ConfigFile::None => tracing::warn!(
                "no configuration file (no --config, no ROOMKIT_CONFIG and no ./{DEFAULT_FILE}): \
                 every setting not given by a flag or the environment is its default"
            ),
        }
    }
}

/// The API tokens of `ROOMKIT_API_TOKENS` (`value`: the variable, if set): comma-separated,
/// blanks around each trimmed. `None` when the variable is not set; an error, which never
/// repeats the value, when it is not UTF-8 or names an empty token.
pub fn tokens_from(value: Option<OsString>) -> Result<Option<Vec<String>>> {
    let Some(value) = value else {
        return Ok(None);
    };
    let Some(text) = value.to_str() else {
        bail!("{TOKENS_VARIABLE} is not valid UTF-8");
    };
    let tokens: Vec<String> = text.split(',').map(|t| t.trim().to_owned()).collect();
    if tokens.iter().any(String::is_empty) {
        bail!(
            "{TOKENS_VARIABLE} holds an empty token: write tokens separated by commas, \
             or unset it to use [api] tokens"
        );
    }
    Ok(Some(tokens))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_file_wins_then_the_working_directory_s_then_none() {
        let dir = tempfile::tempdir().unwrap();
        let given = PathBuf::from("elsewhere.toml");
        assert_eq!(
            ConfigFile::discover(Some(given.clone()), dir.path()),
            ConfigFile::Given(given.clone())
        );
        assert_eq!(ConfigFile::discover(None, dir.path()), ConfigFile::None);
        assert_eq!(ConfigFile::None.path(), None);
        std::fs::write(dir.path().join("roomkit.toml"), "").unwrap();
        let found = dir.path().join("roomkit.toml");
        assert_eq!(
            ConfigFile::discover(None, dir.path()),
            ConfigFile::Found(found.clone())
        );
        assert_eq!(
            ConfigFile::discover(Some(given.clone()), dir.path()),
            ConfigFile::Given(given)
        );
        assert_eq!(
            ConfigFile::Found(found.clone()).path(),
            Some(found.as_path())
        );
    }

    #[test]
    fn a_directory_named_roomkit_toml_is_not_a_configuration() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("roomkit.toml")).unwrap();
        assert_eq!(ConfigFile::discover(None, dir.path()), ConfigFile::None);
    }

    #[test]
    fn tokens_are_comma_separated_and_trimmed() {
        assert_eq!(tokens_from(None).unwrap(), None);
        assert_eq!(
            tokens_from(Some("one".into())).unwrap(),
            Some(vec!["one".to_owned()])
        );
        assert_eq!(
            tokens_from(Some(" one , two,three ".into())).unwrap(),
            Some(vec!["one".to_owned(), "two".to_owned(), "three".to_owned()])
        );
    }

    #[test]
    fn an_empty_token_is_refused_without_repeating_the_value() {
        for value in ["", "secret-one,", "secret-one,,secret-two", " , "] {
            let err = tokens_from(Some(value.into())).unwrap_err().to_string();
            assert!(
                err.starts_with("ROOMKIT_API_TOKENS holds an empty token"),
                "{value:?}: {err}"
            );
            assert!(!err.contains("secret"), "{err}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn tokens_that_are_not_utf8_are_refused() {
        use std::os::unix::ffi::OsStringExt;
        let err = tokens_from(Some(OsString::from_vec(vec![0x66, 0xff])))
            .unwrap_err()
            .to_string();
        assert_eq!(err, "ROOMKIT_API_TOKENS is not valid UTF-8");
    }
}
