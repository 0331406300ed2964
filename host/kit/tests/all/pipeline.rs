//! SPEC §2 steps and §3 rules of the inbound pipeline: routing, idempotency, gates, commit.

use std::time::Duration;

use roomkit_kit::{
    AttachOptions, Error, HookResult, HookSpec, HookTrigger, InboundMessage, KitConfig,
    NewRoomChannel,
};
use roomkit_model::{
    Access, Content, DeleteType, EventStatus, FrameworkEventType, RateLimit, Visibility,
};
use roomkit_store::{EventQuery, RoomFilter};

use crate::support::{FnHook, SlowHook, setup, setup_with, text_caps, without_records};

#[tokio::test]
async fn unknown_channel_is_channel_not_registered() {
    let s = setup();
    let err = s
        .kit
        .process_inbound(InboundMessage::text("nope", "u", "hi"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ChannelNotRegistered(ref id) if id == "nope"),
        "{err}"
    );
    assert!(err.to_string().starts_with("channel_not_registered"));
    assert!(
        s.store
            .list_rooms(&RoomFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_message_without_a_room_creates_one_with_the_sender_as_correspondent() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let result = s
        .kit
        .process_inbound(InboundMessage::text("sms", "+1555", "hi"))
        .await
        .unwrap();
    let event = result.event.unwrap();
    assert_eq!(event.index, 1, "after the sender's channel_attached record");
    let binding = s.kit.get_binding(&event.room_id, "sms").await.unwrap();
    assert_eq!(binding.participant_id.as_deref(), Some("+1555"));
    assert_eq!(
        s.store
            .list_rooms(&RoomFilter::default())
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_routed_new_room_gets_the_configured_new_room_channels_before_delivery() {
    let s = setup_with(|b| {
        b.config(KitConfig {
            new_room_channels: vec![
                NewRoomChannel {
                    channel_id: "agents".into(),
                    options: AttachOptions {
                        access: Access::ReadOnly,
                        ..AttachOptions::default()
                    },
                },
                // The sender's own channel is not attached twice.
                NewRoomChannel {
                    channel_id: "sms".into(),
                    options: AttachOptions::default(),
                },
            ],
            ..KitConfig::default()
        })
    });
    s.transport("sms", "sms", text_caps());
    let agents = s.transport("agents", "websocket", text_caps());
    let event = s
        .kit
        .process_inbound(InboundMessage::text("sms", "+1555", "hi"))
        .await
        .unwrap()
        .event
        .unwrap();
    let bindings = s.kit.list_bindings(&event.room_id).await.unwrap();
    let ids: Vec<&str> = bindings.iter().map(|b| b.channel_id.as_str()).collect();
    assert_eq!(ids, ["agents", "sms"]);
    assert_eq!(bindings[0].access, Access::ReadOnly);
    assert_eq!(bindings[1].participant_id.as_deref(), Some("+1555"));
    // The first message already reaches the channel attached with the room.
    crate::support::eventually(|| agents.bodies() == ["hi"]).await;
    // Explicitly created rooms are left alone.
    s.room("manual", &["sms"]).await;
    assert_eq!(s.kit.list_bindings("manual").await.unwrap().len(), 1);
}

#[tokio::test]
async fn default_routing_returns_to_the_senders_newest_room() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let first = s
        .kit
        .process_inbound(InboundMessage::text("sms", "+1555", "one"))
        .await
        .unwrap();
    let second = s
        .kit
        .process_inbound(InboundMessage::text("sms", "+1555", "two"))
        .await
        .unwrap();
    let other = s
        .kit
        .process_inbound(InboundMessage::text("sms", "+1999", "other sender"))
        .await
        .unwrap();
    let room = first.event.unwrap().room_id;
    assert_eq!(second.event.as_ref().unwrap().room_id, room);
    assert_eq!(second.event.unwrap().index, 2);
    assert_ne!(other.event.unwrap().room_id, room);
}

#[tokio::test]
async fn default_routing_uses_the_only_open_room_bound_to_the_channel() {
    let s = setup();
    s.transport("web", "websocket", text_caps());
    s.room("lobby", &["web"]).await;
    let result = s
        .kit
        .process_inbound(InboundMessage::text("web", "anyone", "hi"))
        .await
        .unwrap();
    assert_eq!(result.event.unwrap().room_id, "lobby");
}

#[tokio::test]
async fn default_routing_with_several_candidate_rooms_does_not_guess() {
    let s = setup();
    s.transport("web", "websocket", text_caps());
    s.room("a", &["web"]).await;
    s.room("b", &["web"]).await;
    let result = s
        .kit
        .process_inbound(InboundMessage::text("web", "anyone", "hi"))
        .await
        .unwrap();
    let room = result.event.unwrap().room_id;
    assert!(room != "a" && room != "b");
    assert_eq!(
        s.store
            .list_rooms(&RoomFilter::default())
            .await
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn explicit_missing_room_is_created_with_that_id_and_the_channel_attached() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let result = s.say("case-42", "sms", "+1", "hello").await;
    assert_eq!(result.event.unwrap().room_id, "case-42");
    assert!(s.kit.get_binding("case-42", "sms").await.is_ok());
}

#[tokio::test]
async fn a_channel_bound_elsewhere_is_auto_attached_to_an_explicit_room() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.room("elsewhere", &["sms"]).await;
    s.room("target", &[]).await;
    let result = s.say("target", "sms", "+1", "hi").await;
    assert!(!result.blocked);
    assert!(s.kit.get_binding("target", "sms").await.is_ok());
}

#[tokio::test]
async fn an_explicitly_detached_channel_is_blocked_source_unbound() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    s.kit.detach_channel("r", "sms").await.unwrap();
    // channel_attached and channel_detached records come first.
    let result = s.say("r", "sms", "+1", "still here?").await;
    assert!(result.blocked);
    assert_eq!(result.reason.as_deref(), Some("source_unbound"));
    let event = result.event.unwrap();
    assert_eq!(event.status, EventStatus::Blocked);
    assert_eq!(event.index, 2, "a blocked event is committed");
    assert!(
        s.kit.get_binding("r", "sms").await.is_err(),
        "not re-attached"
    );
}

#[tokio::test]
async fn duplicate_replay_returns_the_original_and_delivers_nothing() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let email = s.transport("email", "email", text_caps());
    let records = s.room("r", &["sms", "email"]).await;
    let message = InboundMessage::text("sms", "+1", "hi")
        .in_room("r")
        .with_idempotency_key("k1");
    let first = s.kit.process_inbound(message.clone()).await.unwrap();
    let again = s.kit.process_inbound(message).await.unwrap();
    assert!(!first.duplicate);
    assert!(again.duplicate);
    assert!(!again.blocked);
    assert_eq!(again.event.unwrap().id, first.event.unwrap().id);
    assert_eq!(email.calls(), 1);
    assert_eq!(s.kit.get_room("r").await.unwrap().event_count, records + 1);
}

#[tokio::test]
async fn duplicate_of_a_blocked_event_is_reported_blocked() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    s.kit.add_hook(
        HookSpec::new("no", HookTrigger::BeforeBroadcast),
        std::sync::Arc::new(FnHook(|_: &roomkit_model::RoomEvent| {
            Ok(HookResult::block("nope"))
        })),
    );
    let message = InboundMessage::text("sms", "+1", "x")
        .in_room("r")
        .with_idempotency_key("k");
    s.kit.process_inbound(message.clone()).await.unwrap();
    let again = s.kit.process_inbound(message).await.unwrap();
    assert!(again.duplicate && again.blocked);
    assert_eq!(again.reason.as_deref(), Some("nope"));
    assert_eq!(again.event.unwrap().blocked_by.as_deref(), Some("no"));
}

