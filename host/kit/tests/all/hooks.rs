//! Hooks: priority, block, modify, failures and their policy, side effects, injection,
//! per-room hooks, filters, and the fourteen triggers.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use roomkit_kit::{
    HookError, HookFilter, HookResult, HookSpec, HookTrigger, InboundMessage, InjectedEvent,
};
use roomkit_model::{
    Content, Direction, FrameworkEventType, Observation, RoomEvent, Task, TaskStatus, Visibility,
};
use roomkit_store::EventQuery;

use crate::support::{FnHook, SlowHook, TriggerLog, eventually, setup, text_caps, without_records};

fn body(event: &RoomEvent) -> String {
    match &event.content {
        Content::Text { body, .. } => body.clone(),
        _ => String::new(),
    }
}

#[tokio::test]
async fn before_broadcast_hooks_run_in_priority_order_lower_first() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    let order = Arc::new(Mutex::new(Vec::new()));
    for (name, priority) in [("c", 30), ("a", -5), ("b", 10)] {
        let order = Arc::clone(&order);
        s.kit.add_hook(
            HookSpec::new(name, HookTrigger::BeforeBroadcast).priority(priority),
            Arc::new(FnHook(move |_: &RoomEvent| {
                order.lock().unwrap().push(name);
                Ok(HookResult::allow())
            })),
        );
    }
    s.say("r", "sms", "+1", "x").await;
    assert_eq!(*order.lock().unwrap(), vec!["a", "b", "c"]);
}

#[tokio::test]
async fn block_stops_the_chain_and_modify_replaces_the_event_for_later_hooks() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let email = s.transport("email", "email", text_caps());
    s.room("r", &["sms", "email"]).await;
    s.kit.add_hook(
        HookSpec::new("redact", HookTrigger::BeforeBroadcast).priority(1),
        Arc::new(FnHook(|e: &RoomEvent| {
            let mut changed = e.clone();
            changed.content = Content::text(body(e).replace("4111", "****"));
            changed.id = "forged".into();
            changed.source.channel_id = "forged".into();
            Ok(HookResult::modify(changed))
        })),
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen_by_hook = Arc::clone(&seen);
    s.kit.add_hook(
        HookSpec::new("check", HookTrigger::BeforeBroadcast).priority(2),
        Arc::new(FnHook(move |e: &RoomEvent| {
            seen_by_hook.lock().unwrap().push(body(e));
            Ok(if body(e).contains("block me") {
                HookResult::block("told to")
            } else {
                HookResult::allow()
            })
        })),
    );
    let never = Arc::new(Mutex::new(0));
    let never_hook = Arc::clone(&never);
    s.kit.add_hook(
        HookSpec::new("after-block", HookTrigger::BeforeBroadcast).priority(3),
        Arc::new(FnHook(move |_: &RoomEvent| {
            *never_hook.lock().unwrap() += 1;
            Ok(HookResult::allow())
        })),
    );
    let ok = s.say("r", "sms", "+1", "card 4111").await.event.unwrap();
    assert_eq!(body(&ok), "card ****");
    assert_ne!(ok.id, "forged", "id is kept");
    assert_eq!(ok.source.channel_id, "sms", "source is kept");
    let blocked = s.say("r", "sms", "+1", "block me").await;
    assert_eq!(blocked.reason.as_deref(), Some("told to"));
    assert_eq!(
        blocked.event.as_ref().unwrap().blocked_by.as_deref(),
        Some("check")
    );
    assert_eq!(*seen.lock().unwrap(), vec!["card ****", "block me"]);
    assert_eq!(
        *never.lock().unwrap(),
        1,
        "the hook after a block did not run for it"
    );
    assert_eq!(email.bodies(), vec!["card ****"]);
}

