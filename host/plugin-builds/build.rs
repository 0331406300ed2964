//! Builds every crate of `plugins/` (first-party plugins and test fixtures) for wasm32-wasip2
//! with `cargo build --release`, into `plugins/target`, and hands the output directory to the
//! library as `ROOMKIT_PLUGINS_DIR`. Cargo reruns this only when a plugin's sources, the SDK or
//! the WIT change.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Asks cargo to rerun this script when anything under `dir` changes, skipping build output.
fn watch(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            watch(&path);
        } else {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    println!("cargo:rerun-if-changed={}", dir.display());
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest_dir.join("../..");
    let plugins = root.join("plugins");
    for dir in [plugins.clone(), root.join("sdk/rust"), root.join("wit")] {
        watch(&dir);
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target_dir = plugins.join("target");
    let output = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--workspace",
        ])
        .arg("--manifest-path")
        .arg(plugins.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        // The outer build's flags and profile settings are for the host, not for wasm.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_PROFILE_RELEASE_DEBUG")
        .output();
    let output = match output {
        Ok(output) => output,
        Err(err) => panic!("could not run cargo to build plugins/: {err}"),
    };
    if !output.status.success() {
        panic!(
            "building plugins/ for wasm32-wasip2 failed (is the target installed? \
             `rustup target add wasm32-wasip2`):\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let out = target_dir.join("wasm32-wasip2/release");
    let out = out.canonicalize().unwrap_or(out);
    println!("cargo:rustc-env=ROOMKIT_PLUGINS_DIR={}", out.display());
}