#[tokio::test]
async fn blocked_event_consumes_an_index_and_is_not_activity() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let email = s.transport("email", "email", text_caps());
    let first = s.room("r", &["sms", "email"]).await;
    s.kit.add_hook(
        HookSpec::new("filter", HookTrigger::BeforeBroadcast),
        std::sync::Arc::new(FnHook(|e: &roomkit_model::RoomEvent| {
            Ok(match &e.content {
                Content::Text { body, .. } if body.contains("spam") => HookResult::block("spam"),
                _ => HookResult::allow(),
            })
        })),
    );
    let mut blocked_events = s.kit.on(Some(&[FrameworkEventType::EventBlocked]));
    let ok = s.say("r", "sms", "+1", "hello").await;
    let activity = s.kit.get_room("r").await.unwrap().timers.last_activity_at;
    let spam = s.say("r", "sms", "+1", "spam spam").await;
    let after = s.say("r", "sms", "+1", "bye").await;
    assert_eq!(ok.event.unwrap().index, first);
    let spam_event = spam.event.unwrap();
    assert_eq!(spam_event.index, first + 1);
    assert_eq!(spam_event.blocked_by.as_deref(), Some("filter"));
    assert_eq!(after.event.unwrap().index, first + 2);
    assert_eq!(email.bodies(), vec!["hello", "bye"]);
    let notice = blocked_events.recv().await.unwrap();
    assert_eq!(notice.event_id.as_deref(), Some(spam_event.id.as_str()));
    let room = s.kit.get_room("r").await.unwrap();
    assert_eq!(room.event_count, first + 3);
    assert!(room.timers.last_activity_at > activity);
    let timeline = without_records(
        s.kit
            .get_timeline("r", &EventQuery::oldest(10))
            .await
            .unwrap(),
    );
    assert_eq!(timeline.len(), 2, "blocked events stay out of the timeline");
}