#[tokio::test]
async fn a_failing_hook_is_skipped_and_reported_with_its_name() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let email = s.transport("email", "email", text_caps());
    s.room("r", &["sms", "email"]).await;
    let mut errors = s.kit.on(Some(&[FrameworkEventType::HookError]));
    s.kit.add_hook(
        HookSpec::new("broken", HookTrigger::BeforeBroadcast),
        Arc::new(FnHook(|_: &RoomEvent| {
            Err(HookError::new("division by zero"))
        })),
    );
    let result = s.say("r", "sms", "+1", "x").await;
    assert!(!result.blocked);
    assert_eq!(email.calls(), 1);
    let error = errors.recv().await.unwrap();
    assert_eq!(error.data["hook"], "broken");
    assert_eq!(error.data["error"], "division by zero");
    assert_eq!(error.room_id.as_deref(), Some("r"));
}

#[tokio::test]
async fn a_failing_fail_closed_hook_blocks_the_event() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let first = s.room("r", &["sms"]).await;
    s.kit.add_hook(
        HookSpec::new("guard", HookTrigger::BeforeBroadcast).fail_closed(),
        Arc::new(FnHook(|_: &RoomEvent| Err(HookError::new("cannot decide")))),
    );
    let result = s.say("r", "sms", "+1", "x").await;
    assert!(result.blocked);
    assert_eq!(result.reason.as_deref(), Some("hook_error:guard"));
    assert_eq!(
        result.event.as_ref().unwrap().blocked_by.as_deref(),
        Some("guard")
    );
    assert_eq!(result.event.unwrap().index, first);
}

#[tokio::test]
async fn a_slow_hook_times_out_is_reported_and_skipped() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let email = s.transport("email", "email", text_caps());
    s.room("r", &["sms", "email"]).await;
    let mut timeouts = s.kit.on(Some(&[FrameworkEventType::HookTimeout]));
    s.kit.add_hook(
        HookSpec::new("sleepy", HookTrigger::BeforeBroadcast).timeout(Duration::from_millis(30)),
        Arc::new(SlowHook(Duration::from_secs(10))),
    );
    let result = s.say("r", "sms", "+1", "x").await;
    assert!(!result.blocked);
    assert_eq!(email.calls(), 1);
    assert_eq!(timeouts.recv().await.unwrap().data["hook"], "sleepy");
}

#[tokio::test]
async fn side_effects_are_kept_even_when_a_hook_blocks() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    s.kit.add_hook(
        HookSpec::new("triage", HookTrigger::BeforeBroadcast),
        Arc::new(FnHook(|e: &RoomEvent| {
            let mut result = HookResult::block("abusive");
            result.tasks.push(Task::new(&e.room_id, "review abuse"));
            let mut observation = Observation::new(&e.room_id, "triage", "angry customer");
            observation.confidence = 0.9;
            result.observations.push(observation);
            Ok(result)
        })),
    );
    let result = s.say("r", "sms", "+1", "!!!").await;
    assert!(result.blocked);
    let tasks = s
        .kit
        .list_tasks("r", Some(TaskStatus::Pending))
        .await
        .unwrap();
    assert_eq!(
        tasks.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(),
        vec!["review abuse"]
    );
    let observations = s.kit.list_observations("r").await.unwrap();
    assert_eq!(observations.len(), 1);
    assert_eq!(observations[0].content, "angry customer");
}

