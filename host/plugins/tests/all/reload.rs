//! The plugin directory: loading, hot reload under load, broken replacements, removal, and the
//! precompiled cache.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use roomkit_kit::{InboundMessage, RoomKit};
use roomkit_model::FrameworkEventType;
use roomkit_plugins::{PluginDirectory, PluginEngine, WasmPlugin};

use crate::fixtures::{PluginDir, engine, kit_with_sink, test_hook_wasm};

async fn say(kit: &RoomKit, body: &str) -> roomkit_kit::InboundResult {
    kit.process_inbound(InboundMessage::text("sms", "+1", body).in_room("r"))
        .await
        .unwrap()
}

fn write_version(dir: &PluginDir, name: &str, version: u32) {
    std::fs::write(
        dir.dir.path().join(format!("{name}.toml")),
        format!("[config]\nblock_word = \"v{version}\"\n"),
    )
    .unwrap();
    std::fs::copy(
        test_hook_wasm(),
        dir.dir.path().join(format!("{name}.wasm")),
    )
    .unwrap();
}

/// Sends probes until version `version` blocks them. How fast a reload is served is a
/// benchmark's question; the limit here only turns "never served" into a failure, and holds on
/// a busy machine.
async fn until_serving(kit: &RoomKit, version: u32, sent: &AtomicU64) {
    let start = Instant::now();
    loop {
        let result = say(kit, &format!("probe v{version}")).await;
        sent.fetch_add(1, Ordering::SeqCst);
        if result.reason.as_deref() == Some(format!("contains v{version}").as_str()) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "version {version} never served"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_all_loads_every_plugin_and_reports_the_broken_ones() {
    let dir = PluginDir::new();
    dir.add("good", "");
    std::fs::write(dir.dir.path().join("broken.wasm"), b"not wasm").unwrap();
    std::fs::write(dir.dir.path().join("notes.txt"), b"ignored").unwrap();
    let (kit, store, _) = kit_with_sink().await;
    let directory = PluginDirectory::new(dir.dir.path(), engine(), kit, Some(store));
    let report = directory.load_all();
    assert_eq!(report.loaded, vec!["good"]);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].0, "broken");
    assert!(
        report.failed[0].1.contains("broken.wasm"),
        "{}",
        report.failed[0].1
    );
    assert_eq!(directory.plugins().keys().collect::<Vec<_>>(), vec!["good"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hot_reload_under_load_serves_each_version_in_turn_and_loses_nothing() {
    let dir = PluginDir::new();
    write_version(&dir, "gate", 0);
    let (kit, store, sink) = kit_with_sink().await;
    let mut plugin_events = kit.on(Some(&[
        FrameworkEventType::PluginLoaded,
        FrameworkEventType::PluginReloaded,
        FrameworkEventType::PluginFailed,
    ]));
    let directory = Arc::new(PluginDirectory::new(
        dir.dir.path(),
        engine(),
        kit.clone(),
        Some(store),
    ));
    assert_eq!(directory.load_all().loaded, vec!["gate"]);
    let watcher = directory.watch(Duration::from_millis(100));

    // Continuous load while versions change.
    let sent = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (kit, sent, stop) = (kit.clone(), Arc::clone(&sent), Arc::clone(&stop));
        tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::SeqCst) {
                let result = say(&kit, &format!("msg {n}")).await;
                assert!(!result.blocked, "ordinary messages pass every version");
                sent.fetch_add(1, Ordering::SeqCst);
                n += 1;
            }
            n
        })
    };

    for version in 1..=5 {
        write_version(&dir, "gate", version);
        until_serving(&kit, version, &sent).await;
    }
    // A broken replacement is refused and the old version keeps serving.
    std::fs::write(dir.dir.path().join("gate.wasm"), b"\0asm broken").unwrap();
    loop {
        let event = plugin_events.recv().await.unwrap();
        if event.event_type == FrameworkEventType::PluginFailed {
            assert_eq!(event.data["plugin"], "gate");
            break;
        }
    }
    let still = say(&kit, "probe v5").await;
    sent.fetch_add(1, Ordering::SeqCst);
    assert_eq!(
        still.reason.as_deref(),
        Some("contains v5"),
        "the old version still serves"
    );

    stop.store(true, Ordering::SeqCst);
    let ordinary = load.await.unwrap();
    watcher.abort();

    // Nothing lost, nothing handled twice.
    let room = kit.get_room("r").await.unwrap();
    // The room's two channel_attached records, then every message sent.
    assert_eq!(room.event_count, 2 + sent.load(Ordering::SeqCst));
    let bodies = sink.bodies();
    let msgs: Vec<&String> = bodies.iter().filter(|b| b.starts_with("msg ")).collect();
    assert_eq!(msgs.len() as u64, ordinary);
    let distinct: std::collections::BTreeSet<&&String> = msgs.iter().collect();
    assert_eq!(distinct.len(), msgs.len(), "no message delivered twice");
    assert!(ordinary > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_and_deleting_files_loads_and_unloads_plugins() {
    let dir = PluginDir::new();
    let (kit, store, _) = kit_with_sink().await;
    let directory = Arc::new(PluginDirectory::new(
        dir.dir.path(),
        engine(),
        kit.clone(),
        Some(store),
    ));
    assert_eq!(directory.load_all(), Default::default());
    write_version(&dir, "late", 7);
    assert!(
        directory.scan().loaded.is_empty(),
        "a new file waits one look to settle"
    );
    assert_eq!(directory.scan().loaded, vec!["late"]);
    assert_eq!(say(&kit, "v7").await.reason.as_deref(), Some("contains v7"));
    std::fs::remove_file(dir.dir.path().join("late.wasm")).unwrap();
    assert_eq!(directory.scan().removed, vec!["late"]);
    assert!(!say(&kit, "v7").await.blocked, "unloaded");
    assert!(directory.plugins().is_empty());
}

#[test]
fn a_second_start_with_the_same_plugins_compiles_nothing() {
    let cache = tempfile::tempdir().unwrap();
    let dir = PluginDir::new();
    let path = dir.add("cached", "");
    let first = PluginEngine::new()
        .unwrap()
        .with_cache(cache.path())
        .unwrap();
    WasmPlugin::load(&first, &path, None).unwrap();
    assert_eq!(first.compilations(), 1);
    WasmPlugin::load(&first, &path, None).unwrap();
    assert_eq!(
        first.compilations(),
        1,
        "the same engine reuses the cache too"
    );
    let second = PluginEngine::new()
        .unwrap()
        .with_cache(cache.path())
        .unwrap();
    WasmPlugin::load(&second, &path, None).unwrap();
    assert_eq!(second.compilations(), 0, "second start compiled nothing");
    let entries = std::fs::read_dir(cache.path()).unwrap().count();
    assert_eq!(entries, 1);
    let in_drop_dir = std::fs::read_dir(dir.dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "cwasm")
        })
        .count();
    assert_eq!(
        in_drop_dir, 0,
        "nothing compiled lands in the plugin directory"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_handle_follows_reloads_and_kind_changes() {
    let dir = PluginDir::new();
    let manifest = |secret: &str| format!("kind = \"provider\"\n[config]\nsecret = \"{secret}\"\n");
    dir.add_component("courier", "test-provider", &manifest("one"));
    let (kit, store, _) = kit_with_sink().await;
    let directory = PluginDirectory::new(dir.dir.path(), engine(), kit, Some(store));
    let handle = directory.provider("courier");
    directory.load_all();
    let signed = |secret: &str| roomkit_plugins::WebhookRequest {
        headers: vec![("x-signature".into(), secret.into())],
        ..Default::default()
    };
    assert!(handle.verify_signature(&signed("one"), None).await.unwrap());
    let first = handle.current().unwrap();

    std::fs::write(dir.dir.path().join("courier.toml"), manifest("two")).unwrap();
    directory.scan();
    assert_eq!(directory.scan().reloaded, vec!["courier"]);
    assert!(handle.verify_signature(&signed("two"), None).await.unwrap());
    assert!(!handle.verify_signature(&signed("one"), None).await.unwrap());
    // A caller still holding the old version finishes on it.
    assert!(first.verify_signature(&signed("one"), None).await.unwrap());

    // The same name becomes a hook: the provider handle stops serving.
    std::fs::write(dir.dir.path().join("courier.toml"), "").unwrap();
    std::fs::copy(test_hook_wasm(), dir.dir.path().join("courier.wasm")).unwrap();
    directory.scan();
    assert_eq!(directory.scan().reloaded, vec!["courier"]);
    assert!(!handle.is_loaded());
    assert_eq!(
        handle
            .verify_signature(&signed("two"), None)
            .await
            .unwrap_err()
            .to_string(),
        "plugin courier: verify-signature: not loaded"
    );
    assert_eq!(
        directory.plugins().keys().collect::<Vec<_>>(),
        vec!["courier"]
    );
}
