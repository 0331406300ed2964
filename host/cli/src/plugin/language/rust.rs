//! Rust plugins: a `cdylib` crate built with `cargo build --release --target wasm32-wasip2`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use super::Built;

/// The target Rust plugins are built for.
pub const TARGET: &str = "wasm32-wasip2";

/// The package and library names from `Cargo.toml`.
struct Crate {
    package: String,
    lib: String,
}

fn read_crate(dir: &Path) -> Result<Crate> {
    let path = dir.join("Cargo.toml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let doc: toml::Table =
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let Some(package) = doc
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
    else {
        bail!(
            "{}: no [package] name (a workspace? build the plugin's own directory)",
            path.display()
        );
    };
    let lib = doc.get("lib");
    let cdylib = lib
        .and_then(|l| l.get("crate-type"))
        .and_then(|t| t.as_array())
        .is_some_and(|types| types.iter().any(|t| t.as_str() == Some("cdylib")));
    if !cdylib {
        bail!(
            "{}: a plugin crate needs `[lib] crate-type = [\"cdylib\"]`",
            path.display()
        );
    }
    let lib = lib
        .and_then(|l| l.get("name"))
        .and_then(|n| n.as_str())
        .unwrap_or(package)
        .replace('-', "_");
    Ok(Crate {
        package: package.to_owned(),
        lib,
    })
}

fn output(command: &mut Command, what: &str) -> Result<String> {
    let out = command
        .output()
        .with_context(|| format!("running {what} (is Rust installed? see https://rustup.rs)"))?;
    if !out.status.success() {
        bail!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Cargo is there and the toolchain that builds `dir` has the wasm32-wasip2 standard library.
pub fn check_toolchain(dir: &Path) -> Result<()> {
    output(
        Command::new("cargo").arg("--version").current_dir(dir),
        "`cargo --version`",
    )?;
    // Asked in the plugin's directory, so a rust-toolchain.toml there picks the toolchain.
    let sysroot = output(
        Command::new("rustc")
            .args(["--print", "sysroot"])
            .current_dir(dir),
        "`rustc --print sysroot`",
    )?;
    let target = Path::new(&sysroot).join("lib/rustlib").join(TARGET);
    if !target.is_dir() {
        bail!(
            "the Rust target {TARGET} is not installed (toolchain {sysroot}); add it with \
             `rustup target add {TARGET}` and build again"
        );
    }
    Ok(())
}

/// Where cargo puts the build output of the crate in `dir` (honours `CARGO_TARGET_DIR` and
/// `.cargo/config.toml`).
fn target_dir(dir: &Path) -> Result<PathBuf> {
    let metadata = output(
        Command::new("cargo")
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .current_dir(dir),
        "`cargo metadata`",
    )?;
    let metadata: serde_json::Value =
        serde_json::from_str(&metadata).context("reading `cargo metadata`")?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("`cargo metadata` names no target directory")
}

/// `cargo build --release --target wasm32-wasip2` in `dir`.
pub fn build(dir: &Path) -> Result<Built> {
    let krate = read_crate(dir)?;
    let status = Command::new("cargo")
        .args(["build", "--release", "--target", TARGET])
        .current_dir(dir)
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!(
            "`cargo build --release --target {TARGET}` failed in {}",
            dir.display()
        );
    }
    let wasm = target_dir(dir)?
        .join(TARGET)
        .join("release")
        .join(format!("{}.wasm", krate.lib));
    if !wasm.is_file() {
        bail!("cargo succeeded but wrote no {}", wasm.display());
    }
    let manifest = [krate.package.clone(), krate.lib.clone()]
        .into_iter()
        .map(|stem| dir.join(format!("{stem}.toml")))
        .find(|path| path.is_file());
    Ok(Built {
        name: krate.package,
        wasm,
        manifest,
    })
}