#[tokio::test]
async fn closed_room_stores_nothing_and_reports_room_refused_event() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let records = s.room("r", &["sms"]).await;
    s.kit.close_room("r").await.unwrap();
    let mut refused = s.kit.on(Some(&[FrameworkEventType::RoomRefusedEvent]));
    let result = s.say("r", "sms", "+1", "hello?").await;
    assert!(result.blocked && result.event.is_none());
    assert_eq!(result.reason.as_deref(), Some("room_closed"));
    assert_eq!(s.kit.get_room("r").await.unwrap().event_count, records);
    assert_eq!(refused.recv().await.unwrap().data["reason"], "room_closed");
}

#[tokio::test]
async fn read_only_source_is_blocked_source_read_only() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    s.kit
        .set_access("r", "sms", Access::ReadOnly)
        .await
        .unwrap();
    let result = s.say("r", "sms", "+1", "x").await;
    assert_eq!(result.reason.as_deref(), Some("source_read_only"));
    // After channel_attached and the channel_updated record of the access change.
    assert_eq!(result.event.unwrap().index, 2);
}

#[tokio::test]
async fn muted_source_is_blocked_but_a_muted_target_still_receives() {
    let s = setup();
    let sms = s.transport("sms", "sms", text_caps());
    s.transport("email", "email", text_caps());
    s.room("r", &["sms", "email"]).await;
    s.kit.mute("r", "sms").await.unwrap();
    let muted_says = s.say("r", "sms", "+1", "can you hear me").await;
    assert_eq!(muted_says.reason.as_deref(), Some("source_muted"));
    let other_says = s.say("r", "email", "a@b.c", "yes").await;
    assert!(!other_says.blocked);
    assert_eq!(sms.bodies(), vec!["yes"], "muted transport still receives");
}

#[tokio::test]
async fn write_only_and_none_targets_and_the_source_receive_nothing() {
    let s = setup();
    let sms = s.transport("sms", "sms", text_caps());
    let wo = s.transport("wo", "email", text_caps());
    let none = s.transport("none", "email", text_caps());
    let reader = s.transport("reader", "email", text_caps());
    s.room("r", &["sms", "wo", "none", "reader"]).await;
    s.kit
        .set_access("r", "wo", Access::WriteOnly)
        .await
        .unwrap();
    s.kit.set_access("r", "none", Access::None).await.unwrap();
    let result = s.say("r", "sms", "+1", "x").await;
    assert_eq!(
        result.delivery_results.keys().collect::<Vec<_>>(),
        vec!["reader"]
    );
    assert_eq!(
        (sms.calls(), wo.calls(), none.calls(), reader.calls()),
        (0, 0, 0, 1)
    );
}

