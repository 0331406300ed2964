//! SPEC §2 step 15–16 and §3: transcoding, max_length, circuit breaker, retry, rate limit,
//! delivery results.

use std::sync::Arc;
use std::time::Duration;

use roomkit_kit::{AttachOptions, InboundMessage};
use roomkit_model::{
    ChannelCapabilities, Content, DeliveryStatus, EventStatus, FrameworkEventType, RateLimit,
    RetryPolicy,
};

use crate::support::{rich_caps, setup, text_caps};

/// Sends each content from a rich channel to a text-only one and returns what arrived.
async fn transcoded(contents: Vec<Content>) -> Vec<String> {
    let s = setup();
    s.transport("rich", "whatsapp", rich_caps());
    let sms = s.transport("sms", "sms", text_caps());
    s.room("r", &["rich", "sms"]).await;
    for content in contents {
        let result = s
            .kit
            .process_inbound(InboundMessage::new("rich", "u", content).in_room("r"))
            .await
            .unwrap();
        assert!(!result.blocked, "{:?}", result.reason);
    }
    sms.bodies()
}

fn media(caption: Option<&str>, filename: Option<&str>) -> Content {
    Content::Media {
        url: "https://x.io/a.png".into(),
        mime_type: "image/png".into(),
        filename: filename.map(Into::into),
        size_bytes: None,
        caption: caption.map(Into::into),
    }
}

#[tokio::test]
async fn transcoding_to_a_text_only_target_uses_the_exact_strings() {
    let bodies = transcoded(vec![
        Content::Rich {
            body: "**hi**".into(),
            format: roomkit_model::RichFormat::Markdown,
            plain_text: Some("hi".into()),
            buttons: vec![],
            quick_replies: vec![],
        },
        Content::Rich {
            body: "<b>no plain</b>".into(),
            format: roomkit_model::RichFormat::Html,
            plain_text: None,
            buttons: vec![],
            quick_replies: vec![],
        },
        media(Some("a cat"), Some("cat.png")),
        media(None, Some("cat.png")),
        media(None, None),
        Content::Audio {
            url: "https://x.io/v.ogg".into(),
            mime_type: "audio/ogg".into(),
            duration_seconds: None,
            transcript: Some("call me".into()),
        },
        Content::Audio {
            url: "https://x.io/v.ogg".into(),
            mime_type: "audio/ogg".into(),
            duration_seconds: None,
            transcript: None,
        },
        Content::Video {
            url: "https://x.io/v.mp4".into(),
            mime_type: "video/mp4".into(),
            duration_seconds: None,
            thumbnail_url: None,
        },
        Content::Location {
            latitude: 45.5,
            longitude: -73.6,
            label: Some("Office".into()),
            address: None,
        },
        Content::Location {
            latitude: 45.5,
            longitude: -73.6,
            label: None,
            address: None,
        },
        Content::Template {
            template_id: "t1".into(),
            language: "en".into(),
            parameters: Default::default(),
            body: Some("Your code is 1234".into()),
        },
        Content::Template {
            template_id: "t1".into(),
            language: "en".into(),
            parameters: Default::default(),
            body: None,
        },
        Content::Composite {
            parts: vec![Content::text("look"), media(Some("a cat"), None)],
        },
    ])
    .await;
    assert_eq!(
        bodies,
        vec![
            "hi",
            "<b>no plain</b>",
            "[Media: a cat]",
            "[Media: cat.png]",
            "[Media: https://x.io/a.png]",
            "call me",
            "[Voice message: https://x.io/v.ogg]",
            "[Video: https://x.io/v.mp4]",
            "[Location: Office (45.5, -73.6)]",
            "[Location: (45.5, -73.6)]",
            "Your code is 1234",
            "[Template: t1]",
            "look\n[Media: a cat]",
        ]
    );
}

#[tokio::test]
async fn a_target_that_renders_the_content_gets_it_unchanged() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let rich = s.transport("rich", "whatsapp", rich_caps());
    s.room("r", &["sms", "rich"]).await;
    s.say("r", "sms", "+1", "plain").await;
    assert_eq!(rich.sent()[0].content, Content::text("plain"));
}

