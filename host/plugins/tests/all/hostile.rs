//! Hostile plugins while messages flow: the host keeps running, the event is processed per the
//! fail policy, the failure names the plugin and its cause, and the next call works.

use roomkit_kit::InboundMessage;
use roomkit_model::{Content, EventStatus, FrameworkEventType};
use roomkit_store::EventQuery;

use crate::fixtures::{Host, host_with};

async fn say(host: &Host, body: &str) -> roomkit_kit::InboundResult {
    host.kit
        .process_inbound(InboundMessage::text("sms", "+1", body).in_room("r"))
        .await
        .unwrap()
}

/// Sends an attack and then an ordinary message; returns the failure reported for the attack.
async fn attack(name: &str, manifest: &str) -> String {
    let host = host_with(name, manifest).await;
    let mut failures = host.kit.on(Some(&[
        FrameworkEventType::HookError,
        FrameworkEventType::HookTimeout,
    ]));
    let attacked = say(&host, "attack now").await;
    assert!(
        !attacked.blocked,
        "{name}: fail-open lets the event through"
    );
    let failure = failures.recv().await.unwrap();
    assert_eq!(failure.data["hook"], name);
    let after = say(&host, "hello again").await;
    assert!(!after.blocked, "{name}: the next call works");
    assert_eq!(
        host.sink.bodies(),
        vec!["attack now", "hello again"],
        "{name}: both events delivered, nothing lost"
    );
    assert!(
        failures.try_recv().is_err(),
        "{name}: the next call did not fail"
    );
    failure.data["error"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_infinite_loop_hits_the_deadline() {
    let error = attack(
        "looper",
        "timeout_ms = 1000\nfuel = 100000000000\n[config]\nmode = \"loop\"\n",
    )
    .await;
    assert_eq!(
        error,
        "plugin looper: handle: deadline exceeded: the call ran longer than 1000 ms"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cpu_burn_runs_out_of_fuel() {
    let error = attack(
        "burner",
        "timeout_ms = 10000\nfuel = 20000000\n[config]\nmode = \"burn\"\n",
    )
    .await;
    assert_eq!(
        error,
        "plugin burner: handle: out of fuel: the call used its budget of 20000000 units"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_memory_bomb_hits_the_memory_limit() {
    let error = attack("bomber", "memory_mb = 16\n[config]\nmode = \"bomb\"\n").await;
    assert!(
        error.starts_with("plugin bomber: handle: memory limit exceeded"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_result_hits_the_memory_limit() {
    let error = attack("hoarder", "memory_mb = 16\n[config]\nmode = \"huge\"\n").await;
    assert!(
        error.starts_with("plugin hoarder: handle: memory limit exceeded"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_is_a_trap() {
    let error = attack("panicker", "[config]\nmode = \"trap\"\n").await;
    assert!(
        error.starts_with("plugin panicker: handle: trap:"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_recursion_is_a_trap() {
    let error = attack("recurser", "[config]\nmode = \"recursion\"\n").await;
    assert!(
        error.starts_with("plugin recurser: handle: trap:"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_fail_closed_plugin_blocks_the_event() {
    let host = host_with("guard", "fail_closed = true\n[config]\nmode = \"trap\"\n").await;
    let attacked = say(&host, "attack").await;
    assert!(attacked.blocked);
    assert_eq!(attacked.reason.as_deref(), Some("hook_error:guard"));
    assert_eq!(
        attacked.event.as_ref().unwrap().blocked_by.as_deref(),
        Some("guard")
    );
    assert!(!say(&host, "fine").await.blocked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugins_see_no_environment_and_no_files() {
    let host = host_with("snoop", "[config]\nmode = \"env\"\n").await;
    let env = say(&host, "attack").await;
    assert_eq!(env.reason.as_deref(), Some("env: []"));
    let host = host_with("reader", "[config]\nmode = \"fs\"\n").await;
    let mut errors = host.kit.on(None);
    let fs = say(&host, "attack").await;
    let reason = fs.reason.unwrap();
    assert!(reason.starts_with("fs: Err("), "{reason}");
    assert!(errors.try_recv().map(|e| e.event_type) != Ok(FrameworkEventType::HookError));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_modify_fails_the_call_and_nothing_oversized_is_stored() {
    // Fail open: the event goes on as it came in.
    let error = attack("grower", "[config]\nmode = \"grow\"\n").await;
    assert_eq!(
        error,
        "plugin grower: handle: returned an error: modified event too large: over 1048576 \
         bytes as JSON (the limit of an inbound event)"
    );

    // Fail closed: blocked, and stored with the content it came in with.
    let host = host_with("grower", "fail_closed = true\n[config]\nmode = \"grow\"\n").await;
    let attacked = say(&host, "attack").await;
    assert!(attacked.blocked);
    assert_eq!(attacked.reason.as_deref(), Some("hook_error:grower"));
    let stored = host
        .store
        .list_events("r", &EventQuery::oldest(10).with_blocked())
        .await
        .unwrap();
    let stored: Vec<(EventStatus, &Content)> = stored
        .iter()
        .filter(|e| e.visibility != roomkit_model::Visibility::Internal)
        .map(|e| (e.status, &e.content))
        .collect();
    assert_eq!(
        stored,
        vec![(EventStatus::Blocked, &Content::text("attack"))]
    );
    assert!(host.sink.bodies().is_empty());

    // Within the limit, the modified event is taken.
    let host = host_with(
        "grower",
        "[config]\nmode = \"grow\"\ngrow_bytes = \"100000\"\n",
    )
    .await;
    let grown = say(&host, "attack").await;
    assert_eq!(
        grown.event.unwrap().content,
        Content::text("x".repeat(100_000))
    );
}
