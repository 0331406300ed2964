//! Order and isolation under concurrency (issue acceptance 2 and 3).

use std::sync::Arc;

use roomkit_kit::testing::Gate;
use roomkit_kit::{HookResult, HookSpec, HookTrigger, InboundMessage};
use roomkit_model::RoomEvent;

use crate::support::{FnHook, GatedHook, finishes_while_held, setup, text_caps};

fn index_of_body(body: &str) -> usize {
    body.trim_start_matches('m').parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_concurrent_messages_into_one_room_are_gap_free_and_delivered_in_index_order() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let a = s.transport("a", "email", text_caps());
    let b = s.transport("b", "websocket", text_caps());
    let first = s.room("r", &["sms", "a", "b"]).await;
    let tasks: Vec<_> = (0..100)
        .map(|n| {
            let kit = s.kit.clone();
            tokio::spawn(async move {
                kit.process_inbound(InboundMessage::text("sms", "+1", format!("m{n}")).in_room("r"))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut indexes = Vec::new();
    let mut index_by_body = std::collections::HashMap::new();
    for task in tasks {
        let event = task.await.unwrap().event.unwrap();
        index_by_body.insert(
            match &event.content {
                roomkit_model::Content::Text { body, .. } => index_of_body(body),
                _ => unreachable!(),
            },
            event.index,
        );
        indexes.push(event.index);
    }
    indexes.sort_unstable();
    assert_eq!(indexes, (first..first + 100).collect::<Vec<u64>>());
    for target in [&a, &b] {
        let received: Vec<u64> = target
            .bodies()
            .iter()
            .map(|body| index_by_body[&index_of_body(body)])
            .collect();
        assert_eq!(
            received,
            (first..first + 100).collect::<Vec<u64>>(),
            "each target sees index order"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_messages_over_a_hundred_rooms_keep_per_room_order() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let sink = s.transport("sink", "email", text_caps());
    for r in 0..100 {
        s.room(&format!("room-{r}"), &["sms", "sink"]).await;
    }
    let tasks: Vec<_> = (0..100)
        .map(|r| {
            let kit = s.kit.clone();
            tokio::spawn(async move {
                for n in 0..10 {
                    kit.process_inbound(
                        InboundMessage::text("sms", "+1", format!("m{n}"))
                            .in_room(format!("room-{r}")),
                    )
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let sent = sink.sent();
    assert_eq!(sent.len(), 1000);
    for r in 0..100 {
        let room = format!("room-{r}");
        let order: Vec<u64> = sent
            .iter()
            .filter(|e| e.room_id == room)
            .map(|e| e.index)
            .collect();
        // Two channel_attached records come first.
        assert_eq!(order, (2..12).collect::<Vec<u64>>(), "{room}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_hook_in_one_room_does_not_stall_other_rooms() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let sink = s.transport("sink", "email", text_caps());
    s.room("slow", &["sms", "sink"]).await;
    s.room("fast", &["sms", "sink"]).await;
    let gate = Arc::new(Gate::closed());
    s.kit.add_room_hook(
        "slow",
        HookSpec::new("held", HookTrigger::BeforeBroadcast),
        Arc::new(GatedHook(Arc::clone(&gate))),
    );
    let kit = s.kit.clone();
    let slow = tokio::spawn(async move {
        kit.process_inbound(InboundMessage::text("sms", "+1", "slow one").in_room("slow"))
            .await
            .unwrap()
    });
    finishes_while_held("the fast room", async {
        for n in 0..20 {
            s.say("fast", "sms", "+1", &format!("m{n}")).await;
        }
    })
    .await;
    assert!(!slow.is_finished(), "the slow hook is still held");
    gate.open();
    let slow = slow.await.unwrap();
    assert!(!slow.blocked, "the slow event is still processed");
    assert_eq!(
        sink.sent().iter().filter(|e| e.room_id == "slow").count(),
        1
    );
    assert_eq!(
        sink.sent().iter().filter(|e| e.room_id == "fast").count(),
        20
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_provider_or_hook_never_loses_the_event() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let broken = s.transport("broken", "email", text_caps());
    let fine = s.transport("fine", "email", text_caps());
    broken.fail_always(true);
    broken.delay(20);
    let first = s.room("r", &["sms", "broken", "fine"]).await;
    s.kit.add_hook(
        HookSpec::new("panicky", HookTrigger::BeforeBroadcast),
        Arc::new(FnHook(|_: &RoomEvent| {
            Err(roomkit_kit::HookError::new("bad day"))
        })),
    );
    for n in 0..10 {
        let result = s.say("r", "sms", "+1", &format!("m{n}")).await;
        assert!(!result.blocked);
    }
    assert_eq!(fine.bodies().len(), 10);
    assert_eq!(s.kit.get_room("r").await.unwrap().event_count, first + 10);
    let _ = HookResult::allow();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_provider_in_one_room_does_not_stall_another_room() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let slow = s.transport("slow-sink", "email", text_caps());
    let fast = s.transport("fast-sink", "email", text_caps());
    slow.gate().close();
    s.room("slow", &["sms", "slow-sink"]).await;
    s.room("fast", &["sms", "fast-sink"]).await;
    let kit = s.kit.clone();
    let pending = tokio::spawn(async move {
        kit.process_inbound(InboundMessage::text("sms", "+1", "to the slow room").in_room("slow"))
            .await
            .unwrap()
    });
    finishes_while_held("the fast room", async {
        for n in 0..20 {
            s.say("fast", "sms", "+1", &format!("m{n}")).await;
        }
    })
    .await;
    assert_eq!(fast.bodies().len(), 20);
    assert!(!pending.is_finished(), "the slow delivery is still held");
    slow.gate().open();
    let slow_result = pending.await.unwrap();
    assert_eq!(
        slow_result.delivery_results["slow-sink"].status,
        roomkit_model::DeliveryStatus::Delivered
    );
    assert_eq!(slow.bodies(), vec!["to the slow room"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_identity_resolver_does_not_hold_a_room_lock() {
    use roomkit_kit::{IdentityResolver, IdentityResult, RoomContext};
    struct HeldFor(&'static str, Arc<Gate>);
    #[async_trait::async_trait]
    impl IdentityResolver for HeldFor {
        async fn resolve(
            &self,
            m: &InboundMessage,
            _: &str,
            _: &RoomContext,
        ) -> Result<IdentityResult, String> {
            if m.sender_id == self.0 {
                self.1.pass().await;
            }
            Ok(IdentityResult::unknown())
        }
    }
    let gate = Arc::new(Gate::closed());
    let resolver = Arc::new(HeldFor("+slow", Arc::clone(&gate)));
    let s = crate::support::setup_with(|b| b.identity_resolver(resolver));
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    let kit = s.kit.clone();
    let pending = tokio::spawn(async move {
        kit.process_inbound(InboundMessage::text("sms", "+slow", "slow sender").in_room("r"))
            .await
            .unwrap()
    });
    finishes_while_held("the same room", async {
        for n in 0..10 {
            s.say("r", "sms", "+fast", &format!("m{n}")).await;
        }
    })
    .await;
    assert!(!pending.is_finished(), "the slow resolver is still held");
    gate.open();
    let slow = pending.await.unwrap();
    assert!(!slow.blocked);
    assert_eq!(
        s.kit
            .get_timeline("r", &roomkit_store::EventQuery::oldest(100))
            .await
            .unwrap()
            .iter()
            .filter(|e| e.event_type == roomkit_model::EventType::Message)
            .count(),
        11
    );
}