#[tokio::test]
async fn visibility_of_the_event_is_intersected_with_the_source_binding() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let a = s.transport("a", "email", text_caps());
    let b = s.transport("b", "email", text_caps());
    s.room("r", &["sms", "a", "b"]).await;
    s.kit
        .set_visibility("r", "sms", "a,b".parse().unwrap())
        .await
        .unwrap();
    let mut message = InboundMessage::text("sms", "+1", "only for b").in_room("r");
    message.visibility = Some("b,c".parse().unwrap());
    let result = s.kit.process_inbound(message).await.unwrap();
    assert_eq!(
        result.event.unwrap().visibility,
        Visibility::channels(["b"])
    );
    assert_eq!((a.calls(), b.calls()), (0, 1));
}

#[tokio::test]
async fn internal_visibility_is_refused_on_inbound_messages_and_bindings() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    let mut message = InboundMessage::text("sms", "+1", "x").in_room("r");
    message.visibility = Some(Visibility::Internal);
    assert!(matches!(
        s.kit.process_inbound(message).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        s.kit.set_visibility("r", "sms", Visibility::Internal).await,
        Err(Error::Invalid(_))
    ));
    assert_eq!(
        s.kit.get_room("r").await.unwrap().event_count,
        1,
        "only the attach"
    );
}

#[tokio::test]
async fn process_timeout_blocks_and_stores_nothing() {
    let s = setup_with(|b| {
        b.config(KitConfig {
            process_timeout: Duration::from_millis(50),
            ..KitConfig::default()
        })
    });
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    s.kit.add_hook(
        HookSpec::new("slow", HookTrigger::BeforeBroadcast),
        std::sync::Arc::new(SlowHook(Duration::from_secs(5))),
    );
    let mut timeouts = s.kit.on(Some(&[FrameworkEventType::ProcessTimeout]));
    let result = s.say("r", "sms", "+1", "x").await;
    assert_eq!(result.reason.as_deref(), Some("process_timeout"));
    assert!(result.event.is_none());
    assert_eq!(
        s.kit.get_room("r").await.unwrap().event_count,
        1,
        "only the attach"
    );
    assert!(timeouts.recv().await.is_some());
}

#[tokio::test]
async fn inbound_rate_limit_blocks_rate_limited_per_channel() {
    let s = setup_with(|b| {
        b.config(KitConfig {
            inbound_rate_limit: Some(RateLimit {
                max_per_minute: Some(2.0),
                ..RateLimit::default()
            }),
            ..KitConfig::default()
        })
    });
    s.transport("sms", "sms", text_caps());
    s.transport("email", "email", text_caps());
    s.room("r", &["sms", "email"]).await;
    let reasons: Vec<Option<String>> = {
        let mut out = Vec::new();
        for _ in 0..3 {
            out.push(s.say("r", "sms", "+1", "x").await.reason);
        }
        out
    };
    assert_eq!(reasons, vec![None, None, Some("rate_limited".to_owned())]);
    assert!(!s.say("r", "email", "a@b", "other channel").await.blocked);
    assert_eq!(s.kit.get_room("r").await.unwrap().event_count, 2 + 3);
}

#[tokio::test]
async fn edit_by_the_original_author_marks_the_target_edited() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let email = s.transport("email", "email", text_caps());
    s.room("r", &["sms", "email"]).await;
    let original = s.say("r", "sms", "+1", "helo").await.event.unwrap();
    let edit = Content::Edit {
        target_event_id: original.id.clone(),
        new_content: Box::new(Content::text("hello")),
    };
    let result = s
        .kit
        .process_inbound(InboundMessage::new("sms", "+1", edit).in_room("r"))
        .await
        .unwrap();
    assert!(!result.blocked, "{:?}", result.reason);
    assert_eq!(
        result.event.unwrap().event_type,
        roomkit_model::EventType::Edit
    );
    let target = s.store.get_event(&original.id).await.unwrap().unwrap();
    assert_eq!(target.metadata["edited"], true);
    assert_eq!(email.bodies(), vec!["helo", "Correction: hello"]);
}

#[tokio::test]
async fn edit_by_someone_else_is_not_original_author() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    let original = s.say("r", "sms", "+1", "mine").await.event.unwrap();
    let edit = Content::Edit {
        target_event_id: original.id.clone(),
        new_content: Box::new(Content::text("yours")),
    };
    let result = s
        .kit
        .process_inbound(InboundMessage::new("sms", "+2", edit).in_room("r"))
        .await
        .unwrap();
    assert_eq!(result.reason.as_deref(), Some("not_original_author"));
    let target = s.store.get_event(&original.id).await.unwrap().unwrap();
    assert!(!target.metadata.contains_key("edited"));
}

