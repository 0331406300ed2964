//! Helpers for crash tests of crates built on the store (feature `testing`): a child process
//! acknowledges writes on its stdout and is killed with SIGKILL; then every acknowledged event
//! must be in the reopened store, and the room's indexes must have no gap.
#![allow(clippy::expect_used)] // test support: a failed step is a failed test

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::{ConversationStore, EventQuery, SledStore};

/// The line a child prints once a write is acknowledged: `ACK <event id> <index>`.
pub fn ack_line(event_id: &str, index: u64) -> String {
    format!("ACK {event_id} {index}")
}

/// This test binary running only its ignored test `name` (the child side of a crash test), with
/// `env_var` set to the database path `db`.
pub fn child_test(name: &str, env_var: &str, db: &Path) -> Command {
    let mut child = Command::new(std::env::current_exe().expect("the test binary's path"));
    child
        .args([
            name,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(env_var, db);
    child
}

/// Runs a fresh `child` per round over the sled database at `db`, kills it with SIGKILL after
/// that round's number of acknowledgements, reopens the database and asserts that everything
/// acknowledged so far survived in `room_id`, at its index, with no gap in the room.
pub async fn assert_acknowledged_survive_kills(
    db: &Path,
    room_id: &str,
    rounds: &[usize],
    child: impl Fn() -> Command,
) {
    let mut acknowledged = BTreeMap::new();
    for (round, &acks_before_kill) in rounds.iter().enumerate() {
        let acks = run_and_kill(child(), acks_before_kill);
        assert!(acks.len() >= acks_before_kill, "round {round}");
        acknowledged.extend(acks);
        let store = SledStore::open(db).expect("reopen the database");
        assert_acknowledged_survived(&store, room_id, &acknowledged, round).await;
    }
}

/// Starts `child`, reads its acknowledgements, kills it with SIGKILL once it has printed
/// `acks_before_kill` of them, and returns every acknowledgement it printed (id → index).
/// Panics if the child exits by itself.
fn run_and_kill(mut child: Command, acks_before_kill: usize) -> BTreeMap<String, u64> {
    let mut child = child
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start the child process");
    let mut reader = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut acks = BTreeMap::new();
    let mut line = String::new();
    let mut killed = false;
    loop {
        line.clear();
        if reader.read_line(&mut line).expect("child stdout") == 0 {
            break;
        }
        // A line cut off by the kill has no newline; the child never finished printing it.
        if let Some(ack) = line.strip_suffix('\n').and_then(|l| l.strip_prefix("ACK ")) {
            let (id, index) = ack.split_once(' ').expect("ACK <id> <index>");
            acks.insert(id.to_owned(), index.parse().expect("an index"));
        }
        if !killed && acks.len() >= acks_before_kill {
            child.kill().expect("cannot kill the child"); // SIGKILL on Unix
            killed = true;
        }
    }
    let status = child.wait().expect("child status");
    assert!(killed, "the child exited by itself: {status:?}");
    acks
}

/// Asserts that every acknowledged event is in `store` at its index and that `room`'s indexes
/// run from 0 with no gap.
async fn assert_acknowledged_survived(
    store: &dyn ConversationStore,
    room_id: &str,
    acknowledged: &BTreeMap<String, u64>,
    round: usize,
) {
    for (id, index) in acknowledged {
        let event = store.get_event(id).await.expect("get_event");
        let event = event.unwrap_or_else(|| panic!("round {round}: acknowledged {id} lost"));
        assert_eq!(event.index, *index, "round {round}: {id}");
    }
    let room = store
        .get_room(room_id)
        .await
        .expect("get_room")
        .unwrap_or_else(|| panic!("round {round}: room {room_id} lost"));
    let events = store
        .list_events(room_id, &EventQuery::oldest(usize::MAX))
        .await
        .expect("list_events");
    let indexes: Vec<u64> = events.iter().map(|e| e.index).collect();
    assert_eq!(
        indexes,
        (0..room.event_count).collect::<Vec<u64>>(),
        "round {round}"
    );
    assert_eq!(room.latest_index, room.event_count.checked_sub(1));
    assert!(room.event_count >= acknowledged.len() as u64);
}
