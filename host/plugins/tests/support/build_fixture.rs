//! Builds crates of the plugins workspace for wasm32-wasip2, once per test run; shared by the
//! tests and the benchmark. `plugins/` has its own target directory, so this does not wait on
//! the build that runs the tests. Only the packages the tests use are built (one cargo
//! invocation for all of them), so a plugin someone is still writing cannot break these tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The plugins-workspace packages the host's tests and benchmark load.
pub const PACKAGES: &[&str] = &[
    "test-hook",
    "test-resolver",
    "test-router",
    "test-provider",
    "test-ai",
    "http-probe",
];

fn plugins_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins")
}

/// Builds every package of [`PACKAGES`] with one `cargo build`, the first time it is called.
fn build_all() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = plugins_dir();
        let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cargo.args(["build", "--release", "--target", "wasm32-wasip2"]);
        for package in PACKAGES {
            cargo.args(["-p", package]);
        }
        let status = cargo
            .arg("--manifest-path")
            .arg(dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(dir.join("target"))
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO_BUILD_TARGET")
            .env_remove("CARGO_TARGET_DIR")
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building {PACKAGES:?} in plugins/ failed");
    });
}

/// The component of a package of [`PACKAGES`], built on first use.
pub fn component(package: &str) -> PathBuf {
    assert!(
        PACKAGES.contains(&package),
        "{package} is not in build_fixture::PACKAGES"
    );
    build_all();
    plugins_dir().join(format!(
        "target/wasm32-wasip2/release/{}.wasm",
        package.replace('-', "_")
    ))
}

/// Builds `test-hook` (with the other fixtures) and returns the path of its component.
pub fn build_test_hook() -> PathBuf {
    component("test-hook")
}
