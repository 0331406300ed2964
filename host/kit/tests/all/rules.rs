//! SPEC §3 rules a demanding user found broken: blank idempotency keys, edits, channel
//! records, hook timeouts, addressing, max_length, response visibility, ON_ERROR, detach
//! during a pass and binding directions.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use roomkit_kit::testing::Gate;
use roomkit_kit::{
    AiChannel, AttachOptions, Error, HookError, HookResult, HookSpec, HookTrigger, InboundMessage,
    MockAiProvider, PREVIOUS_CONTENT, SendOptions,
};
use roomkit_model::{
    Access, ChannelCapabilities, ChannelDirection, Content, DeliveryStatus, EventStatus, EventType,
    FrameworkEventType, RoomEvent, Visibility,
};
use roomkit_store::EventQuery;

use crate::support::{
    FnHook, SlowHook, eventually, is_channel_record, setup, text_caps, without_records,
};

fn body(event: &RoomEvent) -> String {
    match &event.content {
        Content::Text { body, .. } => body.clone(),
        _ => String::new(),
    }
}

#[tokio::test]
async fn a_blank_idempotency_key_is_no_key() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let email = s.transport("email", "email", text_caps());
    s.room("r", &["sms", "email"]).await;
    for (text, key) in [("one", ""), ("two", "   "), ("three", "")] {
        let message = InboundMessage::text("sms", "+1", text)
            .in_room("r")
            .with_idempotency_key(key);
        let result = s.kit.process_inbound(message).await.unwrap();
        assert!(!result.duplicate, "{text}");
        assert_eq!(result.event.unwrap().idempotency_key, None, "{text}");
    }
    assert_eq!(email.bodies(), ["one", "two", "three"]);
    // A real key still deduplicates.
    let keyed = || {
        InboundMessage::text("sms", "+1", "four")
            .in_room("r")
            .with_idempotency_key("k")
    };
    assert!(!s.kit.process_inbound(keyed()).await.unwrap().duplicate);
    assert!(s.kit.process_inbound(keyed()).await.unwrap().duplicate);
}

#[tokio::test]
async fn an_edit_replaces_the_stored_content_and_keeps_the_replaced_one_in_metadata() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    let original = s.say("r", "sms", "+1", "helo").await.event.unwrap();
    let edit = |text: &str| {
        InboundMessage::new(
            "sms",
            "+1",
            Content::Edit {
                target_event_id: original.id.clone(),
                new_content: Box::new(Content::text(text)),
            },
        )
        .in_room("r")
    };
    let first = s.kit.process_inbound(edit("hello")).await.unwrap();
    assert!(!first.blocked, "{first:?}");
    s.kit.process_inbound(edit("hello!")).await.unwrap();
    let stored = s.store.get_event(&original.id).await.unwrap().unwrap();
    assert_eq!(stored.content, Content::text("hello!"));
    assert_eq!(stored.metadata["edited"], true);
    assert_eq!(
        stored.metadata[PREVIOUS_CONTENT],
        serde_json::json!({"type": "text", "body": "hello"}),
        "only the content the last edit replaced"
    );
}

