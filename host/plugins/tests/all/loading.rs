//! Loading: manifests, broken files, the wrong world.

use roomkit_plugins::{Error, WasmPlugin};

use crate::fixtures::{PluginDir, engine};

#[test]
fn a_file_that_is_not_a_component_is_refused_with_its_name_and_reason() {
    let dir = PluginDir::new();
    let path = dir.dir.path().join("garbage.wasm");
    std::fs::write(&path, b"definitely not wasm").unwrap();
    let err = WasmPlugin::load(&engine(), &path, None).unwrap_err();
    assert!(
        matches!(err, Error::Load { ref plugin, .. } if plugin == "garbage"),
        "{err}"
    );
    assert!(err.to_string().contains("garbage.wasm"), "{err}");
    assert!(err.to_string().contains("not a valid component"), "{err}");
}

#[test]
fn a_manifest_with_an_unknown_key_is_refused() {
    let dir = PluginDir::new();
    let path = dir.add("typo", "priorty = 1\n");
    let err = WasmPlugin::load(&engine(), &path, None).unwrap_err();
    assert!(
        matches!(err, Error::Manifest { ref plugin, .. } if plugin == "typo"),
        "{err}"
    );
    assert!(err.to_string().contains("priorty"), "{err}");
}

#[test]
fn a_core_module_is_not_a_hook() {
    let dir = PluginDir::new();
    let path = dir.dir.path().join("core.wasm");
    // The smallest valid core module: magic and version.
    std::fs::write(&path, b"\0asm\x01\0\0\0").unwrap();
    let err = WasmPlugin::load(&engine(), &path, None).unwrap_err();
    assert!(matches!(err, Error::Load { .. }), "{err}");
}

#[test]
fn a_good_plugin_loads_with_its_manifest() {
    let dir = PluginDir::new();
    let path = dir.add("fine", "priority = 7\ntimeout_ms = 300\n");
    let plugin = WasmPlugin::load(&engine(), &path, None).unwrap();
    assert_eq!(plugin.name(), "fine");
    assert_eq!(plugin.manifest().priority, 7);
    assert_eq!(plugin.manifest().timeout_ms, 300);
}