#[tokio::test]
async fn injected_events_get_their_own_index_and_reach_only_their_targets() {
    let s = setup();
    let sms = s.transport("sms", "sms", text_caps());
    let email = s.transport("email", "email", text_caps());
    let agent = s.transport("agent", "websocket", text_caps());
    let first = s.room("r", &["sms", "email", "agent"]).await;
    s.kit.add_hook(
        HookSpec::new("notify", HookTrigger::BeforeBroadcast),
        Arc::new(FnHook(|_: &RoomEvent| {
            let mut result = HookResult::allow();
            result.injected_events.push(InjectedEvent {
                content: Content::text("escalated to a human"),
                target_channel_ids: vec!["agent".into()],
                visibility: Visibility::channels(["agent"]),
            });
            Ok(result)
        })),
    );
    let result = s.say("r", "sms", "+1", "I want a human").await;
    assert_eq!(result.event.unwrap().index, first);
    let timeline = without_records(
        s.kit
            .get_timeline("r", &EventQuery::oldest(10))
            .await
            .unwrap(),
    );
    assert_eq!(
        timeline.iter().map(body).collect::<Vec<_>>(),
        vec!["I want a human", "escalated to a human"]
    );
    assert_eq!(timeline[1].index, first + 1);
    assert_eq!(
        agent.bodies(),
        vec!["I want a human", "escalated to a human"]
    );
    assert_eq!(email.bodies(), vec!["I want a human"]);
    assert_eq!(sms.calls(), 0);
}

#[tokio::test]
async fn room_hooks_run_only_in_their_room_and_are_removed_by_name() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.room("a", &["sms"]).await;
    s.room("b", &["sms"]).await;
    s.kit.add_room_hook(
        "a",
        HookSpec::new("only-a", HookTrigger::BeforeBroadcast),
        Arc::new(FnHook(|_: &RoomEvent| {
            Ok(HookResult::block("room a is read-only today"))
        })),
    );
    assert!(s.say("a", "sms", "+1", "x").await.blocked);
    assert!(!s.say("b", "sms", "+1", "x").await.blocked);
    assert!(s.kit.remove_room_hook("a", "only-a"));
    assert!(!s.kit.remove_room_hook("a", "only-a"));
    assert!(!s.say("a", "sms", "+1", "x").await.blocked);
}

#[tokio::test]
async fn global_hooks_are_removed_and_replaced_by_name() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    let spec = HookSpec::new("gate", HookTrigger::BeforeBroadcast);
    s.kit.add_hook(
        spec.clone(),
        Arc::new(FnHook(|_: &RoomEvent| Ok(HookResult::block("v1")))),
    );
    s.kit.add_hook(
        spec,
        Arc::new(FnHook(|_: &RoomEvent| Ok(HookResult::block("v2")))),
    );
    assert_eq!(
        s.say("r", "sms", "+1", "x").await.reason.as_deref(),
        Some("v2")
    );
    assert!(s.kit.remove_hook("gate"));
    assert!(!s.kit.remove_hook("gate"));
    assert!(!s.say("r", "sms", "+1", "x").await.blocked);
}

#[tokio::test]
async fn hook_filters_select_channel_types_ids_and_directions() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.transport("web", "websocket", text_caps());
    s.room("r", &["sms", "web"]).await;
    let filter = HookFilter {
        channel_types: BTreeSet::from(["sms".to_owned()]),
        channel_ids: BTreeSet::new(),
        directions: BTreeSet::from([Direction::Inbound]),
    };
    s.kit.add_hook(
        HookSpec::new("sms-only", HookTrigger::BeforeBroadcast).filter(filter),
        Arc::new(FnHook(|_: &RoomEvent| {
            Ok(HookResult::block("sms filtered"))
        })),
    );
    assert!(s.say("r", "sms", "+1", "x").await.blocked);
    assert!(!s.say("r", "web", "u", "x").await.blocked);
    let outbound = s
        .kit
        .send_event("r", "sms", Content::text("from us"), Default::default())
        .await
        .unwrap();
    assert!(
        !outbound.blocked,
        "outbound is not in the filter's directions"
    );
}

