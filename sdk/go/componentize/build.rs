//! Hands the tool the Go runtime package of the wit-bindgen-go crate it links.
//!
//! The Go code wit-bindgen-go generates imports a small runtime package
//! (`go.bytecodealliance.org/pkg/wit/{types,runtime,async}`), which the crate ships in its own
//! sources (`src/pkg`) without exporting it. `bindgen` writes that package into the SDK (under
//! the SDK's module path), so the runtime always comes from the exact generator version in
//! `Cargo.lock` and the repository keeps one copy of it: the generated `internal/witpkg`.
//! This script finds the crate's source directory with `cargo metadata` and sets
//! `WIT_BINDGEN_GO_PKG` to its `src/pkg`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    // Offline: the outer build has fetched every dependency before running this script.
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--manifest-path",
        ])
        .arg(manifest_dir.join("Cargo.toml"))
        .output()
        .unwrap_or_else(|e| panic!("running cargo metadata: {e}"));
    if !output.status.success() {
        panic!(
            "cargo metadata failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let manifest = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "wit-bindgen-go")
        .and_then(|p| p["manifest_path"].as_str())
        .expect("wit-bindgen-go is a dependency");
    let pkg = Path::new(manifest)
        .parent()
        .expect("a manifest path has a parent")
        .join("src/pkg");
    assert!(
        pkg.join("wit/types/option.go").is_file(),
        "{} holds no Go runtime package (did wit-bindgen-go stop shipping src/pkg?)",
        pkg.display()
    );
    println!("cargo:rustc-env=WIT_BINDGEN_GO_PKG={}", pkg.display());
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=build.rs");
}
