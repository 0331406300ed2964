//! `roomkit plugin new --lang rust|js|go NAME [--kind KIND] [--dir DIR]`: writes a plugin of
//! the kind with a small real behaviour and its manifest, that builds with `roomkit plugin
//! build` and loads as is. Rust plugins are crates (with a README and unit tests) that carry the
//! Rust SDK this binary embeds (`vendor/roomkit-sdk`), so they build without a RoomKit
//! checkout; JavaScript and Go plugins start from the SDKs' templates (`sdk/js/template`,
//! `sdk/go/template`) for hooks and from this module's templates for the other kinds, with the
//! SDK paths pointing at this checkout (their toolchains live there).

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use super::Lang;
use super::language::Language;
use roomkit_plugins::PluginKind;

mod sdk;
mod vendor;

const CARGO_TOML: &str = include_str!("templates/rust/Cargo.toml.tmpl");
const README: &str = include_str!("templates/rust/README.md.tmpl");

/// The files of one kind: `src/lib.rs`, the manifest, the README's summary and config table.
struct Template {
    lib: &'static str,
    manifest: &'static str,
    summary: &'static str,
    config: &'static str,
}

macro_rules! template {
    ($kind:literal) => {
        Template {
            lib: include_str!(concat!("templates/rust/", $kind, "/lib.rs.tmpl")),
            manifest: include_str!(concat!("templates/rust/", $kind, "/manifest.toml.tmpl")),
            summary: include_str!(concat!("templates/rust/", $kind, "/summary.md")),
            config: include_str!(concat!("templates/rust/", $kind, "/config.md")),
        }
    };
}

fn template(kind: PluginKind) -> Template {
    match kind {
        PluginKind::Hook => template!("hook"),
        PluginKind::IdentityResolver => template!("identity-resolver"),
        PluginKind::InboundRouter => template!("inbound-router"),
        PluginKind::Provider => template!("provider"),
        PluginKind::AiProvider => template!("ai-provider"),
    }
}

/// A name that is a valid crate name and plugin file stem.
fn check_name(name: &str) -> Result<()> {
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        bail!(
            "invalid plugin name {name:?}: use lower-case letters, digits and `-`, starting \
             with a letter (e.g. `shout-guard`)"
        );
    }
    Ok(())
}

/// What `plugin new` writes: the files (path in the plugin directory, text) and one line per
/// file for the summary it prints.
pub(super) struct Scaffold {
    files: Vec<(String, String)>,
    rows: Vec<(String, String)>,
}

pub fn run(name: &str, lang: Lang, kind: PluginKind, dir: Option<PathBuf>) -> Result<()> {
    check_name(name)?;
    let dir = dir.unwrap_or_else(|| PathBuf::from(name));
    if dir.exists() && std::fs::read_dir(&dir)?.next().is_some() {
        bail!("{} exists and is not empty", dir.display());
    }
    let scaffold = match lang {
        Lang::Rust => rust(name, kind)?,
        Lang::Js => sdk::javascript(name, kind)?,
        Lang::Go => sdk::go(name, kind)?,
    };
    for (file, text) in &scaffold.files {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let language = match lang {
        Lang::Rust => Language::Rust,
        Lang::Js => Language::JavaScript,
        Lang::Go => Language::Go,
    };
    println!(
        "created the {language} {} plugin {name} in {}:",
        kind.as_str(),
        dir.display()
    );
    let width = scaffold
        .rows
        .iter()
        .map(|(f, _)| f.len())
        .max()
        .unwrap_or(0);
    for (file, what) in &scaffold.rows {
        println!("  {file:<width$}  {what}");
    }
    println!(
        "next: roomkit plugin build {0} && roomkit plugin check {0}/dist/{name}.wasm",
        dir.display()
    );
    Ok(())
}

/// A Rust plugin crate, with the SDK in `vendor/roomkit-sdk`.
fn rust(name: &str, kind: PluginKind) -> Result<Scaffold> {
    let kind_name = kind.as_str();
    let t = template(kind);
    let fill = |text: &str| {
        text.replace("{{summary}}", t.summary.trim_end())
            .replace("{{config_doc}}", t.config.trim_end())
            .replace("{{sdk_dir}}", vendor::DIR)
            .replace("{{roomkit_version}}", env!("CARGO_PKG_VERSION"))
            .replace("{{kind}}", kind_name)
            .replace("{{name}}", name)
    };
    let manifest = format!("{name}.toml");
    let mut files = vec![
        ("Cargo.toml".to_owned(), fill(CARGO_TOML)),
        ("src/lib.rs".to_owned(), fill(t.lib)),
        (manifest.clone(), fill(t.manifest)),
        ("README.md".to_owned(), fill(README)),
        (".gitignore".to_owned(), "/target\n/dist\n".to_owned()),
    ];
    files.extend(vendor::files());
    let rows = vec![
        (
            "Cargo.toml".to_owned(),
            format!("roomkit-sdk from {}", vendor::DIR),
        ),
        (
            "src/lib.rs".to_owned(),
            "the plugin, with a unit test".to_owned(),
        ),
        (manifest, format!("its manifest (kind = \"{kind_name}\")")),
        (
            "README.md".to_owned(),
            "what it does, its settings, how to build it".to_owned(),
        ),
        (
            format!("{}/", vendor::DIR),
            format!(
                "the Rust SDK of roomkit {}, with its WIT",
                env!("CARGO_PKG_VERSION")
            ),
        ),
    ];
    Ok(Scaffold { files, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_names_must_be_crate_names() {
        for good in ["shout-guard", "a", "hook2"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", "Shout", "2fast", "a_b", "x-", "../x", "a b"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_kind_fills_every_placeholder() {
        for kind in PluginKind::ALL {
            let t = template(kind);
            let manifest: toml::Table = toml::from_str(t.manifest).unwrap();
            assert_eq!(manifest["kind"].as_str(), Some(kind.as_str()));
            for text in [t.lib, t.summary, t.config, CARGO_TOML, README] {
                let filled = text
                    .replace("{{summary}}", "")
                    .replace("{{config_doc}}", "")
                    .replace("{{sdk_dir}}", "")
                    .replace("{{roomkit_version}}", "")
                    .replace("{{kind}}", "")
                    .replace("{{name}}", "");
                assert!(!filled.contains("{{"), "{kind:?}: {filled}");
            }
        }
    }
}
