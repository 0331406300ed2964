//! Guests that compute or wait without end: they yield to the async runtime while they run,
//! every call is cut at its deadline and reported as a deadline failure naming the plugin and
//! the function, a call cut by the host or by its caller counts as failed, manifests over the
//! host's ceilings are refused, and a host that cancels its calls stops running guests.

use std::sync::Arc;
use std::time::Duration;

use roomkit_kit::{HookTrigger, InboundMessage, KitConfig, RoomContext};
use roomkit_model::{Content, EventSource, Room, RoomEvent};
use roomkit_plugins::{
    CallFailure, Ceilings, Error, LoadStatus, PluginDirectory, PluginEngine, WasmPlugin,
};

use crate::fixtures::{PluginDir, engine, kit_with_sink};

/// A burning hook at the default ceilings: a minute and 10^11 fuel, which it does not use up
/// before the tests are done with it.
const BURN_FOR_A_MINUTE: &str = "timeout_ms = 60000\nfuel = 100000000000\n";

fn event(body: &str) -> RoomEvent {
    RoomEvent::new("r", EventSource::inbound("sms", "sms"), Content::text(body))
}

fn ctx() -> RoomContext {
    RoomContext::from_parts(Room::with_id("r"), Vec::new(), Vec::new(), Vec::new())
}

fn burn_hook(dir: &PluginDir, name: &str, manifest: &str) -> Arc<WasmPlugin> {
    let path = dir.add_component(name, "burn-hook", manifest);
    Arc::new(WasmPlugin::load(&engine(), &path, None).unwrap())
}

/// Runs `test` on a runtime of its own on another thread, and fails instead of hanging when
/// that runtime stops making progress (a guest holding its only thread).
fn on_a_runtime_of_its_own<T: Send + 'static>(
    runtime: tokio::runtime::Runtime,
    test: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(runtime.block_on(test));
    });
    // Far longer than the test needs on a loaded machine; reached only when the runtime froze.
    outcome
        .recv_timeout(Duration::from_secs(240))
        .expect("the runtime froze while guests were burning")
}