#[tokio::test]
async fn channel_changes_are_stored_as_internal_records_that_consume_indexes_and_are_not_sent() {
    let s = setup();
    let sms = s.transport("sms", "sms", text_caps());
    let email = s.transport("email", "email", text_caps());
    s.room("r", &["sms", "email"]).await;
    s.kit.mute("r", "email").await.unwrap();
    s.kit.unmute("r", "email").await.unwrap();
    s.kit
        .set_access("r", "email", Access::ReadOnly)
        .await
        .unwrap();
    s.kit
        .set_visibility("r", "email", Visibility::Transport)
        .await
        .unwrap();
    s.kit.detach_channel("r", "email").await.unwrap();
    let message = s.say("r", "sms", "+1", "after").await.event.unwrap();
    let timeline = s
        .kit
        .get_timeline("r", &EventQuery::oldest(20))
        .await
        .unwrap();
    let records: Vec<(u64, EventType, String)> = timeline
        .iter()
        .filter(|e| is_channel_record(e))
        .map(|e| {
            assert_eq!(e.visibility, Visibility::Internal);
            assert_eq!(e.status, EventStatus::Delivered);
            assert_eq!(e.source.channel_type, "system");
            let Content::System { data, .. } = &e.content else {
                panic!("a record is system content: {e:?}");
            };
            (
                e.index,
                e.event_type,
                data["channel_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        records,
        [
            (0, EventType::ChannelAttached, "sms".to_owned()),
            (1, EventType::ChannelAttached, "email".to_owned()),
            (2, EventType::ChannelMuted, "email".to_owned()),
            (3, EventType::ChannelUnmuted, "email".to_owned()),
            (4, EventType::ChannelUpdated, "email".to_owned()),
            (5, EventType::ChannelUpdated, "email".to_owned()),
            (6, EventType::ChannelDetached, "email".to_owned()),
        ]
    );
    let Content::System { data, .. } = &timeline[4].content else {
        unreachable!()
    };
    assert_eq!(data["access"], "read_only");
    let Content::System { data, .. } = &timeline[5].content else {
        unreachable!()
    };
    assert_eq!(data["visibility"], "transport");
    assert_eq!(message.index, 7);
    assert_eq!(
        sms.calls() + email.calls(),
        0,
        "records are never broadcast"
    );
}

#[tokio::test]
async fn a_hook_past_its_timeout_is_a_hook_timeout_and_a_fail_closed_one_blocks_with_its_name() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    let mut failures = s.kit.on(Some(&[
        FrameworkEventType::HookTimeout,
        FrameworkEventType::HookError,
    ]));
    s.kit.add_hook(
        HookSpec::new("slow", HookTrigger::BeforeBroadcast)
            .timeout(Duration::from_millis(30))
            .fail_closed(),
        Arc::new(SlowHook(Duration::from_secs(30))),
    );
    let result = s.say("r", "sms", "+1", "x").await;
    assert!(result.blocked);
    assert_eq!(result.reason.as_deref(), Some("hook_timeout:slow"));
    let failure = failures.recv().await.unwrap();
    assert_eq!(failure.event_type, FrameworkEventType::HookTimeout);
    assert_eq!(failure.data["hook"], "slow");

    // A hook's own deadline error (a plugin's timeout_ms) is a timeout too.
    s.kit.remove_hook("slow");
    s.kit.add_hook(
        HookSpec::new("deadline", HookTrigger::BeforeBroadcast).fail_closed(),
        Arc::new(FnHook(|_: &RoomEvent| {
            Err(HookError::timeout("deadline exceeded"))
        })),
    );
    let result = s.say("r", "sms", "+1", "y").await;
    assert_eq!(result.reason.as_deref(), Some("hook_timeout:deadline"));
    let failure = failures.recv().await.unwrap();
    assert_eq!(failure.event_type, FrameworkEventType::HookTimeout);
}

#[tokio::test]
async fn addressed_to_a_target_not_in_the_room_is_an_unavailable_target_and_the_rest_is_delivered()
{
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let email = s.transport("email", "email", text_caps());
    s.room("r", &["email"]).await;
    let correspondent = AttachOptions {
        participant_id: Some("+1".into()),
        ..AttachOptions::default()
    };
    s.kit
        .attach_channel("r", "sms", correspondent)
        .await
        .unwrap();
    let mut message = InboundMessage::text("sms", "+1", "hi").in_room("r");
    message.addressed_to = Some(vec!["email".into(), "+1".into(), "fax".into()]);
    let result = s.kit.process_inbound(message).await.unwrap();
    assert!(!result.blocked);
    assert_eq!(result.unavailable_targets, ["fax"]);
    assert_eq!(email.bodies(), ["hi"]);
}

#[tokio::test]
async fn a_max_length_below_four_is_refused() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.room("r", &[]).await;
    for max in [0, 3] {
        let options = AttachOptions {
            capabilities: Some(ChannelCapabilities {
                max_length: Some(max),
                ..ChannelCapabilities::default()
            }),
            ..AttachOptions::default()
        };
        let refused = s.kit.attach_channel("r", "sms", options).await;
        assert!(
            matches!(refused, Err(Error::Invalid(_))),
            "{max}: {refused:?}"
        );
    }
    assert!(s.kit.list_bindings("r").await.unwrap().is_empty());
    let options = AttachOptions {
        capabilities: Some(ChannelCapabilities {
            max_length: Some(4),
            ..ChannelCapabilities::default()
        }),
        ..AttachOptions::default()
    };
    s.kit.attach_channel("r", "sms", options).await.unwrap();
}

#[tokio::test]
async fn send_event_keeps_its_provider_and_the_answers_it_provokes_take_its_response_visibility() {
    let s = setup();
    s.transport("agent", "websocket", text_caps());
    let sms = s.transport("sms", "sms", text_caps());
    let provider = Arc::new(MockAiProvider::new(["noted"]));
    s.kit
        .register_channel(Arc::new(AiChannel::new("bot", provider)))
        .unwrap();
    s.room("r", &["agent", "sms", "bot"]).await;
    let options = SendOptions {
        provider: Some("console".into()),
        response_visibility: Some(Visibility::channels(["agent"])),
        ..SendOptions::default()
    };
    let result = s
        .kit
        .send_event("r", "agent", Content::text("summarise please"), options)
        .await
        .unwrap();
    let event = result.event.unwrap();
    assert_eq!(event.source.provider.as_deref(), Some("console"));
    assert_eq!(
        event.response_visibility,
        Some(Visibility::channels(["agent"]))
    );
    assert_eq!(result.response_events.len(), 1);
    assert_eq!(
        result.response_events[0].visibility,
        Visibility::channels(["agent"])
    );
    assert_eq!(
        sms.bodies(),
        ["summarise please"],
        "the answer is not sent to sms"
    );
}

#[tokio::test]
async fn a_failed_delivery_and_a_failing_async_hook_start_the_on_error_hooks() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let broken = s.transport("email", "email", text_caps());
    broken.fail_always(true);
    broken.permanent_failures();
    s.room("r", &["sms", "email"]).await;
    let errors = Arc::new(Mutex::new(Vec::new()));
    {
        let errors = Arc::clone(&errors);
        s.kit.add_hook(
            HookSpec::new("monitor", HookTrigger::OnError),
            Arc::new(FnHook(move |e: &RoomEvent| {
                if let Content::System { code, data, .. } = &e.content {
                    errors.lock().unwrap().push((
                        code.clone().unwrap_or_default(),
                        data.get("channel_id")
                            .or(data.get("hook"))
                            .and_then(|v| v.as_str())
                            .unwrap_or_default()
                            .to_owned(),
                    ));
                }
                Ok(HookResult::allow())
            })),
        );
    }
    s.kit.add_hook(
        HookSpec::new("after", HookTrigger::AfterBroadcast),
        Arc::new(FnHook(|_: &RoomEvent| {
            Err(HookError::new("side effect failed"))
        })),
    );
    let result = s.say("r", "sms", "+1", "hi").await;
    assert_eq!(
        result.delivery_results["email"].status,
        DeliveryStatus::Failed
    );
    eventually(|| errors.lock().unwrap().len() == 2).await;
    let mut seen = errors.lock().unwrap().clone();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("delivery_failed".to_owned(), "email".to_owned()),
            ("hook_error".to_owned(), "after".to_owned()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_detached_while_a_message_is_in_flight_does_not_receive_it() {
    use roomkit_kit::{IdentityResolver, IdentityResult, RoomContext};
    struct Held {
        entered: Arc<Gate>,
        release: Arc<Gate>,
    }
    #[async_trait::async_trait]
    impl IdentityResolver for Held {
        async fn resolve(
            &self,
            _: &InboundMessage,
            _: &str,
            _: &RoomContext,
        ) -> Result<IdentityResult, String> {
            self.entered.open();
            self.release.pass().await;
            Ok(IdentityResult::unknown())
        }
    }
    let (entered, release) = (Arc::new(Gate::closed()), Arc::new(Gate::closed()));
    let resolver = Arc::new(Held {
        entered: Arc::clone(&entered),
        release: Arc::clone(&release),
    });
    let s = crate::support::setup_with(|b| b.identity_resolver(resolver));
    s.transport("sms", "sms", text_caps());
    let email = s.transport("email", "email", text_caps());
    s.room("r", &["sms", "email"]).await;
    let kit = s.kit.clone();
    let pending = tokio::spawn(async move {
        kit.process_inbound(InboundMessage::text("sms", "+1", "in flight").in_room("r"))
            .await
            .unwrap()
    });
    // The pass has read the room's bindings and waits for its sender's identity.
    entered.pass().await;
    s.kit.detach_channel("r", "email").await.unwrap();
    release.open();
    let result = pending.await.unwrap();
    assert!(!result.blocked);
    assert!(!result.delivery_results.contains_key("email"));
    assert_eq!(
        email.calls(),
        0,
        "the detached channel received the message"
    );
}

#[tokio::test]
async fn an_inbound_only_binding_receives_nothing_and_an_outbound_only_binding_cannot_send() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let feed = s.transport("feed", "webhook", text_caps());
    let log = s.transport("log", "email", text_caps());
    s.room("r", &["sms"]).await;
    let attach = |direction| AttachOptions {
        direction,
        ..AttachOptions::default()
    };
    s.kit
        .attach_channel("r", "feed", attach(ChannelDirection::Inbound))
        .await
        .unwrap();
    s.kit
        .attach_channel("r", "log", attach(ChannelDirection::Outbound))
        .await
        .unwrap();
    let from_sms = s.say("r", "sms", "+1", "hello").await;
    assert!(!from_sms.blocked);
    assert_eq!(log.bodies(), ["hello"]);
    assert_eq!(
        feed.calls(),
        0,
        "an inbound-only binding receives no broadcast"
    );
    let from_feed = s.say("r", "feed", "sensor", "reading").await;
    assert!(!from_feed.blocked, "an inbound-only binding sends");
    let from_log = s.say("r", "log", "x", "reply").await;
    assert!(from_log.blocked);
    assert_eq!(from_log.reason.as_deref(), Some("source_outbound_only"));
    assert_eq!(
        without_records(
            s.kit
                .get_timeline("r", &EventQuery::oldest(20))
                .await
                .unwrap()
        )
        .iter()
        .map(body)
        .collect::<Vec<_>>(),
        ["hello", "reading"]
    );
    assert_eq!(feed.calls(), 0);
}
