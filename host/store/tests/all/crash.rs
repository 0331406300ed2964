//! Durable acknowledgement: a writer process is killed with SIGKILL mid-stream; every event it
//! acknowledged is found after reopening, and the room's indexes have no gap.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use roomkit_model::{Content, EventSource, Room, RoomEvent};
use roomkit_store::{ConversationStore, Error, EventQuery, SledStore};

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
                    println!("ACK {} {}", committed.id, committed.index);
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
}

/// Starts the child, reads `acks_before_kill` acknowledgements, kills it with SIGKILL and
/// returns every acknowledgement it printed (id → index).
fn run_and_kill_writer(db: &std::path::Path, acks_before_kill: usize) -> BTreeMap<String, u64> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "crash::durable_writer_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(DB_ENV, db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut acks = BTreeMap::new();
    let mut line = String::new();
    let mut killed = false;
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        // A line cut off by the kill has no newline; the writer never finished printing it.
        if let Some(ack) = line.strip_suffix('\n').and_then(|l| l.strip_prefix("ACK ")) {
            let (id, index) = ack.split_once(' ').unwrap();
            acks.insert(id.to_owned(), index.parse().unwrap());
        }
        if !killed && acks.len() >= acks_before_kill {
            child.kill().unwrap(); // SIGKILL on Unix
            killed = true;
        }
    }
    let status = child.wait().unwrap();
    assert!(killed, "the writer exited by itself: {status:?}");
    acks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_events_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let mut acknowledged = BTreeMap::new();
    for (round, acks_before_kill) in [40, 250, 7, 120, 400].into_iter().enumerate() {
        let acks = run_and_kill_writer(&db, acks_before_kill);
        assert!(acks.len() >= acks_before_kill, "round {round}");
        acknowledged.extend(acks);

        let store = SledStore::open(&db).unwrap();
        for (id, index) in &acknowledged {
            let event = store.get_event(id).await.unwrap();
            let event = event.unwrap_or_else(|| panic!("round {round}: acknowledged {id} lost"));
            assert_eq!(event.index, *index, "round {round}: {id}");
        }
        let room = store.get_room(ROOM).await.unwrap().unwrap();
        let events = store
            .list_events(ROOM, &EventQuery::oldest(usize::MAX))
            .await
            .unwrap();
        let indexes: Vec<u64> = events.iter().map(|e| e.index).collect();
        assert_eq!(
            indexes,
            (0..room.event_count).collect::<Vec<u64>>(),
            "round {round}"
        );
        assert_eq!(room.latest_index, room.event_count.checked_sub(1));
        assert!(room.event_count >= acknowledged.len() as u64);
    }
}
