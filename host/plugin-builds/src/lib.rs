//! The components of `plugins/`, built for wasm32-wasip2 by this crate's build script (once
//! per change of their sources, shared by every test and benchmark that depends on this crate).
//!
//! ```no_run
//! let hook = roomkit_plugin_builds::component("pii-redactor");
//! assert!(hook.ends_with("pii_redactor.wasm"));
//! ```

use std::path::{Path, PathBuf};

/// The directory holding every built component (`plugins/target/wasm32-wasip2/release`).
pub fn dir() -> &'static Path {
    Path::new(env!("ROOMKIT_PLUGINS_DIR"))
}

/// The component of the plugins-workspace crate `package` (e.g. `"test-hook"`).
///
/// # Panics
/// When the crate was not built, which means it is not a member of the plugins workspace.
pub fn component(package: &str) -> PathBuf {
    let path = dir().join(format!("{}.wasm", package.replace('-', "_")));
    assert!(
        path.is_file(),
        "no component for `{package}` at {}: is it a member of plugins/Cargo.toml?",
        path.display()
    );
    path
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_test_hook_is_built() {
        let path = super::component("test-hook");
        let bytes = std::fs::read(&path).unwrap_or_default();
        // A component, not a core module: the layer field of the preamble is 1.
        assert_eq!(&bytes[..4], b"\0asm");
        assert_eq!(&bytes[6..8], &[1, 0]);
    }
}
