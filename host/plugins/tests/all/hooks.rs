//! The test hook behaving well: block, modify, allow, config, key-value, log, room context.

use roomkit_kit::InboundMessage;
use roomkit_model::{Content, FrameworkEventType};

use crate::fixtures::host_with;

async fn say(host: &crate::fixtures::Host, body: &str) -> roomkit_kit::InboundResult {
    host.kit
        .process_inbound(InboundMessage::text("sms", "+1", body).in_room("r"))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasm_hook_blocks_modifies_and_allows_through_the_pipeline() {
    let host = host_with("keywords", "[config]\nblock_word = \"darn\"\n").await;
    let blocked = say(&host, "well darn it").await;
    assert!(blocked.blocked);
    assert_eq!(blocked.reason.as_deref(), Some("contains darn"));
    assert_eq!(
        blocked.event.as_ref().unwrap().blocked_by.as_deref(),
        Some("keywords")
    );
    let modified = say(&host, "my secret code").await;
    assert_eq!(
        modified.event.unwrap().content,
        Content::text("my ****** code")
    );
    let allowed = say(&host, "hello").await;
    assert!(!allowed.blocked);
    assert_eq!(host.sink.bodies(), vec!["my ****** code", "hello"]);
    // The hook counts its calls in its own key-value space.
    let calls = host.store.kv_get("keywords", "calls").await.unwrap();
    assert_eq!(calls.as_deref(), Some(&b"3"[..]));
    assert_eq!(
        host.plugin
            .stats()
            .calls
            .load(std::sync::atomic::Ordering::Relaxed),
        3
    );
    assert_eq!(
        host.plugin
            .stats()
            .instantiations
            .load(std::sync::atomic::Ordering::Relaxed),
        1,
        "one warm instance served every call"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_reads_the_room_context_lazily() {
    let host = host_with("history", "[config]\nmode = \"history\"\n").await;
    for n in 0..3 {
        say(&host, &format!("m{n}")).await;
    }
    let result = say(&host, "attack").await;
    assert_eq!(
        result.reason.as_deref(),
        Some("5 of 5"),
        "it read three messages and two channel_attached records"
    );
    assert_eq!(result.event.unwrap().blocked_by.as_deref(), Some("history"));
    let blocked = host
        .kit
        .get_timeline("r", &roomkit_store::EventQuery::latest(1).with_blocked())
        .await
        .unwrap();
    assert_eq!(blocked[0].index, 5, "after two records and three messages");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_the_plugin_returns_is_a_hook_error_naming_it() {
    let host = host_with("refuser", "[config]\nmode = \"error\"\n").await;
    let mut errors = host.kit.on(Some(&[FrameworkEventType::HookError]));
    let result = say(&host, "attack").await;
    assert!(!result.blocked, "fail-open by default");
    let error = errors.recv().await.unwrap();
    assert_eq!(error.data["hook"], "refuser");
    assert_eq!(
        error.data["error"],
        "plugin refuser: handle: returned an error: test-hook refuses: told to"
    );
}
