//! JavaScript and Go plugins for `plugin new`: the SDK's template for a hook, this module's
//! templates for the other kinds, and the paths that tie the plugin to this checkout's SDK (Go:
//! the `replace` directive of `go.mod`; JavaScript: `tsconfig.json`'s paths for editors and
//! type checks, while the build itself bundles `roomkit-sdk` from `sdk/js` wherever the plugin
//! is).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::Scaffold;
use roomkit_plugins::PluginKind;

/// The `sdk/` directory of the checkout this binary was built from.
const SDK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../sdk");

const JS_PACKAGE: &str = include_str!("../../../../../sdk/js/template/package.json");
const JS_TSCONFIG: &str = include_str!("../../../../../sdk/js/template/tsconfig.json");
const JS_HOOK: &str = include_str!("../../../../../sdk/js/template/src/plugin.ts");
const JS_HOOK_MANIFEST: &str = include_str!("../../../../../sdk/js/template/my_plugin.toml");
const GO_MOD: &str = include_str!("../../../../../sdk/go/template/go.mod");
const GO_HOOK: &str = include_str!("../../../../../sdk/go/template/main.go");
const GO_HOOK_MANIFEST: &str = include_str!("../../../../../sdk/go/template/my_plugin.toml");

/// The source and manifest of a kind other than hook (the manifests are the Rust templates':
/// the behaviours are the same in every language).
macro_rules! kind_files {
    ($lang:literal, $file:literal, $kind:literal) => {
        (
            include_str!(concat!("../templates/", $lang, "/", $kind, "/", $file)),
            include_str!(concat!("../templates/rust/", $kind, "/manifest.toml.tmpl")),
        )
    };
}

fn javascript_files(kind: PluginKind) -> (&'static str, &'static str) {
    match kind {
        PluginKind::Hook => (JS_HOOK, JS_HOOK_MANIFEST),
        PluginKind::IdentityResolver => kind_files!("js", "plugin.ts", "identity-resolver"),
        PluginKind::InboundRouter => kind_files!("js", "plugin.ts", "inbound-router"),
        PluginKind::Provider => kind_files!("js", "plugin.ts", "provider"),
        PluginKind::AiProvider => kind_files!("js", "plugin.ts", "ai-provider"),
    }
}

fn go_files(kind: PluginKind) -> (&'static str, &'static str) {
    match kind {
        PluginKind::Hook => (GO_HOOK, GO_HOOK_MANIFEST),
        PluginKind::IdentityResolver => kind_files!("go", "main.go", "identity-resolver"),
        PluginKind::InboundRouter => kind_files!("go", "main.go", "inbound-router"),
        PluginKind::Provider => kind_files!("go", "main.go", "provider"),
        PluginKind::AiProvider => kind_files!("go", "main.go", "ai-provider"),
    }
}

/// This checkout's `sdk/LANG`, absolute, checked to hold `marker`.
fn sdk_dir(lang: &str, marker: &str) -> Result<PathBuf> {
    let dir = Path::new(SDK).join(lang);
    if !dir.join(marker).is_file() {
        bail!(
            "the {lang} SDK is not at {}: this roomkit binary uses the sdk/ of the checkout it \
             was built from, which has moved; build roomkit from your checkout",
            dir.display()
        );
    }
    dir.canonicalize()
        .with_context(|| format!("resolving {}", dir.display()))
}

/// `text` with `from` replaced by `to`, which must occur: a template that changed shape is a
/// bug to report, not a plugin to write with the wrong paths.
fn rewrite(text: &str, from: &str, to: &str, file: &str) -> Result<String> {
    if !text.contains(from) {
        bail!("the SDK template {file} no longer contains {from:?}: update roomkit plugin new");
    }
    Ok(text.replace(from, to))
}

