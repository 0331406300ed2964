//! Nothing is acknowledged before it is durable (SPEC §2, commit): a process running the
//! pipeline over the sled store is killed with SIGKILL mid-stream; every message it
//! acknowledged — `process_inbound` returned its event — is in the reopened store at its index,
//! and the room's indexes have no gap. Deliveries run while the commit flushes; the result waits
//! for both.

use std::sync::Arc;

use roomkit_kit::testing::RecordingProvider;
use roomkit_kit::{InboundMessage, RoomKit, RoomOptions, TransportChannel};
use roomkit_model::ChannelCapabilities;
use roomkit_store::testing::{ack_line, assert_acknowledged_survive_kills, child_test};
use roomkit_store::{ConversationStore, SledStore};

const DB_ENV: &str = "ROOMKIT_PIPELINE_CRASH_TEST_DB";
const ROOM: &str = "crash-room";
const SENDERS: usize = 4;

/// The child side: four senders push messages through the pipeline forever, printing an
/// acknowledgement for each result. Only runs when the parent test starts it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "started as a child process by acknowledged_messages_survive_sigkill"]
async fn acknowledging_pipeline_child() {
    let Ok(path) = std::env::var(DB_ENV) else {
        panic!("{DB_ENV} is not set: this test is only run by its parent");
    };
    let store: Arc<dyn ConversationStore> = Arc::new(SledStore::open(path).unwrap());
    let kit = RoomKit::new(Arc::clone(&store));
    for id in ["source", "target"] {
        kit.register_channel(Arc::new(TransportChannel::new(
            id,
            "sms",
            ChannelCapabilities::default(),
            Arc::new(RecordingProvider::default()),
        )))
        .unwrap();
    }
    if store.get_room(ROOM).await.unwrap().is_none() {
        kit.create_room(RoomOptions {
            id: Some(ROOM.into()),
            ..RoomOptions::default()
        })
        .await
        .unwrap();
        for channel in ["source", "target"] {
            kit.attach_channel(ROOM, channel, Default::default())
                .await
                .unwrap();
        }
    }
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let kit = kit.clone();
            tokio::spawn(async move {
                for n in 0.. {
                    let message =
                        InboundMessage::text("source", format!("+1555000{s}"), format!("{s}/{n}"))
                            .in_room(ROOM);
                    let result = kit.process_inbound(message).await.unwrap();
                    let event = result.event.unwrap();
                    assert_eq!(result.delivery_results.len(), 1, "delivered to the target");
                    println!("{}", ack_line(&event.id, event.index));
                }
            })
        })
        .collect();
    for sender in senders {
        sender.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    assert_acknowledged_survive_kills(&db, ROOM, &[30, 200, 5, 100], || {
        child_test("durability::acknowledging_pipeline_child", DB_ENV, &db)
    })
    .await;
}