#[tokio::test]
async fn lifecycle_triggers_fire_at_their_points() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.transport("email", "email", text_caps());
    let log = Arc::new(TriggerLog::default());
    for trigger in HookTrigger::ALL {
        if matches!(
            trigger,
            HookTrigger::OnIdentityAmbiguous | HookTrigger::OnIdentityUnknown
        ) {
            continue; // identity hooks have their own trait (tests in identity.rs)
        }
        s.kit.add_hook(
            HookSpec::new(format!("log-{trigger:?}"), trigger).asynchronous(),
            log.clone(),
        );
    }
    s.kit.add_hook(
        HookSpec::new("task-maker", HookTrigger::BeforeBroadcast),
        Arc::new(FnHook(|e: &RoomEvent| {
            let mut result = HookResult::allow();
            if body(e) == "make a task" {
                result.tasks.push(Task::new(&e.room_id, "follow up"));
            }
            Ok(result)
        })),
    );
    s.kit.add_hook(
        HookSpec::new("fails", HookTrigger::BeforeBroadcast),
        Arc::new(FnHook(|e: &RoomEvent| {
            if body(e) == "fail" {
                Err(HookError::new("boom"))
            } else {
                Ok(HookResult::allow())
            }
        })),
    );
    s.room("r", &["sms"]).await;
    s.kit
        .attach_channel("r", "email", Default::default())
        .await
        .unwrap();
    s.say("r", "sms", "+1", "make a task").await;
    s.say("r", "sms", "+1", "fail").await;
    s.kit.mute("r", "email").await.unwrap();
    s.kit.unmute("r", "email").await.unwrap();
    s.kit.detach_channel("r", "email").await.unwrap();
    s.kit.pause_room("r").await.unwrap();
    s.kit.close_room("r").await.unwrap();
    let expected = [
        (HookTrigger::OnRoomCreated, "room_created"),
        (HookTrigger::OnChannelAttached, "channel_attached"),
        (HookTrigger::AfterBroadcast, "make a task"),
        (HookTrigger::OnTaskCreated, "task_created"),
        (HookTrigger::OnError, "fail"),
        (HookTrigger::OnChannelMuted, "channel_muted"),
        (HookTrigger::OnChannelUnmuted, "channel_unmuted"),
        (HookTrigger::OnChannelDetached, "channel_detached"),
        (HookTrigger::OnRoomPaused, "room_paused"),
        (HookTrigger::OnRoomClosed, "room_closed"),
    ];
    eventually(|| {
        let seen = log.0.lock().unwrap();
        expected
            .iter()
            .all(|(t, label)| seen.iter().any(|(st, sl)| st == t && sl == label))
    })
    .await;
    let _ = InboundMessage::text("sms", "+1", "");
}

#[tokio::test]
async fn an_observed_pass_reports_its_commit_before_delivering_and_not_when_blocked() {
    let s = setup();
    s.transport("web", "websocket", text_caps());
    let sms = s.transport("sms", "sms", text_caps());
    s.room("r", &["web", "sms"]).await;
    s.kit.add_hook(
        HookSpec::new("no-spam", HookTrigger::BeforeBroadcast),
        Arc::new(FnHook(|e: &RoomEvent| {
            Ok(if body(e).contains("spam") {
                HookResult::block("spam")
            } else {
                HookResult::allow()
            })
        })),
    );
    let log = Arc::new(Mutex::new(Vec::new()));
    for text in ["hello", "spam", "again"] {
        let (log, sms) = (Arc::clone(&log), Arc::clone(&sms));
        let observer: roomkit_kit::OnCommit = Box::new(move |event: &RoomEvent| {
            // Nothing of this event has reached the other channel yet.
            log.lock().unwrap().push(format!(
                "{} committed at {} with {} delivered",
                body(event),
                event.index,
                sms.bodies().len()
            ));
        });
        s.kit
            .process_inbound_observed(
                InboundMessage::text("web", "u", text).in_room("r"),
                Some(observer),
            )
            .await
            .unwrap();
    }
    assert_eq!(
        *log.lock().unwrap(),
        [
            "hello committed at 2 with 0 delivered",
            "again committed at 4 with 1 delivered"
        ]
    );
    assert_eq!(sms.bodies(), ["hello", "again"]);
}