pub fn javascript(name: &str, kind: PluginKind) -> Result<Scaffold> {
    let sdk = sdk_dir("js", "build.mjs")?;
    let sdk_path = sdk.display().to_string();
    let (source, manifest_text) = javascript_files(kind);
    let package = rewrite(
        JS_PACKAGE,
        "\"my-plugin\"",
        &format!("\"{name}\""),
        "package.json",
    )?;
    let tsconfig = rewrite(JS_TSCONFIG, "../../sdk/js", &sdk_path, "tsconfig.json")?;
    let manifest = format!("{name}.toml");
    let files = vec![
        ("package.json".to_owned(), package),
        ("tsconfig.json".to_owned(), tsconfig),
        ("src/plugin.ts".to_owned(), source.replace("{{name}}", name)),
        (manifest.clone(), manifest_text.to_owned()),
        (".gitignore".to_owned(), "/dist\n".to_owned()),
    ];
    let rows = vec![
        (
            "package.json".to_owned(),
            "an ES module; main = src/plugin.ts".to_owned(),
        ),
        (
            "tsconfig.json".to_owned(),
            format!("roomkit-sdk types from {sdk_path}"),
        ),
        (
            "src/plugin.ts".to_owned(),
            "the plugin (TypeScript)".to_owned(),
        ),
        (
            manifest,
            format!("its manifest (kind = \"{}\")", kind.as_str()),
        ),
    ];
    Ok(Scaffold { files, rows })
}

pub fn go(name: &str, kind: PluginKind) -> Result<Scaffold> {
    let sdk = sdk_dir("go", "go.mod")?;
    let sdk_path = sdk.display().to_string();
    // go.mod takes a quoted path when it has spaces.
    let target = if sdk_path.contains(char::is_whitespace) {
        format!("{sdk_path:?}")
    } else {
        sdk_path.clone()
    };
    let (source, manifest_text) = go_files(kind);
    let go_mod = rewrite(
        GO_MOD,
        "module my-plugin",
        &format!("module {name}"),
        "go.mod",
    )?;
    let go_mod = rewrite(
        &go_mod,
        "// The SDK lives in the RoomKit repository; point this at your checkout's sdk/go.",
        "// The Go SDK of the RoomKit checkout `roomkit plugin new` came from.",
        "go.mod",
    )?;
    let go_mod = rewrite(
        &go_mod,
        "roomkit.example/sdk => ../../sdk/go",
        &format!("roomkit.example/sdk => {target}"),
        "go.mod",
    )?;
    let manifest = format!("{name}.toml");
    let files = vec![
        ("go.mod".to_owned(), go_mod),
        ("main.go".to_owned(), source.replace("{{name}}", name)),
        (manifest.clone(), manifest_text.to_owned()),
        (".gitignore".to_owned(), "/dist\n".to_owned()),
    ];
    let rows = vec![
        (
            "go.mod".to_owned(),
            format!("module {name}; roomkit.example/sdk from {sdk_path}"),
        ),
        ("main.go".to_owned(), "the plugin".to_owned()),
        (
            manifest,
            format!("its manifest (kind = \"{}\")", kind.as_str()),
        ),
    ];
    Ok(Scaffold { files, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [PluginKind; 5] = PluginKind::ALL;

    #[test]
    fn every_kind_points_at_this_checkouts_sdk_and_names_its_kind() {
        for kind in KINDS {
            for scaffold in [javascript("x-y", kind).unwrap(), go("x-y", kind).unwrap()] {
                for (file, text) in &scaffold.files {
                    // Go composite literals may open with `{{`; the only placeholder is `{{name}}`.
                    assert!(!text.contains("{{name}}"), "{kind:?} {file}: {text}");
                    assert!(!text.contains("../../sdk"), "{kind:?} {file}: {text}");
                    if file.ends_with(".toml") {
                        assert_eq!(file, "x-y.toml");
                        let manifest: toml::Table = toml::from_str(text).unwrap();
                        assert_eq!(manifest["kind"].as_str(), Some(kind.as_str()));
                    }
                }
            }
            let go = go("x-y", kind).unwrap();
            let go_mod = &go.files[0].1;
            let sdk = Path::new(SDK).join("go").canonicalize().unwrap();
            assert!(go_mod.contains(&format!("roomkit.example/sdk => {}", sdk.display())));
            assert!(go_mod.starts_with("module x-y\n"), "{go_mod}");
        }
    }
}
