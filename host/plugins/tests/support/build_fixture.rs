//! The components the host's tests and benchmark load, built for wasm32-wasip2 by the build
//! script of `roomkit-plugin-builds` (once per change of their sources, shared with every other
//! test and benchmark of the workspace).

#![allow(dead_code)]

use std::path::PathBuf;

/// The component of the plugins-workspace package `package` (e.g. `"test-provider"`).
pub fn component(package: &str) -> PathBuf {
    roomkit_plugin_builds::component(package)
}

/// The component of `test-hook`, the hook fixture whose manifest picks its behaviour.
pub fn build_test_hook() -> PathBuf {
    component("test-hook")
}