#[tokio::test]
async fn max_length_cuts_to_max_length_minus_three_plus_dots() {
    let s = setup();
    s.transport("web", "websocket", text_caps());
    let sms = s.transport("sms", "sms", text_caps());
    s.room("r", &["web", "sms"]).await;
    s.kit
        .attach_channel(
            "r",
            "sms",
            AttachOptions {
                capabilities: Some(ChannelCapabilities {
                    max_length: Some(10),
                    ..text_caps()
                }),
                ..AttachOptions::default()
            },
        )
        .await
        .unwrap();
    s.say("r", "web", "u", "short").await;
    s.say("r", "web", "u", "exactly 10").await;
    s.say("r", "web", "u", "this is far too long").await;
    assert_eq!(sms.bodies(), vec!["short", "exactly 10", "this is..."]);
}

#[tokio::test]
async fn a_failed_target_is_recorded_while_the_event_stays_delivered() {
    let s = setup();
    s.transport("web", "websocket", text_caps());
    let ok = s.transport("ok", "email", text_caps());
    let bad = s.transport("bad", "email", text_caps());
    bad.fail_always(true);
    bad.permanent_failures();
    s.room("r", &["web", "ok", "bad"]).await;
    let mut partial = s.kit.on(Some(&[
        FrameworkEventType::BroadcastPartialFailure,
        FrameworkEventType::DeliveryFailed,
        FrameworkEventType::DeliverySucceeded,
    ]));
    let result = s.say("r", "web", "u", "hi").await;
    assert_eq!(
        result.delivery_results["ok"].status,
        DeliveryStatus::Delivered
    );
    assert_eq!(
        result.delivery_results["ok"].provider_message_id.as_deref(),
        Some("pm-1")
    );
    assert_eq!(
        result.delivery_results["bad"].status,
        DeliveryStatus::Failed
    );
    assert_eq!(
        result.delivery_results["bad"].error.as_deref(),
        Some("recipient rejected")
    );
    let stored = s
        .store
        .get_event(&result.event.unwrap().id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, EventStatus::Delivered);
    assert_eq!(
        stored.delivery_results["bad"].status,
        DeliveryStatus::Failed
    );
    let mut kinds = Vec::new();
    for _ in 0..3 {
        kinds.push(partial.recv().await.unwrap().event_type);
    }
    kinds.sort_by_key(|k| format!("{k:?}"));
    assert_eq!(
        kinds,
        vec![
            FrameworkEventType::BroadcastPartialFailure,
            FrameworkEventType::DeliveryFailed,
            FrameworkEventType::DeliverySucceeded
        ]
    );
    assert_eq!(ok.calls(), 1);
}

#[tokio::test]
async fn an_attached_channel_not_registered_here_is_an_unavailable_target() {
    let s = setup();
    s.transport("web", "websocket", text_caps());
    let gone = s.transport("gone", "email", text_caps());
    s.room("r", &["web", "gone"]).await;
    assert!(s.kit.unregister_channel("gone"));
    let result = s.say("r", "web", "u", "hi").await;
    assert_eq!(result.unavailable_targets, vec!["gone"]);
    assert_eq!(gone.calls(), 0);
}

#[tokio::test(start_paused = true)]
async fn retry_policy_retries_retryable_errors_with_backoff() {
    let s = setup();
    s.transport("web", "websocket", text_caps());
    let flaky = s.transport("flaky", "email", text_caps());
    s.room("r", &["web"]).await;
    s.kit
        .attach_channel(
            "r",
            "flaky",
            AttachOptions {
                retry_policy: Some(RetryPolicy {
                    max_retries: 3,
                    base_delay_seconds: 1.0,
                    max_delay_seconds: 10.0,
                    exponential_base: 2.0,
                    jitter: 0.0,
                }),
                ..AttachOptions::default()
            },
        )
        .await
        .unwrap();
    flaky.fail_next(2);
    let start = tokio::time::Instant::now();
    let result = s.say("r", "web", "u", "hi").await;
    assert_eq!(
        result.delivery_results["flaky"].status,
        DeliveryStatus::Delivered
    );
    assert_eq!(result.delivery_results["flaky"].attempts, 3);
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(3),
        "delays 1 s then 2 s"
    );
}

