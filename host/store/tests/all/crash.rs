//! Durable acknowledgement: a writer process is killed with SIGKILL mid-stream; every event it
//! acknowledged is found after reopening, and the room's indexes have no gap.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use roomkit_model::{Content, EventSource, Room, RoomEvent};
use roomkit_store::testing::{ack_line, assert_acknowledged_survive_kills, child_test};
use roomkit_store::{ConversationStore, Error, SledStore};

const DB_ENV: &str = "ROOMKIT_CRASH_TEST_DB";
const ROOM: &str = "crash-room";
const WRITERS: usize = 8;

/// The child side: commits forever from several writers, printing `ACK <id> <index>` after each
/// acknowledged commit. Only runs when the parent test starts it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "started as a child process by acknowledged_events_survive_sigkill"]
async fn durable_writer_child() {
    let Ok(path) = std::env::var(DB_ENV) else {
        panic!("{DB_ENV} is not set: this test is only run by its parent");
    };
    let store = Arc::new(SledStore::open(path).unwrap());
    match store.create_room(Room::with_id(ROOM)).await {
        Ok(_) | Err(Error::RoomExists(_)) => {}
        Err(err) => panic!("{err}"),
    }
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                for n in 0.. {
                    let event = RoomEvent::new(
                        ROOM,
                        EventSource::inbound(format!("writer-{w}"), "test"),
                        Content::text(format!("writer {w} message {n}")),
                    );
                    let committed = store.commit_event(event).await.unwrap().event;
                    println!("{}", ack_line(&committed.id, committed.index));
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_events_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    assert_acknowledged_survive_kills(&db, ROOM, &[40, 250, 7, 120, 400], || {
        child_test("crash::durable_writer_child", DB_ENV, &db)
    })
    .await;
}
