//! Builds the plugins workspace's test hook for wasm32-wasip2; shared by the tests and the
//! benchmark. `plugins/` has its own target directory, so this does not wait on the build that
//! runs the tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds `test-hook` and returns the path of its component.
pub fn build_test_hook() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "-p",
            "test-hook",
        ])
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(dir.join("target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building plugins/test-hook failed");
    dir.join("target/wasm32-wasip2/release/test_hook.wasm")
}
