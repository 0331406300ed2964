//! Commit is atomic and gap-free under concurrency, on every backend.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use roomkit_model::{Content, EventSource, Room, RoomEvent};
use roomkit_store::{ConversationStore, EventQuery};

use crate::support::Backend;

async fn commit_concurrently(
    store: Arc<dyn ConversationStore>,
    room_id: &str,
    n: usize,
) -> Vec<u64> {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let store = Arc::clone(&store);
            let room_id = room_id.to_owned();
            tokio::spawn(async move {
                let event = RoomEvent::new(
                    &room_id,
                    EventSource::inbound(format!("ch-{}", i % 7), "sms"),
                    Content::text(format!("message {i}")),
                );
                store.commit_event(event).await.unwrap().event.index
            })
        })
        .collect();
    let mut indexes = Vec::with_capacity(n);
    for task in tasks {
        indexes.push(task.await.unwrap());
    }
    indexes
}

async fn hundred_concurrent_commits_into_one_room_get_indexes_0_to_99_exactly_once(
    backend: Backend,
) {
    backend.create_room(Room::with_id("busy")).await.unwrap();
    let mut indexes = commit_concurrently(Arc::clone(&backend.store), "busy", 100).await;
    indexes.sort_unstable();
    assert_eq!(indexes, (0..100).collect::<Vec<u64>>());

    let room = backend.get_room("busy").await.unwrap().unwrap();
    assert_eq!(room.event_count, 100);
    assert_eq!(room.latest_index, Some(99));

    let stored = backend
        .list_events("busy", &EventQuery::oldest(1000))
        .await
        .unwrap();
    let stored_indexes: Vec<u64> = stored.iter().map(|e| e.index).collect();
    assert_eq!(stored_indexes, (0..100).collect::<Vec<u64>>());
    let bodies: BTreeSet<String> = stored
        .iter()
        .map(|e| match &e.content {
            Content::Text { body, .. } => body.clone(),
            other => panic!("unexpected content {other:?}"),
        })
        .collect();
    assert_eq!(bodies.len(), 100, "every message stored once");
}

async fn concurrent_commits_over_many_rooms_keep_each_room_gap_free(backend: Backend) {
    let rooms: Vec<String> = (0..10).map(|i| format!("room-{i}")).collect();
    for id in &rooms {
        backend.create_room(Room::with_id(id)).await.unwrap();
    }
    let mut all = Vec::new();
    for id in &rooms {
        let store = Arc::clone(&backend.store);
        let id = id.clone();
        all.push(tokio::spawn(async move {
            commit_concurrently(store, &id, 30).await
        }));
    }
    for task in all {
        task.await.unwrap();
    }
    for id in &rooms {
        let room = backend.get_room(id).await.unwrap().unwrap();
        assert_eq!(room.event_count, 30, "{id}");
        let events = backend
            .list_events(id, &EventQuery::oldest(100))
            .await
            .unwrap();
        let indexes: Vec<u64> = events.iter().map(|e| e.index).collect();
        assert_eq!(indexes, (0..30).collect::<Vec<u64>>(), "{id}");
    }
}

crate::backend_tests!(
    hundred_concurrent_commits_into_one_room_get_indexes_0_to_99_exactly_once,
    concurrent_commits_over_many_rooms_keep_each_room_gap_free,
);
