//! A wasm provider: deliver, verify-signature and parse-webhook directly, and delivering the
//! events of a room through a transport channel.

use std::sync::Arc;

use roomkit_kit::{AttachOptions, InboundMessage, Provider, TransportChannel};
use roomkit_model::{
    ChannelBinding, ChannelCapabilities, Content, DeliveryStatus, EventSource, RetryPolicy,
    RoomEvent,
};
use roomkit_plugins::{PluginDirectory, WasmProvider, WebhookRequest};
use roomkit_store::MemoryStore;

use crate::fixtures::{PluginDir, engine, kit_with_sink};

const PROVIDER: &str = "kind = \"provider\"\n[config]\nsecret = \"s3cret\"\n";

fn event(body: &str) -> RoomEvent {
    RoomEvent::new("r", EventSource::inbound("sms", "sms"), Content::text(body))
}

fn webhook(signature: &str, body: &str) -> WebhookRequest {
    WebhookRequest {
        channel_id: "wh".into(),
        method: "POST".into(),
        path: "/v1/webhooks/wh".into(),
        query: String::new(),
        public_url: "http://127.0.0.1:8080/v1/webhooks/wh".into(),
        headers: vec![("X-Signature".into(), signature.into())],
        body: body.as_bytes().to_vec(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasm_provider_delivers_refuses_and_survives_a_trap() {
    let dir = PluginDir::new();
    let path = dir.add_component("courier", "test-provider", PROVIDER);
    let store = Arc::new(MemoryStore::new());
    let provider = WasmProvider::load(&engine(), &path, Some(store.clone())).unwrap();
    assert_eq!(provider.name(), "courier");
    let binding = ChannelBinding::new("r", "wh", "webhook");

    let sent = provider.send(&event("hello"), &binding).await.unwrap();
    assert_eq!(sent.provider_message_id.as_deref(), Some("tp-1"));

    let refused = provider
        .send(&event("please refuse"), &binding)
        .await
        .unwrap_err();
    assert_eq!(
        refused.message,
        "plugin courier: deliver: returned an error: recipient of wh refuses"
    );
    assert!(!refused.retryable, "the plugin said so");

    let trapped = provider.send(&event("panic"), &binding).await.unwrap_err();
    assert!(
        trapped
            .message
            .starts_with("plugin courier: deliver: trap:"),
        "{}",
        trapped.message
    );
    assert!(!trapped.retryable, "a trap is the plugin's own fault");

    let next = provider.send(&event("again"), &binding).await.unwrap();
    assert_eq!(next.provider_message_id.as_deref(), Some("tp-2"));
    let kept = roomkit_store::ConversationStore::kv_get(store.as_ref(), "courier", "sent")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(String::from_utf8(kept).unwrap(), "wh: hello\nwh: again\n");
    let stats = provider.snapshot();
    assert_eq!(
        (stats.calls, stats.failures, stats.instantiations),
        (4, 2, 2)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasm_provider_verifies_and_parses_webhooks() {
    let dir = PluginDir::new();
    let path = dir.add_component("courier", "test-provider", PROVIDER);
    let provider = WasmProvider::load(&engine(), &path, None).unwrap();
    let request = webhook("s3cret", "+15550001|hi there\n+15550002|second\n");
    assert!(provider.verify_signature(&request, None).await.unwrap());
    assert!(
        !provider
            .verify_signature(&webhook("forged", ""), None)
            .await
            .unwrap()
    );

    let messages = provider
        .parse_webhook(&request, None)
        .await
        .unwrap()
        .messages;
    let mut expected = InboundMessage::text("wh", "+15550001", "hi there");
    expected.idempotency_key = Some("webhook-1".into());
    expected.provider = Some("test-provider".into());
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0], expected);
    assert_eq!(messages[1].sender_id, "+15550002");
    assert_eq!(messages[1].content, Content::text("second"));

    let err = provider
        .parse_webhook(&webhook("s3cret", "+1|ok\nno separator\n"), None)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "plugin courier: parse-webhook: returned an error: line 2 has no '|'"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasm_provider_delivers_room_events_through_a_transport_channel() {
    let dir = PluginDir::new();
    dir.add_component("courier", "test-provider", PROVIDER);
    let (kit, store, _) = kit_with_sink().await;
    let directory =
        PluginDirectory::new(dir.dir.path(), engine(), kit.clone(), Some(store.clone()));
    // The channel holds a handle, taken before the plugin is loaded.
    let handle = directory.provider("courier");
    kit.register_channel(Arc::new(TransportChannel::new(
        "wh",
        "webhook",
        ChannelCapabilities::default(),
        Arc::new(handle.clone()),
    )))
    .unwrap();
    kit.attach_channel("r", "wh", AttachOptions::default())
        .await
        .unwrap();
    assert_eq!(directory.load_all().loaded, vec!["courier"]);

    let say = |body: &'static str| {
        let kit = kit.clone();
        async move {
            kit.process_inbound(InboundMessage::text("sms", "+1", body).in_room("r"))
                .await
                .unwrap()
        }
    };
    let delivered = say("hello").await;
    let result = &delivered.delivery_results["wh"];
    assert_eq!(result.status, DeliveryStatus::Delivered);
    assert_eq!(result.provider_message_id.as_deref(), Some("tp-1"));

    let refused = say("refuse this").await;
    let result = &refused.delivery_results["wh"];
    assert_eq!(result.status, DeliveryStatus::Failed);
    assert_eq!(
        result.error.as_deref(),
        Some("plugin courier: deliver: returned an error: recipient of wh refuses")
    );
    assert_eq!(result.attempts, 1, "not retryable");

    let after = say("bye").await;
    assert_eq!(
        after.delivery_results["wh"].provider_message_id.as_deref(),
        Some("tp-2")
    );
    let kept = store.kv_get("courier", "sent").await.unwrap().unwrap();
    assert_eq!(String::from_utf8(kept).unwrap(), "wh: hello\nwh: bye\n");
    assert_eq!(handle.current().unwrap().snapshot().calls, 3);

    // The webhook side through the handle, as the HTTP server calls it.
    assert!(
        handle
            .verify_signature(&webhook("s3cret", ""), None)
            .await
            .unwrap()
    );
    assert_eq!(
        handle
            .parse_webhook(&webhook("s3cret", "+7|in"), None)
            .await
            .unwrap()
            .messages[0]
            .sender_id,
        "+7"
    );

    // Unloaded: the handle fails with the plugin's name, retryably.
    std::fs::remove_file(dir.dir.path().join("courier.wasm")).unwrap();
    assert_eq!(directory.scan().removed, vec!["courier"]);
    let gone = Provider::send(
        &handle,
        &event("late"),
        &ChannelBinding::new("r", "wh", "webhook"),
    )
    .await
    .unwrap_err();
    assert_eq!(gone.message, "plugin courier: deliver: not loaded");
    assert!(gone.retryable);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_asleep_in_a_host_wait_is_cut_at_its_deadline_retried_and_the_room_goes_on() {
    let dir = PluginDir::new();
    dir.add_component(
        "sleeper",
        "test-provider",
        "kind = \"provider\"\ntimeout_ms = 300\nbreaker_threshold = 0\n",
    );
    let (kit, store, _) = kit_with_sink().await;
    let directory =
        PluginDirectory::new(dir.dir.path(), engine(), kit.clone(), Some(store.clone()));
    assert_eq!(directory.load_all().loaded, vec!["sleeper"]);
    kit.register_channel(Arc::new(TransportChannel::new(
        "wh",
        "webhook",
        ChannelCapabilities::default(),
        Arc::new(directory.provider("sleeper")),
    )))
    .unwrap();
    let retry = RetryPolicy {
        max_retries: 1,
        base_delay_seconds: 0.01,
        max_delay_seconds: 0.01,
        exponential_base: 1.0,
        jitter: 0.0,
    };
    kit.attach_channel(
        "r",
        "wh",
        AttachOptions {
            retry_policy: Some(retry),
            ..AttachOptions::default()
        },
    )
    .await
    .unwrap();
    let say = |body: &'static str| {
        let kit = kit.clone();
        async move {
            kit.process_inbound(InboundMessage::text("sms", "+1", body).in_room("r"))
                .await
                .unwrap()
        }
    };
    // The guest sleeps for an hour; both messages are answered long before it would wake (the
    // limit below only gives up on a hung test).
    let (asleep, after) = tokio::time::timeout(std::time::Duration::from_secs(600), async {
        let asleep = say("sleep now").await;
        (asleep, say("hello").await)
    })
    .await
    .expect("the room is not held behind the sleeping call");
    let result = &asleep.delivery_results["wh"];
    assert_eq!(result.status, DeliveryStatus::Failed);
    assert_eq!(
        result.error.as_deref(),
        Some("plugin sleeper: deliver: deadline exceeded: the call ran longer than 300 ms")
    );
    assert_eq!(
        result.attempts, 2,
        "a deadline is retryable: retried once, by the policy"
    );
    let result = &after.delivery_results["wh"];
    assert_eq!(result.status, DeliveryStatus::Delivered);
    assert_eq!(result.provider_message_id.as_deref(), Some("tp-1"));
    let stats = directory.provider("sleeper").current().unwrap().snapshot();
    assert_eq!((stats.calls, stats.failures), (3, 2));
}
