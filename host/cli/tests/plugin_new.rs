//! `roomkit plugin new --lang rust` from an installed binary: a copy of `roomkit` outside the
//! checkout writes a plugin into a directory outside the checkout, and the plugin builds there
//! (offline, from cargo's cache) and checks, naming no path of the checkout anywhere: it carries
//! the Rust SDK and its WIT in `vendor/roomkit-sdk`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::succeeded;

fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Every file under `dir` (skipping `target` and `dist`), relative to `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap().flatten() {
            let path = entry.path();
            if entry.file_name() == "target" || entry.file_name() == "dist" {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    found.sort();
    found
}

#[test]
fn a_rust_plugin_from_an_installed_binary_builds_and_checks_outside_the_checkout() {
    let tmp = tempfile::tempdir().unwrap();
    let checkout = checkout();
    assert!(
        !tmp.path().starts_with(&checkout),
        "the temp dir is outside"
    );
    // "Installed": the binary copied out of the build tree.
    let bin = tmp.path().join("install/bin/roomkit");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_roomkit"), &bin).unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let roomkit = |args: &[&str]| {
        let output = Command::new(&bin)
            .args(args)
            .current_dir(&work)
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO_BUILD_TARGET")
            // Offline: the crates.io dependencies come from cargo's cache.
            .env("CARGO_NET_OFFLINE", "true")
            // Kept between runs, so a rerun compiles only what changed.
            .env(
                "CARGO_TARGET_DIR",
                Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-new-installed"),
            )
            .output()
            .expect("the installed roomkit runs");
        succeeded(&output, &format!("roomkit {args:?}"))
    };

    let created = roomkit(&["plugin", "new", "--lang", "rust", "shout-guard"]);
    let row = |file: &str, what: &str| {
        created
            .lines()
            .any(|line| line.trim_start().starts_with(file) && line.trim_end().ends_with(what))
    };
    assert!(
        row("Cargo.toml", "roomkit-sdk from vendor/roomkit-sdk"),
        "{created}"
    );
    assert!(
        row(
            "vendor/roomkit-sdk/",
            &format!(
                "the Rust SDK of roomkit {}, with its WIT",
                env!("CARGO_PKG_VERSION")
            )
        ),
        "{created}"
    );
    let plugin = work.join("shout-guard");
    let cargo = std::fs::read_to_string(plugin.join("Cargo.toml")).unwrap();
    assert!(
        cargo.contains("roomkit-sdk = { path = \"vendor/roomkit-sdk\" }"),
        "{cargo}"
    );

    // The SDK is there whole, identical to the checkout's sdk/rust, WIT included; the WIT is
    // the repository's (make lint keeps the copies identical).
    let vendored = plugin.join("vendor/roomkit-sdk");
    let sdk = checkout.join("sdk/rust");
    let mut expected: Vec<PathBuf> = files(&sdk)
        .into_iter()
        .filter(|p| p != Path::new(".gitignore") && p != Path::new("Cargo.lock"))
        .map(|p| Path::new("vendor/roomkit-sdk").join(p))
        .collect();
    expected.extend(
        [
            ".gitignore",
            "Cargo.toml",
            "README.md",
            "shout-guard.toml",
            "src/lib.rs",
        ]
        .map(PathBuf::from),
    );
    expected.sort();
    assert_eq!(files(&plugin), expected);
    for file in files(&vendored) {
        assert_eq!(
            std::fs::read(vendored.join(&file)).unwrap(),
            std::fs::read(sdk.join(&file)).unwrap(),
            "{}",
            file.display()
        );
    }
    for wit in ["host.wit", "types.wit", "worlds.wit"] {
        assert_eq!(
            std::fs::read(vendored.join("macro/wit").join(wit)).unwrap(),
            std::fs::read(checkout.join("wit").join(wit)).unwrap(),
            "{wit}"
        );
    }
    // Nothing names the checkout.
    for file in files(&plugin) {
        let text = std::fs::read_to_string(plugin.join(&file)).unwrap();
        assert!(
            !text.contains(checkout.to_str().unwrap()),
            "{} names the checkout",
            file.display()
        );
    }

    let built = roomkit(&["plugin", "build", "shout-guard"]);
    assert!(
        built.contains("wrote shout-guard/dist/shout-guard.wasm"),
        "{built}"
    );
    let wasm = plugin.join("dist/shout-guard.wasm");
    let checked = roomkit(&["plugin", "check", wasm.to_str().unwrap()]);
    assert!(
        checked.contains("  kind      hook (roomkit:plugin/hook@0.2.0)"),
        "{checked}"
    );
    assert!(checked.contains("  exports   handle\n"), "{checked}");
}