#[tokio::test]
async fn delete_marks_the_target_and_a_second_delete_finds_no_target() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let email = s.transport("email", "email", text_caps());
    s.room("r", &["sms", "email"]).await;
    let original = s.say("r", "sms", "+1", "oops").await.event.unwrap();
    let delete = Content::Delete {
        target_event_id: original.id.clone(),
        delete_type: DeleteType::Sender,
        reason: None,
    };
    let first = s
        .kit
        .process_inbound(InboundMessage::new("sms", "+1", delete.clone()).in_room("r"))
        .await
        .unwrap();
    assert!(!first.blocked);
    assert_eq!(
        s.store
            .get_event(&original.id)
            .await
            .unwrap()
            .unwrap()
            .metadata["deleted"],
        true
    );
    let second = s
        .kit
        .process_inbound(InboundMessage::new("sms", "+1", delete).in_room("r"))
        .await
        .unwrap();
    assert_eq!(second.reason.as_deref(), Some("target_event_not_found"));
    assert_eq!(email.bodies(), vec!["oops", "[Message deleted]"]);
}

#[tokio::test]
async fn edit_of_a_missing_or_blocked_target_is_target_event_not_found() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    let edit = Content::Edit {
        target_event_id: "missing".into(),
        new_content: Box::new(Content::text("x")),
    };
    let result = s
        .kit
        .process_inbound(InboundMessage::new("sms", "+1", edit).in_room("r"))
        .await
        .unwrap();
    assert_eq!(result.reason.as_deref(), Some("target_event_not_found"));
}

#[tokio::test]
async fn thread_parent_is_normalised_to_the_root_and_unknown_parents_to_top_level() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    let root = s.say("r", "sms", "+1", "root").await.event.unwrap();
    let mut reply = InboundMessage::text("sms", "+1", "reply").in_room("r");
    reply.parent_event_id = Some(root.id.clone());
    let reply = s.kit.process_inbound(reply).await.unwrap().event.unwrap();
    let mut nested = InboundMessage::text("sms", "+1", "reply to reply").in_room("r");
    nested.parent_event_id = Some(reply.id.clone());
    let nested = s.kit.process_inbound(nested).await.unwrap().event.unwrap();
    let mut orphan = InboundMessage::text("sms", "+1", "orphan").in_room("r");
    orphan.parent_event_id = Some("unknown".into());
    let orphan = s.kit.process_inbound(orphan).await.unwrap().event.unwrap();
    assert_eq!(reply.parent_event_id.as_deref(), Some(root.id.as_str()));
    assert_eq!(nested.parent_event_id.as_deref(), Some(root.id.as_str()));
    assert_eq!(orphan.parent_event_id, None);
}

#[tokio::test]
async fn read_marker_is_a_high_water_mark_and_unread_counts_what_follows() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.transport("agent", "websocket", text_caps());
    s.room("r", &["sms", "agent"]).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(
            s.say("r", "sms", "+1", &format!("m{n}"))
                .await
                .event
                .unwrap()
                .id,
        );
    }
    assert_eq!(s.kit.unread_count("r", "agent").await.unwrap(), 5);
    // Two channel_attached records took indexes 0 and 1.
    assert_eq!(s.kit.mark_read("r", "agent", &ids[2]).await.unwrap(), 4);
    assert_eq!(s.kit.unread_count("r", "agent").await.unwrap(), 2);
    assert_eq!(
        s.kit.mark_read("r", "agent", &ids[0]).await.unwrap(),
        4,
        "never moves back"
    );
    assert_eq!(s.kit.mark_all_read("r", "agent").await.unwrap(), Some(6));
    assert_eq!(s.kit.unread_count("r", "agent").await.unwrap(), 0);
}

