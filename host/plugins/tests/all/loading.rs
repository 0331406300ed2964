//! Loading: manifests, broken files, the wrong world.

use roomkit_plugins::{
    Error, LoadStatus, PluginDirectory, PluginKind, WasmIdentityResolver, WasmPlugin,
};
use sha2::Digest;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_of_the_wrong_world_is_reported_while_the_others_load() {
    let dir = PluginDir::new();
    // A hook component whose manifest says it is an identity resolver.
    dir.add("impostor", "kind = \"identity-resolver\"\n");
    dir.add("gate", "");
    dir.add_component("courier", "test-provider", "kind = \"provider\"\n");
    let (kit, store, _) = crate::fixtures::kit_with_sink().await;
    let directory = PluginDirectory::new(dir.dir.path(), engine(), kit, Some(store));
    let report = directory.load_all();
    assert_eq!(report.loaded, vec!["courier", "gate"]);
    assert_eq!(report.failed.len(), 1);
    let (name, reason) = &report.failed[0];
    assert_eq!(name, "impostor");
    assert!(reason.starts_with("plugin impostor: "), "{reason}");
    assert!(reason.contains("impostor.wasm"), "{reason}");
    assert!(
        reason.contains("is not a roomkit:plugin/identity-resolver@0.2.0 component"),
        "{reason}"
    );
    assert!(
        reason.contains("resolve"),
        "the cause names the missing export: {reason}"
    );
    assert!(reason.contains("it exports [handle]"), "{reason}");
    assert!(!directory.identity_resolver("impostor").is_loaded());
    assert!(directory.provider("courier").is_loaded());
}

#[test]
fn a_loader_refuses_a_manifest_of_another_kind() {
    let dir = PluginDir::new();
    let path = dir.add_component("courier", "test-provider", "kind = \"provider\"\n");
    let err = WasmIdentityResolver::load(&engine(), &path, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "plugin courier: {} cannot be loaded: its manifest says kind = \"provider\", but it was loaded as identity-resolver",
            path.display()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listing_shows_kind_status_version_limits_and_calls() {
    let dir = PluginDir::new();
    dir.add("gate", "timeout_ms = 300\nfuel = 5000000\n");
    dir.add_component(
        "courier",
        "test-provider",
        "kind = \"provider\"\nallowed_hosts = [\"api.example.com\"]\n[config]\nsecret = \"k\"\n",
    );
    std::fs::write(dir.dir.path().join("broken.wasm"), b"not wasm").unwrap();
    let (kit, store, _) = crate::fixtures::kit_with_sink().await;
    let directory = PluginDirectory::new(dir.dir.path(), engine(), kit, Some(store));
    directory.load_all();
    let request = roomkit_plugins::WebhookRequest::default();
    assert!(
        !directory
            .provider("courier")
            .verify_signature(&request, None)
            .await
            .unwrap()
    );

    let list = directory.list();
    let names: Vec<&str> = list.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["broken", "courier", "gate"]);
    let broken = &list[0];
    assert_eq!(broken.status, LoadStatus::Failed);
    assert_eq!(broken.kind, Some(PluginKind::Hook));
    assert!(
        broken
            .error
            .as_ref()
            .unwrap()
            .contains("not a valid component")
    );
    assert!(broken.version.is_none() && broken.stats.is_none());

    let courier = &list[1];
    assert_eq!(courier.status, LoadStatus::Loaded);
    assert_eq!(courier.kind, Some(PluginKind::Provider));
    let wasm = std::fs::read(crate::build_fixture::component("test-provider")).unwrap();
    let sha: String = sha2::Sha256::digest(&wasm)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(courier.version.as_deref(), Some(sha.as_str()));
    let limits = courier.limits.as_ref().unwrap();
    assert_eq!(limits.allowed_hosts, vec!["api.example.com"]);
    assert_eq!(limits.timeout_ms, 1000);
    let stats = courier.stats.unwrap();
    assert_eq!(
        (stats.calls, stats.failures, stats.warm_instances),
        (1, 0, 1)
    );

    let gate = &list[2];
    assert_eq!(gate.kind, Some(PluginKind::Hook));
    let limits = gate.limits.as_ref().unwrap();
    assert_eq!((limits.timeout_ms, limits.fuel), (300, 5_000_000));
    assert_eq!(gate.stats.unwrap().calls, 0);
    let json = serde_json::to_value(&list).unwrap();
    assert_eq!(json[1]["kind"], "provider");
    assert_eq!(json[1]["status"], "loaded");
    assert_eq!(json[0]["status"], "failed");
}

#[test]
fn allowed_hosts_that_are_not_hosts_are_refused_at_load_with_the_entry_and_the_reason() {
    let dir = PluginDir::new();
    dir.add_component(
        "prober",
        "http-probe",
        "allowed_hosts = [\"api.example.com\", \"*\", \"0.0.0.0/0\", \"\"]\n",
    );
    dir.add_component(
        "fine",
        "http-probe",
        "allowed_hosts = [\"https://api.example.com\", \"http://127.0.0.1:9090\", \"*.twilio.com\"]\n",
    );
    let directory = PluginDirectory::detached(dir.dir.path(), engine(), None);
    let report = directory.load_all();
    assert_eq!(report.loaded, vec!["fine"]);
    let (name, reason) = &report.failed[0];
    assert_eq!(name, "prober");
    assert!(reason.starts_with("plugin prober: manifest "), "{reason}");
    assert!(
        reason
            .contains("allowed_hosts entry \"*\": a wildcard is only a leading *. before a domain"),
        "{reason}"
    );
    let listed = directory.list();
    assert_eq!(listed[1].name, "prober");
    assert_eq!(listed[1].status, LoadStatus::Failed);
}

#[test]
fn a_memory_limit_the_component_cannot_start_under_is_refused_at_load_with_the_reason() {
    let dir = PluginDir::new();
    dir.add("cramped", "memory_mb = 1\n");
    dir.add("roomy", "memory_mb = 16\n");
    let directory = PluginDirectory::detached(dir.dir.path(), engine(), None);
    let report = directory.load_all();
    assert_eq!(report.loaded, vec!["roomy"]);
    let (name, reason) = &report.failed[0];
    assert_eq!(name, "cramped");
    assert!(
        reason.starts_with("plugin cramped: ")
            && reason.contains("cramped.wasm cannot be loaded: it cannot be instantiated under memory_mb = 1: memory limit exceeded (1048576 bytes)"),
        "{reason}"
    );
    let listed = directory.list();
    assert_eq!(listed[0].name, "cramped");
    assert_eq!(listed[0].status, LoadStatus::Failed);
    assert_eq!(listed[0].error.as_deref(), Some(reason.as_str()));
    // The instance made at load serves the first call: nothing is instantiated twice.
    let roomy = &directory.plugins()["roomy"];
    assert_eq!(roomy.snapshot().instantiations, 1);
    assert_eq!(roomy.snapshot().warm_instances, 1);
}