#[test]
fn an_unrelated_task_completes_on_a_single_thread_while_four_burning_calls_are_still_running() {
    let dir = PluginDir::new();
    let plugin = burn_hook(&dir, "burner", BURN_FOR_A_MINUTE);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let probe = Arc::clone(&plugin);
    let (unrelated, burning_after) = on_a_runtime_of_its_own(runtime, async move {
        let burning: Vec<_> = (0..4)
            .map(|_| {
                let plugin = Arc::clone(&probe);
                tokio::spawn(async move {
                    plugin
                        .call(HookTrigger::BeforeBroadcast, &event("burn"), &ctx())
                        .await
                })
            })
            .collect();
        // Every call is inside its guest once each has its own instance.
        while probe.snapshot().instantiations < 4 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let unrelated = tokio::spawn(async { "answered" }).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let still_burning = burning.iter().filter(|b| !b.is_finished()).count();
        for call in &burning {
            call.abort();
        }
        for call in burning {
            let _ = call.await;
        }
        (unrelated, still_burning)
    });
    assert_eq!(unrelated, "answered");
    assert_eq!(
        burning_after, 4,
        "the unrelated task ran while all four burned"
    );
    let stats = plugin.snapshot();
    assert_eq!(stats.calls, 4);
    assert_eq!(
        stats.failures, 4,
        "a call cut by its caller counts as failed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burning_call_with_huge_fuel_is_cut_at_its_deadline_and_reported_as_a_deadline() {
    let dir = PluginDir::new();
    let plugin = burn_hook(&dir, "burner", "timeout_ms = 1000\nfuel = 100000000000\n");
    let err = plugin
        .call(HookTrigger::BeforeBroadcast, &event("burn"), &ctx())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Call { plugin, function: "handle", cause: CallFailure::Deadline(1000) }
                if plugin == "burner"
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "plugin burner: handle: deadline exceeded: the call ran longer than 1000 ms"
    );
    let passed = plugin
        .call(HookTrigger::BeforeBroadcast, &event("pass"), &ctx())
        .await;
    assert!(passed.is_ok(), "the next call works: {passed:?}");
    let stats = plugin.snapshot();
    assert_eq!((stats.calls, stats.failures), (2, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_waiting_in_the_host_is_cut_by_the_outer_deadline_and_counted_as_failed() {
    let dir = PluginDir::new();
    let plugin = burn_hook(
        &dir,
        "sleeper",
        "timeout_ms = 300\n[config]\nmode = \"sleep\"\n",
    );
    let err = plugin
        .call(HookTrigger::BeforeBroadcast, &event("sleep"), &ctx())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "plugin sleeper: handle: deadline exceeded: the call ran longer than 300 ms"
    );
    let stats = plugin.snapshot();
    assert_eq!((stats.calls, stats.failures), (1, 1));
    assert!(stats.call_micros > 0, "the cut call's time is counted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hook_cut_at_its_deadline_in_the_pipeline_is_a_failure_in_the_snapshot() {
    let dir = PluginDir::new();
    dir.add_component(
        "sleeper",
        "burn-hook",
        "timeout_ms = 200\n[config]\nmode = \"sleep\"\n",
    );
    let (kit, store, sink) = kit_with_sink().await;
    let directory = PluginDirectory::new(dir.dir.path(), engine(), kit.clone(), Some(store));
    assert_eq!(directory.load_all().loaded, vec!["sleeper"]);
    for n in 0..3 {
        let result = kit
            .process_inbound(InboundMessage::text("sms", "+1", format!("m{n}")).in_room("r"))
            .await
            .unwrap();
        assert!(!result.blocked, "a failing fail-open hook lets it through");
    }
    assert_eq!(sink.bodies(), vec!["m0", "m1", "m2"]);
    let listed = directory.list();
    let stats = listed[0].stats.unwrap();
    assert_eq!((stats.calls, stats.failures), (3, 3));
    assert!(stats.call_micros > 0);
}

#[test]
fn a_manifest_over_a_ceiling_is_refused_with_a_reason_naming_the_limit() {
    let dir = PluginDir::new();
    let cases = [
        (
            "fuel = 1000000000000000\n",
            "fuel = 1000000000000000 is over the host's ceiling max_fuel = 100000000000",
        ),
        (
            "timeout_ms = 18446744073709551615\n",
            "timeout_ms = 18446744073709551615 is over the host's ceiling max_timeout_ms = 60000",
        ),
        (
            "memory_mb = 100000\n",
            "memory_mb = 100000 is over the host's ceiling max_memory_mb = 256",
        ),
    ];
    for (manifest, reason) in cases {
        let path = dir.add_component("greedy", "burn-hook", manifest);
        let err = WasmPlugin::load(&engine(), &path, None).unwrap_err();
        assert!(
            matches!(&err, Error::Manifest { plugin, .. } if plugin == "greedy"),
            "{err}"
        );
        let text = err.to_string();
        assert!(text.starts_with("plugin greedy: manifest "), "{text}");
        assert!(text.contains("greedy.toml"), "{text}");
        assert!(text.contains(reason), "{text}");
    }
    // The directory lists it as failed with that reason (what /v1/plugins shows).
    let directory = PluginDirectory::detached(dir.dir.path(), engine(), None);
    let report = directory.load_all();
    assert_eq!(report.failed.len(), 1);
    let listed = directory.list();
    assert_eq!(listed[0].status, LoadStatus::Failed);
    assert!(
        listed[0]
            .error
            .as_deref()
            .unwrap()
            .contains("is over the host's ceiling max_memory_mb = 256"),
        "{:?}",
        listed[0].error
    );
}

#[test]
fn ceilings_from_the_configuration_admit_what_the_defaults_refuse() {
    let dir = PluginDir::new();
    let path = dir.add_component("greedy", "burn-hook", "fuel = 1000000000000\n");
    assert!(WasmPlugin::load(&engine(), &path, None).is_err());
    let generous = PluginEngine::with_ceilings(Ceilings {
        max_fuel: 1_000_000_000_000,
        ..Ceilings::default()
    })
    .unwrap();
    assert_eq!(
        WasmPlugin::load(&generous, &path, None)
            .unwrap()
            .manifest()
            .fuel,
        1_000_000_000_000
    );
    let err = PluginEngine::with_ceilings(Ceilings {
        max_memory_mb: 5000,
        ..Ceilings::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("max_memory_mb = 5000"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_calls_stops_a_burning_guest_and_refuses_new_calls() {
    // An engine of its own: cancelling is for good.
    let engine = PluginEngine::new().unwrap();
    let dir = PluginDir::new();
    let path = dir.add_component("burner", "burn-hook", BURN_FOR_A_MINUTE);
    let plugin = Arc::new(WasmPlugin::load(&engine, &path, None).unwrap());
    let running = tokio::spawn({
        let plugin = Arc::clone(&plugin);
        async move {
            plugin
                .call(HookTrigger::BeforeBroadcast, &event("burn"), &ctx())
                .await
        }
    });
    // The call has started (the instance made at load is waiting warm for it).
    while plugin.snapshot().calls < 1 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    engine.cancel_calls();
    let err = running.await.unwrap().unwrap_err();
    assert_eq!(
        err.to_string(),
        "plugin burner: handle: cancelled: the host is shutting down"
    );
    let err = plugin
        .call(HookTrigger::BeforeBroadcast, &event("pass"), &ctx())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Call {
                cause: CallFailure::Cancelled,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        plugin.snapshot().calls,
        1,
        "the refused call did not enter the guest"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn process_timeout_cuts_a_burning_hook_before_its_own_deadline_and_nothing_is_stored() {
    let dir = PluginDir::new();
    // The hook's own deadline is a minute: only the process timeout can end the pass first.
    let path = dir.add_component("burner", "burn-hook", BURN_FOR_A_MINUTE);
    let (kit, store, sink) = roomkit_kit::testing::kit_with_sink(|builder| {
        builder.config(KitConfig {
            process_timeout: Duration::from_millis(1500),
            ..KitConfig::default()
        })
    })
    .await;
    let plugin = Arc::new(WasmPlugin::load(&engine(), &path, Some(Arc::clone(&store))).unwrap());
    plugin.register(&kit);
    let result = kit
        .process_inbound(InboundMessage::text("sms", "+1", "burn").in_room("r"))
        .await
        .unwrap();
    assert!(result.blocked, "{result:?}");
    assert_eq!(result.reason.as_deref(), Some("process_timeout"));
    let room = store.get_room("r").await.unwrap().unwrap();
    assert_eq!(
        room.event_count, 2,
        "nothing is stored but the room's two channel_attached records"
    );
    assert!(sink.bodies().is_empty(), "nothing is delivered");
    let stats = plugin.snapshot();
    assert_eq!(
        (stats.calls, stats.failures),
        (1, 1),
        "the abandoned call counts as failed"
    );
}