#[tokio::test]
async fn send_event_from_an_attached_channel_goes_through_the_same_pass() {
    let s = setup();
    let sms = s.transport("sms", "sms", text_caps());
    s.transport("agent", "websocket", text_caps());
    s.room("r", &["sms", "agent"]).await;
    let result = s
        .kit
        .send_event(
            "r",
            "agent",
            Content::text("How can I help?"),
            Default::default(),
        )
        .await
        .unwrap();
    let event = result.event.unwrap();
    assert_eq!(event.source.direction, roomkit_model::Direction::Outbound);
    assert_eq!(event.status, EventStatus::Delivered);
    assert_eq!(sms.bodies(), vec!["How can I help?"]);
    let unattached = s
        .kit
        .send_event("r", "sms2", Content::text("x"), Default::default())
        .await;
    assert!(matches!(unattached, Err(Error::ChannelNotRegistered(_))));
    s.transport("loose", "email", text_caps());
    let unbound = s
        .kit
        .send_event("r", "loose", Content::text("x"), Default::default())
        .await
        .unwrap();
    assert_eq!(unbound.reason.as_deref(), Some("source_unbound"));
    let _ = AttachOptions::default();
}

#[tokio::test]
async fn a_source_with_access_none_is_blocked_source_read_only() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    s.kit.set_access("r", "sms", Access::None).await.unwrap();
    assert_eq!(
        s.say("r", "sms", "+1", "x").await.reason.as_deref(),
        Some("source_read_only")
    );
}

#[tokio::test]
async fn the_room_context_offers_a_bounded_window_of_recent_events() {
    let s = setup_with(|b| {
        b.config(KitConfig {
            context_events: 3,
            ..KitConfig::default()
        })
    });
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    struct History(std::sync::Arc<std::sync::Mutex<Vec<usize>>>);
    #[async_trait::async_trait]
    impl roomkit_kit::Hook for History {
        async fn handle(
            &self,
            _: HookTrigger,
            _: &roomkit_model::RoomEvent,
            ctx: &roomkit_kit::RoomContext,
        ) -> Result<HookResult, roomkit_kit::HookError> {
            let recent = ctx
                .recent_events()
                .await
                .map_err(|e| roomkit_kit::HookError::new(e.to_string()))?;
            self.0.lock().unwrap().push(recent.len());
            Ok(HookResult::allow())
        }
    }
    s.kit.add_hook(
        HookSpec::new("history", HookTrigger::BeforeBroadcast),
        std::sync::Arc::new(History(seen.clone())),
    );
    for n in 0..6 {
        s.say("r", "sms", "+1", &format!("m{n}")).await;
    }
    // The channel_attached record is the first of the room's events.
    assert_eq!(*seen.lock().unwrap(), vec![1, 2, 3, 3, 3, 3]);
}

#[tokio::test]
async fn the_chain_depth_of_a_message_is_kept_and_limits_its_answers() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let provider = std::sync::Arc::new(roomkit_kit::MockAiProvider::new(["answer"]));
    s.kit
        .register_channel(std::sync::Arc::new(roomkit_kit::AiChannel::new(
            "bot",
            provider.clone(),
        )))
        .unwrap();
    s.room("r", &["sms", "bot"]).await;
    let mut message = InboundMessage::text("sms", "automation", "from another bot").in_room("r");
    message.chain_depth = 4;
    let result = s.kit.process_inbound(message).await.unwrap();
    assert_eq!(result.event.unwrap().chain_depth, 4);
    assert!(result.response_events.is_empty());
    assert!(
        provider.calls().is_empty(),
        "4 + 1 >= 5: the bot is not asked"
    );
}

#[tokio::test]
async fn an_sms_with_media_is_stored_as_an_mms_and_a_text_stays_an_sms() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.transport("email", "email", text_caps());
    s.room("r", &["sms", "email"]).await;
    let photo = Content::Media {
        url: "https://media.example.com/p.jpg".into(),
        mime_type: "image/jpeg".into(),
        filename: None,
        size_bytes: None,
        caption: Some("look".into()),
    };
    let with_caption = Content::Composite {
        parts: vec![Content::text("see this"), photo.clone()],
    };
    for (channel, content, expected) in [
        ("sms", photo.clone(), "mms"),
        ("sms", with_caption, "mms"),
        ("sms", Content::text("plain"), "sms"),
        ("email", photo, "email"),
    ] {
        let mut message = InboundMessage::text(channel, "+1", "x").in_room("r");
        message.content = content;
        let event = s.kit.process_inbound(message).await.unwrap().event.unwrap();
        assert_eq!(event.source.channel_type, expected, "{channel}");
    }
}
