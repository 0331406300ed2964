//! The circuit breaker per plugin: a plugin that keeps missing its deadline is suspended, its
//! calls fail at once without entering it (the fail policy applies), the listing shows it, and
//! a reload or the end of the cool-down lifts it.

use std::time::Duration;

use roomkit_kit::{HookTrigger, InboundMessage, RoomContext, RoomKit};
use roomkit_model::{Content, EventSource, FrameworkEventType, Room, RoomEvent};
use roomkit_plugins::{CallFailure, Error, LoadStatus, PluginDirectory, PluginStatus};

use crate::fixtures::{PluginDir, engine, kit_with_sink};

async fn say(kit: &RoomKit, body: &str) -> roomkit_kit::InboundResult {
    kit.process_inbound(InboundMessage::text("sms", "+1", body).in_room("r"))
        .await
        .unwrap()
}

fn status(directory: &PluginDirectory) -> PluginStatus {
    directory.list().remove(0)
}

/// Looks at the directory until it has reloaded `name` (a minute at most: a limit for "never",
/// not a measure; compiling the new version shares two cores with everything else).
fn reload(directory: &PluginDirectory, name: &str) {
    for _ in 0..3_000 {
        if directory.scan().reloaded.iter().any(|n| n == name) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{name} was not reloaded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_three_deadline_failures_in_a_row_calls_fail_fast_as_suspended_until_a_reload() {
    let dir = PluginDir::new();
    // A deadline an ordinary call meets on a loaded machine too (the call after the reload).
    let manifest = "timeout_ms = 1000\nfuel = 100000000000\nbreaker_threshold = 3\nbreaker_cooldown_ms = 3600000\n";
    dir.add_component("burner", "burn-hook", manifest);
    let (kit, store, sink) = kit_with_sink().await;
    let directory = PluginDirectory::new(dir.dir.path(), engine(), kit.clone(), Some(store));
    assert_eq!(directory.load_all().loaded, vec!["burner"]);
    let mut failures = kit.on(Some(&[
        FrameworkEventType::HookError,
        FrameworkEventType::HookTimeout,
    ]));
    for n in 0..3 {
        assert!(!say(&kit, &format!("burn {n}")).await.blocked, "fail-open");
        let failure = failures.recv().await.unwrap();
        assert_eq!(
            failure.data["error"],
            "plugin burner: handle: deadline exceeded: the call ran longer than 1000 ms"
        );
    }
    let suspended = status(&directory);
    assert_eq!(suspended.status, LoadStatus::Suspended);
    let stats = suspended.stats.unwrap();
    assert_eq!(
        (stats.calls, stats.failures, stats.suspended_calls),
        (3, 3, 0)
    );
    assert!(stats.suspended_ms > 0);

    // Suspended: the next call fails at once, without entering the guest, under the fail
    // policy (open: the message passes).
    let passed = say(&kit, "pass while suspended").await;
    assert!(!passed.blocked);
    let failure = failures.recv().await.unwrap();
    let error = failure.data["error"].as_str().unwrap();
    assert!(
        error.starts_with("plugin burner: handle: suspended: 3 failures in a row"),
        "{error}"
    );
    let plugin = directory.plugins()["burner"].clone();
    let event = RoomEvent::new(
        "r",
        EventSource::inbound("sms", "sms"),
        Content::text("pass"),
    );
    let ctx = RoomContext::from_parts(Room::with_id("r"), Vec::new(), Vec::new(), Vec::new());
    let err = plugin
        .call(HookTrigger::BeforeBroadcast, &event, &ctx)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Call {
                cause: CallFailure::Suspended { failures: 3, .. },
                ..
            }
        ),
        "{err}"
    );
    let stats = status(&directory).stats.unwrap();
    assert_eq!(
        (stats.calls, stats.suspended_calls),
        (3, 2),
        "the refused calls did not enter the plugin"
    );
    assert_eq!(
        sink.bodies(),
        vec!["burn 0", "burn 1", "burn 2", "pass while suspended"]
    );

    // A new version is not suspended.
    dir.add_component("burner", "burn-hook", &format!("{manifest}priority = 1\n"));
    reload(&directory, "burner");
    let reloaded = status(&directory);
    assert_eq!(reloaded.status, LoadStatus::Loaded);
    assert!(!say(&kit, "pass again").await.blocked);
    assert!(failures.try_recv().is_err(), "the call entered and passed");
    let stats = status(&directory).stats.unwrap();
    assert_eq!(
        (stats.calls, stats.failures, stats.suspended_calls),
        (1, 0, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_fail_closed_hook_blocks_and_calls_go_in_again_after_the_cool_down() {
    let dir = PluginDir::new();
    dir.add_component(
        "guard",
        "burn-hook",
        "timeout_ms = 1000\nfail_closed = true\nbreaker_threshold = 2\nbreaker_cooldown_ms = 300\n",
    );
    let (kit, store, _sink) = kit_with_sink().await;
    let directory = PluginDirectory::new(dir.dir.path(), engine(), kit.clone(), Some(store));
    directory.load_all();
    for n in 0..2 {
        assert!(say(&kit, &format!("burn {n}")).await.blocked, "fail-closed");
    }
    assert_eq!(status(&directory).status, LoadStatus::Suspended);
    let blocked = say(&kit, "pass").await;
    assert!(blocked.blocked, "a suspended guard lets nothing through");
    assert_eq!(status(&directory).stats.unwrap().suspended_calls, 1);
    // Once the cool-down is over, a call enters the plugin again (a minute at most: a limit
    // for "never").
    for _ in 0..3_000 {
        if status(&directory).status != LoadStatus::Suspended {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        status(&directory).status,
        LoadStatus::Loaded,
        "the cool-down never ended"
    );
    assert!(!say(&kit, "pass").await.blocked);
    let stats = status(&directory).stats.unwrap();
    assert_eq!((stats.calls, stats.failures), (3, 2));
}
