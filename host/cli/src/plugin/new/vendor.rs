//! The Rust SDK inside this binary: the sources of `sdk/rust` (the `roomkit-sdk` crate, its
//! `roomkit-sdk-macro` crate and the WIT package the macro crate carries), embedded when
//! `roomkit` is compiled and written into every new Rust plugin as `vendor/roomkit-sdk`.
//!
//! So a plugin made by an installed `roomkit` builds without a RoomKit checkout, offline, and
//! against exactly the plugin interface of the host it came with. The SDK is not published on
//! crates.io; this is how it reaches plugin authors.

/// Where the SDK goes in a new plugin, and what its `Cargo.toml` names as the path.
pub(super) const DIR: &str = "vendor/roomkit-sdk";

macro_rules! sdk_files {
    ($($rel:literal),* $(,)?) => {
        &[$(($rel, include_str!(concat!("../../../../../sdk/rust/", $rel)))),*]
    };
}

/// Every file of `sdk/rust` but its `.gitignore` (path relative to `sdk/rust`, text). A test
/// checks the list against the directory, so a file added to the SDK cannot be left out.
pub(super) const FILES: &[(&str, &str)] = sdk_files![
    "Cargo.toml",
    "README.md",
    "macro/Cargo.toml",
    "macro/src/lib.rs",
    "macro/wit/host.wit",
    "macro/wit/types.wit",
    "macro/wit/worlds.wit",
    "src/ai.rs",
    "src/config.rs",
    "src/content.rs",
    "src/context.rs",
    "src/export.rs",
    "src/form.rs",
    "src/hook.rs",
    "src/http.rs",
    "src/identity.rs",
    "src/kv.rs",
    "src/lib.rs",
    "src/log.rs",
    "src/provider.rs",
    "src/router.rs",
    "src/sms.rs",
    "src/sys.rs",
    "src/testing.rs",
];

/// The SDK's files as they go into a new plugin: (path in the plugin directory, text).
pub(super) fn files() -> impl Iterator<Item = (String, String)> {
    FILES
        .iter()
        .map(|(rel, text)| (format!("{DIR}/{rel}"), (*text).to_owned()))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    /// The files under `dir`, relative to `root`, skipping build output and lock files.
    fn walk(root: &Path, dir: &Path, found: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if ["target", "Cargo.lock", ".gitignore"].contains(&name.as_str()) {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, found);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                found.insert(rel.to_string_lossy().into_owned());
            }
        }
    }

    #[test]
    fn every_file_of_the_sdk_is_embedded_as_it_is() {
        let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sdk/rust");
        let mut on_disk = BTreeSet::new();
        walk(&sdk, &sdk, &mut on_disk);
        let embedded: BTreeSet<String> = FILES.iter().map(|(rel, _)| (*rel).to_owned()).collect();
        assert_eq!(embedded, on_disk);
        for (rel, text) in FILES {
            assert_eq!(
                *text,
                std::fs::read_to_string(sdk.join(rel)).unwrap(),
                "{rel}"
            );
        }
    }

    #[test]
    fn the_sdk_names_no_path_outside_itself() {
        // Code and manifests; the README's examples show a plugin of the repository.
        for (rel, text) in FILES.iter().filter(|(rel, _)| !rel.ends_with(".md")) {
            assert!(!text.contains("../../"), "{rel} reaches outside the SDK");
        }
        let cargo = FILES
            .iter()
            .find(|(rel, _)| *rel == "Cargo.toml")
            .unwrap()
            .1;
        assert!(
            cargo.contains("roomkit-sdk-macro = { path = \"macro\" }"),
            "{cargo}"
        );
    }
}