#[tokio::test(start_paused = true)]
async fn a_non_retryable_error_is_not_retried() {
    let s = setup();
    s.transport("web", "websocket", text_caps());
    let bad = s.transport("bad", "email", text_caps());
    s.room("r", &["web"]).await;
    s.kit
        .attach_channel(
            "r",
            "bad",
            AttachOptions {
                retry_policy: Some(RetryPolicy::default()),
                ..AttachOptions::default()
            },
        )
        .await
        .unwrap();
    bad.fail_next(1);
    bad.permanent_failures();
    let result = s.say("r", "web", "u", "hi").await;
    assert_eq!(result.delivery_results["bad"].attempts, 1);
    assert_eq!(bad.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn circuit_breaker_opens_after_five_failures_probes_after_sixty_seconds_and_closes() {
    let s = setup();
    s.transport("web", "websocket", text_caps());
    let sms = s.transport("sms", "sms", text_caps());
    s.room("r", &["web", "sms"]).await;
    let mut breaker_events = s.kit.on(Some(&[
        FrameworkEventType::CircuitBreakerOpened,
        FrameworkEventType::CircuitBreakerClosed,
    ]));
    sms.fail_always(true);
    for n in 0..5 {
        let result = s.say("r", "web", "u", &format!("m{n}")).await;
        assert_eq!(
            result.delivery_results["sms"].error.as_deref(),
            Some("provider unavailable")
        );
    }
    let opened = breaker_events.recv().await.unwrap();
    assert_eq!(opened.event_type, FrameworkEventType::CircuitBreakerOpened);
    assert_eq!(opened.channel_id.as_deref(), Some("sms"));
    let refused = s.say("r", "web", "u", "while open").await;
    assert_eq!(
        refused.delivery_results["sms"].error.as_deref(),
        Some("circuit_breaker_open")
    );
    assert_eq!(sms.calls(), 5, "an open breaker does not call the provider");

    sms.fail_always(false);
    tokio::time::advance(Duration::from_secs(61)).await;
    let probe = s.say("r", "web", "u", "probe").await;
    assert_eq!(
        probe.delivery_results["sms"].status,
        DeliveryStatus::Delivered
    );
    let closed = breaker_events.recv().await.unwrap();
    assert_eq!(closed.event_type, FrameworkEventType::CircuitBreakerClosed);
    assert_eq!(sms.bodies(), vec!["probe"]);
}

#[tokio::test(start_paused = true)]
async fn rate_limit_waits_and_never_drops() {
    let s = setup();
    s.transport("web", "websocket", text_caps());
    let sms = s.transport("sms", "sms", text_caps());
    s.room("r", &["web"]).await;
    s.kit
        .attach_channel(
            "r",
            "sms",
            AttachOptions {
                rate_limit: Some(RateLimit {
                    max_per_second: Some(2.0),
                    ..RateLimit::default()
                }),
                ..AttachOptions::default()
            },
        )
        .await
        .unwrap();
    let start = tokio::time::Instant::now();
    for n in 0..6 {
        s.say("r", "web", "u", &format!("m{n}")).await;
    }
    assert_eq!(sms.bodies(), vec!["m0", "m1", "m2", "m3", "m4", "m5"]);
    // The bucket starts full (2), then refills at 2 per second: 4 more take 2 s.
    assert_eq!(start.elapsed(), Duration::from_secs(2));
}

#[tokio::test]
async fn content_a_target_cannot_render_fails_with_transcoding_failed() {
    let s = setup();
    s.transport("rich", "whatsapp", rich_caps());
    let gallery = s.transport("gallery", "photos", text_caps());
    s.room("r", &["rich"]).await;
    s.kit
        .attach_channel(
            "r",
            "gallery",
            AttachOptions {
                capabilities: Some(ChannelCapabilities {
                    media_types: vec!["media".into()],
                    ..text_caps()
                }),
                ..AttachOptions::default()
            },
        )
        .await
        .unwrap();
    let location = Content::Location {
        latitude: 1.0,
        longitude: 2.0,
        label: None,
        address: None,
    };
    let result = s
        .kit
        .process_inbound(InboundMessage::new("rich", "u", location).in_room("r"))
        .await
        .unwrap();
    let outcome = &result.delivery_results["gallery"];
    assert_eq!(outcome.status, DeliveryStatus::Failed);
    assert!(
        outcome
            .error
            .as_deref()
            .unwrap()
            .starts_with("transcoding_failed")
    );
    assert_eq!(gallery.calls(), 0);
}

#[tokio::test]
async fn every_processed_event_is_announced_with_event_processed() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.transport("email", "email", text_caps());
    s.room("r", &["sms", "email"]).await;
    let mut processed = s.kit.on(Some(&[FrameworkEventType::EventProcessed]));
    let event = s.say("r", "sms", "+1", "hi").await.event.unwrap();
    let notice = processed.recv().await.unwrap();
    assert_eq!(notice.event_id.as_deref(), Some(event.id.as_str()));
    assert_eq!(notice.room_id.as_deref(), Some("r"));
}

#[tokio::test]
async fn a_caller_that_stops_waiting_does_not_cut_the_pass_short() {
    let s = setup();
    s.transport("web", "websocket", text_caps());
    let sms = s.transport("sms", "sms", text_caps());
    s.room("r", &["web", "sms"]).await;
    sms.gate().close();
    // The caller gives up (an HTTP client hanging up) while the delivery is held.
    let gave_up = tokio::time::timeout(
        Duration::from_millis(20),
        s.kit
            .process_inbound(InboundMessage::text("web", "u", "still delivered").in_room("r")),
    )
    .await;
    assert!(
        gave_up.is_err(),
        "the delivery should have outlasted the caller"
    );
    sms.gate().open();
    crate::support::eventually(|| sms.bodies() == ["still delivered"]).await;
    let store = Arc::clone(s.kit.store());
    let delivered = || async {
        let events = store
            .list_events("r", &roomkit_store::EventQuery::oldest(10))
            .await
            .unwrap();
        let messages: Vec<_> = events
            .iter()
            .filter(|e| e.event_type == roomkit_model::EventType::Message)
            .collect();
        messages.len() == 1 && messages[0].status == EventStatus::Delivered
    };
    for _ in 0..6_000 {
        if delivered().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the message was not recorded delivered");
}

#[tokio::test]
async fn until_commit_answers_with_the_stored_event_while_its_delivery_is_held() {
    let s = setup();
    s.transport("web", "websocket", text_caps());
    let sms = s.transport("sms", "sms", text_caps());
    s.room("r", &["web", "sms"]).await;
    sms.gate().close();
    // Answered while the delivery waits at the closed gate: no timeout needed, the call
    // returning at all shows it did not wait for the delivery.
    let result = s
        .kit
        .process_inbound_until_commit(InboundMessage::text("web", "u", "acked early").in_room("r"))
        .await
        .unwrap();
    assert!(result.delivery_pending);
    assert!(!result.blocked);
    assert!(result.delivery_results.is_empty());
    let event = result.event.unwrap();
    let stored = s.kit.store().get_event(&event.id).await.unwrap().unwrap();
    assert_eq!(stored.content, Content::text("acked early"));
    assert!(sms.bodies().is_empty(), "not delivered yet");
    sms.gate().open();
    crate::support::eventually(|| sms.bodies() == ["acked early"]).await;
}

#[tokio::test]
async fn until_commit_answers_blocked_and_duplicate_messages_as_process_inbound_does() {
    let s = setup();
    s.transport("web", "websocket", text_caps());
    s.transport("sms", "sms", text_caps());
    s.room("r", &["web", "sms"]).await;
    let message = InboundMessage::text("web", "u", "once")
        .in_room("r")
        .with_idempotency_key("k");
    let first = s
        .kit
        .process_inbound_until_commit(message.clone())
        .await
        .unwrap();
    // With nothing to wait for, the delivery may already be done when the commit is seen: the
    // full result then comes back, as from `process_inbound`.
    assert!(!first.blocked);
    let again = s.kit.process_inbound_until_commit(message).await.unwrap();
    assert!(again.duplicate);
    assert!(!again.delivery_pending);
    assert_eq!(again.event.unwrap().id, first.event.unwrap().id);
    // A closed room stores nothing and says so.
    s.kit.close_room("r").await.unwrap();
    let refused = s
        .kit
        .process_inbound_until_commit(InboundMessage::text("web", "u", "late").in_room("r"))
        .await
        .unwrap();
    assert!(refused.blocked);
    assert!(!refused.delivery_pending);
}

#[tokio::test]
async fn a_channel_retry_policy_applies_to_bindings_without_their_own() {
    let s = setup();
    s.transport("web", "websocket", text_caps());
    let sms = Arc::new(roomkit_kit::testing::RecordingProvider::default());
    let policy = RetryPolicy {
        max_retries: 2,
        base_delay_seconds: 0.0,
        max_delay_seconds: 0.0,
        exponential_base: 2.0,
        jitter: 0.0,
    };
    s.kit
        .register_channel(Arc::new(
            roomkit_kit::TransportChannel::new("sms", "sms", text_caps(), sms.clone())
                .with_retry_policy(Some(policy)),
        ))
        .unwrap();
    s.room("r", &["web", "sms"]).await;
    sms.fail_next(2);
    let result = s.say("r", "web", "u", "third time lucky").await;
    let delivered = &result.delivery_results["sms"];
    assert_eq!(delivered.status, DeliveryStatus::Delivered);
    assert_eq!(delivered.attempts, 3);
    // A binding's own policy wins: none retried.
    s.kit.detach_channel("r", "sms").await.unwrap();
    s.kit
        .attach_channel(
            "r",
            "sms",
            AttachOptions {
                retry_policy: Some(RetryPolicy {
                    max_retries: 0,
                    ..RetryPolicy::default()
                }),
                ..AttachOptions::default()
            },
        )
        .await
        .unwrap();
    sms.fail_next(1);
    let result = s.say("r", "web", "u", "once only").await;
    assert_eq!(
        result.delivery_results["sms"].status,
        DeliveryStatus::Failed
    );
    assert_eq!(result.delivery_results["sms"].attempts, 1);
}

#[tokio::test]
async fn past_the_bound_on_background_passes_until_commit_waits_for_the_whole_pass() {
    let s = crate::support::setup_with(|b| {
        b.config(roomkit_kit::KitConfig {
            max_background_passes: 1,
            ..roomkit_kit::KitConfig::default()
        })
    });
    s.transport("web", "websocket", text_caps());
    let sms = s.transport("sms", "sms", text_caps());
    s.room("r", &["web", "sms"]).await;
    sms.gate().close();
    let first = s
        .kit
        .process_inbound_until_commit(InboundMessage::text("web", "u", "one").in_room("r"))
        .await
        .unwrap();
    assert!(first.delivery_pending, "the one permit");
    // The second cannot be answered early: it waits for its delivery, which waits behind the
    // gate; opening the gate lets both finish.
    let kit = s.kit.clone();
    let second = tokio::spawn(async move {
        kit.process_inbound_until_commit(InboundMessage::text("web", "u", "two").in_room("r"))
            .await
            .unwrap()
    });
    sms.gate().open();
    let second = second.await.unwrap();
    assert!(!second.delivery_pending, "answered after its delivery");
    assert_eq!(
        second.delivery_results["sms"].status,
        DeliveryStatus::Delivered
    );
    crate::support::eventually(|| sms.bodies() == ["one", "two"]).await;
}
