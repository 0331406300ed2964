//! The store contract: every method of `ConversationStore`, its results and its errors, run
//! identically against every backend. Every error path also checks that nothing changed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use roomkit_model::{
    ChannelBinding, ChannelCategory, Content, DeliveryResult, DeliveryStatus, Direction,
    EventSource, EventStatus, Identification, Identity, Observation, Participant, ParticipantRole,
    RateLimit, RetryPolicy, Room, RoomEvent, RoomStatus, Task, TaskStatus, Timestamp,
    ValidationError, Visibility,
};
use roomkit_store::{Error, EventQuery, RoomFilter, VisibleTo};
use serde_json::json;

use crate::support::Backend;

// --- helpers ---------------------------------------------------------------------------------

/// A fixed point in the past, so that `now()` is always later.
fn base() -> Timestamp {
    serde_json::from_value(json!("2001-01-01T00:00:00Z")).unwrap()
}

fn at(seconds: u64) -> Timestamp {
    base() + Duration::from_secs(seconds)
}

fn message(room_id: &str, channel_id: &str, body: &str) -> RoomEvent {
    RoomEvent::new(
        room_id,
        EventSource::inbound(channel_id, "sms"),
        Content::text(body),
    )
}

fn blocked(room_id: &str, channel_id: &str, body: &str) -> RoomEvent {
    let mut event = message(room_id, channel_id, body);
    event.status = EventStatus::Blocked;
    event.blocked_by = Some("profanity-hook".into());
    event
}

fn keyed(room_id: &str, channel_id: &str, body: &str, key: &str) -> RoomEvent {
    let mut event = message(room_id, channel_id, body);
    event.idempotency_key = Some(key.into());
    event
}

fn body_of(event: &RoomEvent) -> &str {
    match &event.content {
        Content::Text { body, .. } => body,
        other => panic!("unexpected content {other:?}"),
    }
}

fn bodies(events: &[RoomEvent]) -> Vec<&str> {
    events.iter().map(body_of).collect()
}

fn indexes(events: &[RoomEvent]) -> Vec<u64> {
    events.iter().map(|e| e.index).collect()
}

fn everything_query() -> EventQuery {
    EventQuery::oldest(usize::MAX).with_blocked()
}

async fn create(store: &Backend, id: &str) -> Room {
    store.create_room(Room::with_id(id)).await.unwrap()
}

async fn stored_room(store: &Backend, id: &str) -> Room {
    store
        .get_room(id)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("room {id} missing"))
}

/// Commits an event that must be new; returns it as stored.
async fn commit(store: &Backend, event: RoomEvent) -> RoomEvent {
    let outcome = store.commit_event(event).await.unwrap();
    assert!(!outcome.duplicate, "{outcome:?}");
    outcome.event
}

async fn timeline(store: &Backend, room_id: &str) -> Vec<RoomEvent> {
    store
        .list_events(room_id, &everything_query())
        .await
        .unwrap()
}

async fn list(store: &Backend, room_id: &str, query: EventQuery) -> Vec<u64> {
    indexes(&store.list_events(room_id, &query).await.unwrap())
}

async fn rooms_where(store: &Backend, filter: RoomFilter) -> Vec<String> {
    store
        .list_rooms(&filter)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

fn binding(room_id: &str, channel_id: &str) -> ChannelBinding {
    let mut binding = ChannelBinding::new(room_id, channel_id, "sms");
    binding.attached_at = at(0);
    binding
}

fn task(id: &str, room_id: &str, title: &str) -> Task {
    let mut task = Task::new(room_id, title);
    task.id = id.into();
    task.created_at = at(0);
    task
}

fn observation(id: &str, room_id: &str, confidence: f64) -> Observation {
    let mut observation = Observation::new(room_id, "ai", format!("observed {id}"));
    observation.id = id.into();
    observation.category = "sentiment".into();
    observation.confidence = confidence;
    observation.created_at = at(0);
    observation
}

fn identity(id: &str, addresses: &[(&str, &str)]) -> Identity {
    let mut identity = Identity::new();
    identity.id = id.into();
    for (channel_type, address) in addresses {
        identity
            .channel_addresses
            .entry((*channel_type).to_owned())
            .or_default()
            .push((*address).to_owned());
    }
    identity
}

/// Everything stored in one room, as the store reports it.
#[derive(Debug, PartialEq)]
struct RoomContents {
    room: Room,
    events: Vec<RoomEvent>,
    bindings: Vec<ChannelBinding>,
    participants: Vec<Participant>,
    tasks: Vec<Task>,
    observations: Vec<Observation>,
}

/// Everything stored in every room: compared before and after an operation that must fail.
async fn everything(store: &Backend) -> Vec<RoomContents> {
    let mut out = Vec::new();
    for room in store.list_rooms(&RoomFilter::default()).await.unwrap() {
        let id = room.id.clone();
        out.push(RoomContents {
            events: timeline(store, &id).await,
            bindings: store.list_bindings(&id).await.unwrap(),
            participants: store.list_participants(&id).await.unwrap(),
            tasks: store.list_tasks(&id, None).await.unwrap(),
            observations: store.list_observations(&id).await.unwrap(),
            room,
        });
    }
    out
}

/// A room of ten events, indexes 0..=9, with 3 and 7 blocked; bodies `m0`..`m9`.
async fn ten_events_with_3_and_7_blocked(store: &Backend) {
    create(store, "r1").await;
    for i in 0..10 {
        let body = format!("m{i}");
        let event = if i == 3 || i == 7 {
            blocked("r1", "sms", &body)
        } else {
            message("r1", "sms", &body)
        };
        assert_eq!(commit(store, event).await.index, i);
    }
}

// --- rooms -----------------------------------------------------------------------------------

async fn created_room_reads_back_exactly(store: Backend) {
    let mut room = Room::with_id("r1");
    room.organization_id = Some("acme".into());
    room.metadata.insert("topic".into(), json!("billing"));
    room.timers.inactive_after_seconds = Some(60);
    room.timers.closed_after_seconds = Some(3600);
    room.created_at = at(1);
    room.updated_at = at(2);

    let created = store.create_room(room.clone()).await.unwrap();
    assert_eq!(created, room);
    assert_eq!(store.get_room("r1").await.unwrap(), Some(room));
    assert_eq!(store.get_room("r2").await.unwrap(), None);
}

async fn a_new_room_has_no_events_whatever_counters_it_carries(store: Backend) {
    let mut room = Room::with_id("r1");
    room.event_count = 7;
    room.latest_index = Some(6);
    room.timers.last_activity_at = Some(at(5));

    let created = store.create_room(room).await.unwrap();
    assert_eq!(created.event_count, 0);
    assert_eq!(created.latest_index, None);
    assert_eq!(created.timers.last_activity_at, None);
    assert_eq!(stored_room(&store, "r1").await, created);

    let first = commit(&store, message("r1", "sms", "first")).await;
    assert_eq!(first.index, 0);
    let room = stored_room(&store, "r1").await;
    assert_eq!(room.event_count, 1);
    assert_eq!(room.latest_index, Some(0));
}

async fn creating_a_room_twice_is_room_exists(store: Backend) {
    let mut first = Room::with_id("r1");
    first.metadata.insert("version".into(), json!(1));
    store.create_room(first).await.unwrap();
    commit(&store, message("r1", "sms", "hello")).await;
    let before = everything(&store).await;

    let mut second = Room::with_id("r1");
    second.metadata.insert("version".into(), json!(2));
    second.status = RoomStatus::Closed;
    let err = store.create_room(second).await.unwrap_err();
    assert!(
        matches!(&err, Error::RoomExists(id) if id == "r1"),
        "{err:?}"
    );

    assert_eq!(everything(&store).await, before);
    let room = stored_room(&store, "r1").await;
    assert_eq!(room.metadata.get("version"), Some(&json!(1)));
    assert_eq!(room.status, RoomStatus::Active);
    assert_eq!(room.event_count, 1);
}

async fn get_room_of_a_missing_room_is_none(store: Backend) {
    create(&store, "r1").await;
    assert_eq!(store.get_room("r").await.unwrap(), None);
    assert_eq!(store.get_room("r10").await.unwrap(), None);
    assert_eq!(store.get_room("").await.unwrap(), None);
}

async fn update_room_replaces_fields_but_keeps_created_at_and_refreshes_updated_at(store: Backend) {
    let mut original = Room::with_id("r1");
    original.created_at = at(0);
    original.updated_at = at(0);
    store.create_room(original.clone()).await.unwrap();

    let mut changed = original.clone();
    changed.status = RoomStatus::Paused;
    changed.paused_at = Some(at(10));
    changed.organization_id = Some("acme".into());
    changed.metadata.insert("tier".into(), json!("gold"));
    changed.timers.inactive_after_seconds = Some(30);
    changed.created_at = at(99);

    let returned = store.update_room(&changed).await.unwrap();
    assert_eq!(returned.created_at, at(0));
    assert!(returned.updated_at > at(0), "{:?}", returned.updated_at);
    assert_eq!(returned.status, RoomStatus::Paused);
    assert_eq!(returned.paused_at, Some(at(10)));
    assert_eq!(returned.organization_id.as_deref(), Some("acme"));
    assert_eq!(returned.metadata.get("tier"), Some(&json!("gold")));
    assert_eq!(returned.timers.inactive_after_seconds, Some(30));
    assert_eq!(stored_room(&store, "r1").await, returned);
}

async fn update_room_keeps_commit_owned_counters(store: Backend) {
    create(&store, "r1").await;
    commit(&store, message("r1", "sms", "m0")).await;
    let last_accepted = commit(&store, message("r1", "sms", "m1")).await;
    commit(&store, blocked("r1", "sms", "m2")).await;

    let mut forged = stored_room(&store, "r1").await;
    assert_eq!(forged.event_count, 3);
    forged.event_count = 0;
    forged.latest_index = None;
    forged.timers.last_activity_at = Some(at(1));
    forged.timers.inactive_after_seconds = Some(30);

    let returned = store.update_room(&forged).await.unwrap();
    assert_eq!(returned.event_count, 3);
    assert_eq!(returned.latest_index, Some(2));
    assert_eq!(
        returned.timers.last_activity_at,
        Some(last_accepted.created_at)
    );
    assert_eq!(returned.timers.inactive_after_seconds, Some(30));
    assert_eq!(stored_room(&store, "r1").await, returned);

    let next = commit(&store, message("r1", "sms", "m3")).await;
    assert_eq!(next.index, 3);
    assert_eq!(stored_room(&store, "r1").await.event_count, 4);
}

async fn update_room_of_a_missing_room_is_room_not_found(store: Backend) {
    create(&store, "r1").await;
    let before = everything(&store).await;

    let err = store
        .update_room(&Room::with_id("ghost"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::RoomNotFound(id) if id == "ghost"),
        "{err:?}"
    );

    assert_eq!(store.get_room("ghost").await.unwrap(), None);
    assert_eq!(everything(&store).await, before);
}

async fn compare_and_set_room_swaps_when_the_stored_room_is_unchanged(store: Backend) {
    create(&store, "r1").await;
    let event = commit(&store, message("r1", "sms", "hi")).await;
    let expected = stored_room(&store, "r1").await;

    let mut new = expected.clone();
    new.status = RoomStatus::Paused;
    new.paused_at = Some(at(3));
    new.event_count = 42;
    new.latest_index = Some(41);
    new.timers.last_activity_at = None;
    assert!(store.compare_and_set_room(&expected, &new).await.unwrap());

    let mut wanted = new.clone();
    wanted.event_count = 1;
    wanted.latest_index = Some(0);
    wanted.timers.last_activity_at = Some(event.created_at);
    assert_eq!(stored_room(&store, "r1").await, wanted);

    // The old expectation is stale now.
    let mut again = expected.clone();
    again.status = RoomStatus::Closed;
    assert!(!store.compare_and_set_room(&expected, &again).await.unwrap());
    assert_eq!(stored_room(&store, "r1").await, wanted);
}

async fn compare_and_set_room_fails_after_a_commit_in_between(store: Backend) {
    create(&store, "r1").await;
    let expected = stored_room(&store, "r1").await;
    let mut paused = expected.clone();
    paused.status = RoomStatus::Paused;

    let event = commit(&store, message("r1", "sms", "just in time")).await;
    assert!(
        !store
            .compare_and_set_room(&expected, &paused)
            .await
            .unwrap()
    );
    let room = stored_room(&store, "r1").await;
    assert_eq!(room.status, RoomStatus::Active);
    assert_eq!(room.event_count, 1);
    assert_eq!(room.timers.last_activity_at, Some(event.created_at));

    // A blocked commit changes the counters too, so it also wins.
    let expected = room;
    commit(&store, blocked("r1", "sms", "blocked")).await;
    assert!(
        !store
            .compare_and_set_room(&expected, &paused)
            .await
            .unwrap()
    );
    let room = stored_room(&store, "r1").await;
    assert_eq!(room.status, RoomStatus::Active);
    assert_eq!(room.event_count, 2);
}

async fn compare_and_set_room_fails_after_an_update_in_between(store: Backend) {
    create(&store, "r1").await;
    let expected = stored_room(&store, "r1").await;
    let mut update = expected.clone();
    update.metadata.insert("changed".into(), json!(true));
    let updated = store.update_room(&update).await.unwrap();

    let mut closed = expected.clone();
    closed.status = RoomStatus::Closed;
    assert!(
        !store
            .compare_and_set_room(&expected, &closed)
            .await
            .unwrap()
    );
    assert_eq!(stored_room(&store, "r1").await, updated);
}

async fn compare_and_set_room_refuses_a_new_record_with_another_id(store: Backend) {
    create(&store, "r1").await;
    let before = everything(&store).await;
    let expected = stored_room(&store, "r1").await;
    let mut other = expected.clone();
    other.id = "r2".into();
    other.status = RoomStatus::Closed;

    assert!(!store.compare_and_set_room(&expected, &other).await.unwrap());
    assert_eq!(store.get_room("r2").await.unwrap(), None);
    assert_eq!(everything(&store).await, before);
}

async fn compare_and_set_room_of_a_missing_room_is_room_not_found(store: Backend) {
    create(&store, "r1").await;
    let before = everything(&store).await;
    let ghost = Room::with_id("ghost");

    let err = store
        .compare_and_set_room(&ghost, &ghost)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::RoomNotFound(id) if id == "ghost"),
        "{err:?}"
    );
    assert_eq!(store.get_room("ghost").await.unwrap(), None);
    assert_eq!(everything(&store).await, before);
}

async fn delete_room_removes_everything_in_it(store: Backend) {
    for id in ["r1", "r2"] {
        create(&store, id).await;
        store.put_binding(&binding(id, "sms")).await.unwrap();
        store
            .put_participant(&Participant::new("p1", id, "sms"))
            .await
            .unwrap();
        store
            .add_task(&task(&format!("task-{id}"), id, "call back"))
            .await
            .unwrap();
        store
            .add_observation(&observation(&format!("obs-{id}"), id, 0.5))
            .await
            .unwrap();
    }
    let gone = commit(&store, keyed("r1", "sms", "in r1", "k1")).await;
    let gone_blocked = commit(&store, blocked("r1", "sms", "blocked in r1")).await;
    let kept = commit(&store, keyed("r2", "sms", "in r2", "k1")).await;
    store.kv_set("plugin", "r1", b"kept").await.unwrap();
    let r2_before = everything(&store)
        .await
        .into_iter()
        .find(|c| c.room.id == "r2")
        .unwrap();

    assert!(store.delete_room("r1").await.unwrap());

    assert_eq!(store.get_room("r1").await.unwrap(), None);
    assert_eq!(store.get_event(&gone.id).await.unwrap(), None);
    assert_eq!(store.get_event(&gone_blocked.id).await.unwrap(), None);
    assert_eq!(
        store
            .find_by_idempotency_key("r1", "sms", "k1")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.get_binding("r1", "sms").await.unwrap(), None);
    assert_eq!(store.get_participant("r1", "p1").await.unwrap(), None);
    assert_eq!(store.get_task("task-r1").await.unwrap(), None);
    let err = store.list_events("r1", &everything_query()).await;
    assert!(
        matches!(&err, Err(Error::RoomNotFound(id)) if id == "r1"),
        "{err:?}"
    );
    let err = store.list_bindings("r1").await;
    assert!(
        matches!(&err, Err(Error::RoomNotFound(id)) if id == "r1"),
        "{err:?}"
    );
    let err = store.list_participants("r1").await;
    assert!(
        matches!(&err, Err(Error::RoomNotFound(id)) if id == "r1"),
        "{err:?}"
    );
    let err = store.list_tasks("r1", None).await;
    assert!(
        matches!(&err, Err(Error::RoomNotFound(id)) if id == "r1"),
        "{err:?}"
    );
    let err = store.list_observations("r1").await;
    assert!(
        matches!(&err, Err(Error::RoomNotFound(id)) if id == "r1"),
        "{err:?}"
    );
    let sms = RoomFilter {
        channel_id: Some("sms".into()),
        ..RoomFilter::default()
    };
    assert_eq!(rooms_where(&store, sms).await, ["r2"]);
    let p1 = RoomFilter {
        participant_id: Some("p1".into()),
        ..RoomFilter::default()
    };
    assert_eq!(rooms_where(&store, p1).await, ["r2"]);
    assert_eq!(
        rooms_where(&store, RoomFilter::default()).await,
        vec!["r2".to_owned()]
    );

    // The other room and the plugin data are untouched.
    let after = everything(&store).await;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0], r2_before);
    assert_eq!(
        store
            .find_by_idempotency_key("r2", "sms", "k1")
            .await
            .unwrap(),
        Some(kept.clone())
    );
    assert_eq!(store.get_event(&kept.id).await.unwrap(), Some(kept));
    assert_eq!(
        store.kv_get("plugin", "r1").await.unwrap(),
        Some(b"kept".to_vec())
    );

    assert!(!store.delete_room("r1").await.unwrap());
}

async fn a_deleted_room_can_be_created_again_and_starts_empty(store: Backend) {
    create(&store, "r1").await;
    let old = commit(&store, keyed("r1", "sms", "old", "k1")).await;
    commit(&store, message("r1", "sms", "old 2")).await;
    store.add_task(&task("t1", "r1", "old task")).await.unwrap();
    assert!(store.delete_room("r1").await.unwrap());

    let room = create(&store, "r1").await;
    assert_eq!(room.event_count, 0);
    assert_eq!(room.latest_index, None);
    assert_eq!(stored_room(&store, "r1").await.event_count, 0);
    assert!(timeline(&store, "r1").await.is_empty());
    assert!(store.list_tasks("r1", None).await.unwrap().is_empty());

    // The old event id and idempotency key are free again, also with the old id back in use.
    let mut same_id = message("r1", "sms", "new");
    same_id.id = old.id.clone();
    let reused = commit(&store, same_id).await;
    assert_eq!(reused.index, 0);
    assert_eq!(store.get_event(&old.id).await.unwrap(), Some(reused));
    assert_eq!(
        store
            .find_by_idempotency_key("r1", "sms", "k1")
            .await
            .unwrap(),
        None
    );
    let outcome = store
        .commit_event(keyed("r1", "sms", "keyed again", "k1"))
        .await
        .unwrap();
    assert!(!outcome.duplicate);
    assert_eq!(outcome.event.index, 1);
    assert_eq!(body_of(&outcome.event), "keyed again");
    store.add_task(&task("t1", "r1", "new task")).await.unwrap();
    assert_eq!(
        store.get_task("t1").await.unwrap().unwrap().title,
        "new task"
    );
}

async fn deleting_a_missing_room_returns_false_and_changes_nothing(store: Backend) {
    create(&store, "r1").await;
    commit(&store, message("r1", "sms", "hi")).await;
    let before = everything(&store).await;
    assert!(!store.delete_room("ghost").await.unwrap());
    assert!(!store.delete_room("r").await.unwrap());
    assert_eq!(everything(&store).await, before);
}

async fn list_rooms_returns_rooms_in_creation_order_with_offset_and_limit(store: Backend) {
    for (id, second) in [("c", 1), ("a", 3), ("d", 2), ("b", 2)] {
        let mut room = Room::with_id(id);
        room.created_at = at(second);
        store.create_room(room).await.unwrap();
    }
    assert_eq!(
        rooms_where(&store, RoomFilter::default()).await,
        ["c", "b", "d", "a"]
    );
    let page = |offset, limit| RoomFilter {
        offset,
        limit,
        ..RoomFilter::default()
    };
    assert_eq!(rooms_where(&store, page(1, Some(2))).await, ["b", "d"]);
    assert_eq!(rooms_where(&store, page(3, None)).await, ["a"]);
    assert_eq!(rooms_where(&store, page(0, Some(1))).await, ["c"]);
    assert!(rooms_where(&store, page(4, None)).await.is_empty());
    assert!(rooms_where(&store, page(0, Some(0))).await.is_empty());
}

async fn list_rooms_filters_by_channel_participant_status_org_and_metadata(store: Backend) {
    /// id, organisation, status, metadata `tier`, channels, participant
    type Spec = (
        &'static str,
        Option<&'static str>,
        RoomStatus,
        Option<&'static str>,
        &'static [&'static str],
        &'static str,
    );
    let specs: [Spec; 4] = [
        (
            "r1",
            Some("acme"),
            RoomStatus::Active,
            Some("gold"),
            &["sms"],
            "p1",
        ),
        (
            "r2",
            Some("acme"),
            RoomStatus::Paused,
            Some("silver"),
            &["email"],
            "p1",
        ),
        (
            "r3",
            Some("globex"),
            RoomStatus::Active,
            Some("gold"),
            &["sms", "email"],
            "p2",
        ),
        ("r4", None, RoomStatus::Closed, None, &[], ""),
    ];
    for (i, (id, org, status, tier, channels, participant)) in specs.into_iter().enumerate() {
        let mut room = Room::with_id(id);
        room.created_at = at(10 - i as u64); // creation order is the reverse of id order
        room.organization_id = org.map(str::to_owned);
        room.status = status;
        if let Some(tier) = tier {
            room.metadata.insert("tier".into(), json!(tier));
        }
        store.create_room(room).await.unwrap();
        for channel in channels {
            store.put_binding(&binding(id, channel)).await.unwrap();
        }
        if !participant.is_empty() {
            store
                .put_participant(&Participant::new(participant, id, "sms"))
                .await
                .unwrap();
        }
    }
    commit(&store, message("r1", "sms", "counted")).await;

    let filter = |f: fn(&mut RoomFilter)| {
        let mut filter = RoomFilter::default();
        f(&mut filter);
        filter
    };
    assert_eq!(
        rooms_where(&store, RoomFilter::default()).await,
        ["r4", "r3", "r2", "r1"]
    );
    assert_eq!(
        rooms_where(&store, filter(|f| f.status = Some(RoomStatus::Active))).await,
        ["r3", "r1"]
    );
    assert_eq!(
        rooms_where(&store, filter(|f| f.status = Some(RoomStatus::Paused))).await,
        ["r2"]
    );
    assert_eq!(
        rooms_where(&store, filter(|f| f.status = Some(RoomStatus::Closed))).await,
        ["r4"]
    );
    assert!(
        rooms_where(&store, filter(|f| f.status = Some(RoomStatus::Archived)))
            .await
            .is_empty()
    );
    assert_eq!(
        rooms_where(&store, filter(|f| f.organization_id = Some("acme".into()))).await,
        ["r2", "r1"]
    );
    assert!(
        rooms_where(
            &store,
            filter(|f| f.organization_id = Some("nobody".into()))
        )
        .await
        .is_empty()
    );
    assert_eq!(
        rooms_where(&store, filter(|f| f.channel_id = Some("sms".into()))).await,
        ["r3", "r1"]
    );
    assert_eq!(
        rooms_where(&store, filter(|f| f.channel_id = Some("email".into()))).await,
        ["r3", "r2"]
    );
    assert!(
        rooms_where(&store, filter(|f| f.channel_id = Some("ws".into())))
            .await
            .is_empty()
    );
    assert_eq!(
        rooms_where(&store, filter(|f| f.participant_id = Some("p1".into()))).await,
        ["r2", "r1"]
    );
    assert_eq!(
        rooms_where(&store, filter(|f| f.participant_id = Some("p2".into()))).await,
        ["r3"]
    );
    assert!(
        rooms_where(&store, filter(|f| f.participant_id = Some("p9".into())))
            .await
            .is_empty()
    );
    assert_eq!(
        rooms_where(
            &store,
            filter(|f| f.metadata = Some(("tier".into(), json!("gold"))))
        )
        .await,
        ["r3", "r1"]
    );
    assert!(
        rooms_where(
            &store,
            filter(|f| f.metadata = Some(("tier".into(), json!(1))))
        )
        .await
        .is_empty()
    );
    assert_eq!(
        rooms_where(
            &store,
            filter(|f| {
                f.channel_id = Some("sms".into());
                f.status = Some(RoomStatus::Active);
                f.organization_id = Some("acme".into());
            })
        )
        .await,
        ["r1"]
    );
    assert_eq!(
        rooms_where(
            &store,
            filter(|f| {
                f.channel_id = Some("email".into());
                f.participant_id = Some("p1".into());
            })
        )
        .await,
        ["r2"]
    );
    assert_eq!(
        rooms_where(
            &store,
            filter(|f| {
                f.channel_id = Some("sms".into());
                f.participant_id = Some("p2".into());
            })
        )
        .await,
        ["r3"]
    );
    assert_eq!(
        rooms_where(
            &store,
            filter(|f| {
                f.channel_id = Some("sms".into());
                f.offset = 1;
                f.limit = Some(1);
            })
        )
        .await,
        ["r1"]
    );

    // Listed rooms are the stored rooms, counters included, whichever index found them.
    let by_channel = store
        .list_rooms(&filter(|f| f.channel_id = Some("sms".into())))
        .await
        .unwrap();
    assert_eq!(by_channel[1], stored_room(&store, "r1").await);
    assert_eq!(by_channel[1].event_count, 1);
    let all = store.list_rooms(&RoomFilter::default()).await.unwrap();
    assert_eq!(all[3], stored_room(&store, "r1").await);
    let by_participant = store
        .list_rooms(&filter(|f| f.participant_id = Some("p1".into())))
        .await
        .unwrap();
    assert_eq!(by_participant[1].latest_index, Some(0));

    // A detached channel no longer finds the room.
    assert!(store.remove_binding("r1", "sms").await.unwrap());
    assert_eq!(
        rooms_where(&store, filter(|f| f.channel_id = Some("sms".into()))).await,
        ["r3"]
    );
}

// --- events ----------------------------------------------------------------------------------

async fn commit_assigns_gap_free_indexes_and_updates_the_counters(store: Backend) {
    create(&store, "r1").await;
    create(&store, "r2").await;
    let mut committed = Vec::new();
    for i in 0..5u64 {
        let event = commit(&store, message("r1", "sms", &format!("m{i}"))).await;
        assert_eq!(event.index, i);
        let room = stored_room(&store, "r1").await;
        assert_eq!(room.event_count, i + 1);
        assert_eq!(room.latest_index, Some(i));
        assert_eq!(room.timers.last_activity_at, Some(event.created_at));
        assert_eq!(
            store.get_event(&event.id).await.unwrap(),
            Some(event.clone())
        );
        committed.push(event);
    }
    // Another room counts on its own.
    assert_eq!(commit(&store, message("r2", "sms", "x")).await.index, 0);
    // The index the caller passes is ignored.
    let mut preset = message("r1", "sms", "m5");
    preset.index = 99;
    assert_eq!(commit(&store, preset).await.index, 5);

    let events = timeline(&store, "r1").await;
    assert_eq!(indexes(&events), [0, 1, 2, 3, 4, 5]);
    assert_eq!(bodies(&events), ["m0", "m1", "m2", "m3", "m4", "m5"]);
    assert_eq!(&events[..5], committed.as_slice());
    assert_eq!(stored_room(&store, "r2").await.event_count, 1);
}

async fn commit_does_not_change_updated_at(store: Backend) {
    let mut room = Room::with_id("r1");
    room.created_at = at(0);
    room.updated_at = at(1);
    store.create_room(room).await.unwrap();
    commit(&store, message("r1", "sms", "hi")).await;
    commit(&store, blocked("r1", "sms", "no")).await;
    let room = stored_room(&store, "r1").await;
    assert_eq!(room.updated_at, at(1));
    assert_eq!(room.created_at, at(0));
    assert_eq!(room.event_count, 2);
}

async fn blocked_event_consumes_an_index(store: Backend) {
    create(&store, "r1").await;
    assert_eq!(commit(&store, message("r1", "sms", "m0")).await.index, 0);
    let blocked_event = commit(&store, blocked("r1", "sms", "m1")).await;
    assert_eq!(blocked_event.index, 1);
    assert_eq!(commit(&store, message("r1", "sms", "m2")).await.index, 2);

    let room = stored_room(&store, "r1").await;
    assert_eq!(room.event_count, 3);
    assert_eq!(room.latest_index, Some(2));
    let stored = store.get_event(&blocked_event.id).await.unwrap().unwrap();
    assert_eq!(stored.index, 1);
    assert_eq!(stored.status, EventStatus::Blocked);
    assert_eq!(stored.blocked_by.as_deref(), Some("profanity-hook"));
    assert_eq!(list(&store, "r1", EventQuery::oldest(10)).await, [0, 2]);
    assert_eq!(
        list(&store, "r1", EventQuery::oldest(10).with_blocked()).await,
        [0, 1, 2]
    );
}

async fn blocked_event_does_not_count_as_activity(store: Backend) {
    create(&store, "r1").await;
    let mut accepted = message("r1", "sms", "ok");
    accepted.created_at = at(5);
    commit(&store, accepted).await;
    let mut refused = blocked("r1", "sms", "no");
    refused.created_at = at(9);
    commit(&store, refused).await;
    let room = stored_room(&store, "r1").await;
    assert_eq!(room.timers.last_activity_at, Some(at(5)));
    assert_eq!(room.latest_index, Some(1));

    create(&store, "r2").await;
    commit(&store, blocked("r2", "sms", "only blocked")).await;
    let room = stored_room(&store, "r2").await;
    assert_eq!(room.timers.last_activity_at, None);
    assert_eq!(room.event_count, 1);
    assert_eq!(room.latest_index, Some(0));
}

async fn paused_room_becomes_active_on_commit_but_not_on_a_blocked_commit(store: Backend) {
    let mut room = Room::with_id("r1");
    room.status = RoomStatus::Paused;
    room.paused_at = Some(at(1));
    store.create_room(room).await.unwrap();

    commit(&store, blocked("r1", "sms", "no")).await;
    let room = stored_room(&store, "r1").await;
    assert_eq!(room.status, RoomStatus::Paused);
    assert_eq!(room.event_count, 1);

    let event = commit(&store, message("r1", "sms", "wake up")).await;
    let room = stored_room(&store, "r1").await;
    assert_eq!(room.status, RoomStatus::Active);
    assert_eq!(room.event_count, 2);
    assert_eq!(room.timers.last_activity_at, Some(event.created_at));

    // Paused again by an update (a timer), woken again by the next message.
    let mut paused = room.clone();
    paused.status = RoomStatus::Paused;
    store.update_room(&paused).await.unwrap();
    commit(&store, blocked("r1", "sms", "still no")).await;
    assert_eq!(stored_room(&store, "r1").await.status, RoomStatus::Paused);
    commit(&store, message("r1", "sms", "again")).await;
    let room = stored_room(&store, "r1").await;
    assert_eq!(room.status, RoomStatus::Active);
    assert_eq!(room.event_count, 4);

    // Paused by compare-and-set, woken by a commit.
    let mut paused = room.clone();
    paused.status = RoomStatus::Paused;
    assert!(store.compare_and_set_room(&room, &paused).await.unwrap());
    commit(&store, message("r1", "sms", "and again")).await;
    assert_eq!(stored_room(&store, "r1").await.status, RoomStatus::Active);

    // Only paused rooms wake: a closed room stays closed.
    let mut closed = Room::with_id("r2");
    closed.status = RoomStatus::Closed;
    store.create_room(closed).await.unwrap();
    commit(&store, message("r2", "sms", "late")).await;
    let room = stored_room(&store, "r2").await;
    assert_eq!(room.status, RoomStatus::Closed);
    assert_eq!(room.event_count, 1);
}

async fn committing_to_a_missing_room_is_room_not_found(store: Backend) {
    create(&store, "r1").await;
    commit(&store, message("r1", "sms", "hi")).await;
    let before = everything(&store).await;

    let event = keyed("ghost", "sms", "lost", "k1");
    let id = event.id.clone();
    let err = store.commit_event(event).await.unwrap_err();
    assert!(
        matches!(&err, Error::RoomNotFound(r) if r == "ghost"),
        "{err:?}"
    );
    let err = store
        .commit_event_unsynced(message("ghost", "sms", "lost too"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::RoomNotFound(r) if r == "ghost"),
        "{err:?}"
    );

    assert_eq!(store.get_room("ghost").await.unwrap(), None);
    assert_eq!(store.get_event(&id).await.unwrap(), None);
    assert_eq!(
        store
            .find_by_idempotency_key("ghost", "sms", "k1")
            .await
            .unwrap(),
        None
    );
    assert_eq!(everything(&store).await, before);

    // An id already taken does not change the answer: the room is checked first.
    let mut taken = message("ghost", "sms", "x");
    taken.id = before[0].events[0].id.clone();
    let err = store.commit_event(taken).await.unwrap_err();
    assert!(
        matches!(&err, Error::RoomNotFound(r) if r == "ghost"),
        "{err:?}"
    );
    assert_eq!(everything(&store).await, before);
}

async fn event_ids_are_unique(store: Backend) {
    create(&store, "r1").await;
    create(&store, "r2").await;
    let first = commit(&store, message("r1", "sms", "first")).await;
    let before = everything(&store).await;

    for room_id in ["r1", "r2"] {
        let mut again = keyed(room_id, "email", "second", "k-dup");
        again.id = first.id.clone();
        let err = store.commit_event(again).await.unwrap_err();
        assert!(
            matches!(&err, Error::EventExists(id) if id == &first.id),
            "{room_id}: {err:?}"
        );
        assert_eq!(
            store
                .find_by_idempotency_key(room_id, "email", "k-dup")
                .await
                .unwrap(),
            None
        );
    }
    assert_eq!(everything(&store).await, before);
    assert_eq!(store.get_event(&first.id).await.unwrap(), Some(first));

    // The failed commits did not consume an index.
    assert_eq!(commit(&store, message("r1", "sms", "next")).await.index, 1);
    assert_eq!(commit(&store, message("r2", "sms", "next")).await.index, 0);
}

async fn duplicate_idempotency_key_returns_the_original_and_writes_nothing(store: Backend) {
    create(&store, "r1").await;
    let original = store
        .commit_event(keyed("r1", "sms", "hello", "k1"))
        .await
        .unwrap();
    assert!(!original.duplicate);
    assert_eq!(original.event.index, 0);
    commit(&store, message("r1", "sms", "between")).await;
    let before = everything(&store).await;

    let retry = keyed("r1", "sms", "hello again", "k1");
    let retry_id = retry.id.clone();
    let outcome = store.commit_event(retry).await.unwrap();
    assert!(outcome.duplicate);
    assert_eq!(outcome.event, original.event);
    assert_eq!(body_of(&outcome.event), "hello");

    let outcome = store
        .commit_event_unsynced(keyed("r1", "sms", "third try", "k1"))
        .await
        .unwrap();
    assert!(outcome.duplicate);
    assert_eq!(outcome.event, original.event);

    assert_eq!(store.get_event(&retry_id).await.unwrap(), None);
    assert_eq!(everything(&store).await, before);
    assert_eq!(stored_room(&store, "r1").await.event_count, 2);

    // A blocked original is returned as it is, and still writes nothing.
    let mut refused = keyed("r1", "sms", "refused", "k2");
    refused.status = EventStatus::Blocked;
    let refused = commit(&store, refused).await;
    let before = everything(&store).await;
    let outcome = store
        .commit_event(keyed("r1", "sms", "refused again", "k2"))
        .await
        .unwrap();
    assert!(outcome.duplicate);
    assert_eq!(outcome.event, refused);
    assert_eq!(everything(&store).await, before);
}

async fn idempotency_keys_are_scoped_per_room_and_source_channel(store: Backend) {
    create(&store, "r1").await;
    create(&store, "r2").await;
    let sms = commit(&store, keyed("r1", "sms", "a", "k1")).await;
    let email = commit(&store, keyed("r1", "email", "b", "k1")).await;
    let other_room = commit(&store, keyed("r2", "sms", "c", "k1")).await;
    assert_eq!((sms.index, email.index, other_room.index), (0, 1, 0));

    let find = |room: &'static str, channel: &'static str, key: &'static str| {
        let store = &store;
        async move {
            store
                .find_by_idempotency_key(room, channel, key)
                .await
                .unwrap()
        }
    };
    assert_eq!(find("r1", "sms", "k1").await, Some(sms));
    assert_eq!(find("r1", "email", "k1").await, Some(email));
    assert_eq!(find("r2", "sms", "k1").await, Some(other_room));
    assert_eq!(find("r2", "email", "k1").await, None);
    assert_eq!(find("r1", "sms", "k2").await, None);
    assert_eq!(find("r1", "sms", "k").await, None);
    assert_eq!(find("ghost", "sms", "k1").await, None);
}

async fn find_by_idempotency_key_returns_the_event_as_currently_stored(store: Backend) {
    create(&store, "r1").await;
    commit(&store, message("r1", "sms", "no key")).await;
    let event = commit(&store, keyed("r1", "sms", "with key", "k1")).await;
    assert_eq!(
        store
            .find_by_idempotency_key("r1", "sms", "k1")
            .await
            .unwrap(),
        Some(event.clone())
    );

    let mut delivered = event.clone();
    delivered.status = EventStatus::Delivered;
    store.update_event(&delivered).await.unwrap();
    assert_eq!(
        store
            .find_by_idempotency_key("r1", "sms", "k1")
            .await
            .unwrap(),
        Some(delivered.clone())
    );
    let outcome = store
        .commit_event(keyed("r1", "sms", "retry", "k1"))
        .await
        .unwrap();
    assert!(outcome.duplicate);
    assert_eq!(outcome.event, delivered);
}

async fn internal_visibility_on_an_inbound_event_is_refused(store: Backend) {
    create(&store, "r1").await;
    let before = everything(&store).await;

    let mut inbound = keyed("r1", "sms", "secret", "k1");
    inbound.visibility = Visibility::Internal;
    let id = inbound.id.clone();
    let err = store.commit_event(inbound).await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Invalid(ValidationError::InternalVisibilityRefused {
                place: "inbound messages"
            })
        ),
        "{err:?}"
    );
    assert_eq!(store.get_event(&id).await.unwrap(), None);
    assert_eq!(
        store
            .find_by_idempotency_key("r1", "sms", "k1")
            .await
            .unwrap(),
        None
    );
    assert_eq!(everything(&store).await, before);

    // Outbound events may be internal.
    let mut outbound = message("r1", "ai", "note to self");
    outbound.source.direction = Direction::Outbound;
    outbound.visibility = Visibility::Internal;
    let stored = commit(&store, outbound).await;
    assert_eq!(stored.index, 0);
    assert_eq!(
        store
            .get_event(&stored.id)
            .await
            .unwrap()
            .unwrap()
            .visibility,
        Visibility::Internal
    );
}

async fn invalid_content_is_refused_and_writes_nothing(store: Backend) {
    create(&store, "r1").await;
    let before = everything(&store).await;
    let event = RoomEvent::new(
        "r1",
        EventSource::inbound("sms", "sms"),
        Content::Media {
            url: "file:///etc/passwd".into(),
            mime_type: "text/plain".into(),
            filename: None,
            size_bytes: None,
            caption: None,
        },
    );
    let id = event.id.clone();
    let err = store.commit_event(event).await.unwrap_err();
    assert!(
        matches!(&err, Error::Invalid(ValidationError::UnsafeUrl { field: "media.url", url }) if url == "file:///etc/passwd"),
        "{err:?}"
    );
    assert_eq!(store.get_event(&id).await.unwrap(), None);
    assert_eq!(everything(&store).await, before);
    assert_eq!(commit(&store, message("r1", "sms", "ok")).await.index, 0);
}

async fn commit_event_unsynced_is_visible_at_once_and_sync_makes_it_durable(store: Backend) {
    create(&store, "r1").await;
    let outcome = store
        .commit_event_unsynced(message("r1", "sms", "fast"))
        .await
        .unwrap();
    assert!(!outcome.duplicate);
    assert_eq!(outcome.event.index, 0);
    assert_eq!(
        store.get_event(&outcome.event.id).await.unwrap(),
        Some(outcome.event.clone())
    );
    assert_eq!(stored_room(&store, "r1").await.event_count, 1);
    store.sync().await.unwrap();
    assert_eq!(commit(&store, message("r1", "sms", "slow")).await.index, 1);
    assert_eq!(bodies(&timeline(&store, "r1").await), ["fast", "slow"]);
}

async fn get_event_of_an_unknown_id_is_none(store: Backend) {
    create(&store, "r1").await;
    let event = commit(&store, message("r1", "sms", "hi")).await;
    assert_eq!(store.get_event("nope").await.unwrap(), None);
    assert_eq!(store.get_event(&event.id[1..]).await.unwrap(), None);
    assert_eq!(store.get_event("").await.unwrap(), None);
}

async fn update_event_replaces_status_metadata_and_delivery_results(store: Backend) {
    create(&store, "r1").await;
    let first = commit(&store, message("r1", "sms", "m0")).await;
    let event = commit(&store, message("r1", "sms", "m1")).await;
    let room_before = stored_room(&store, "r1").await;

    let mut updated = event.clone();
    updated.status = EventStatus::Delivered;
    updated.metadata.insert("edited".into(), json!(true));
    updated.delivery_results.insert(
        "email".into(),
        DeliveryResult {
            status: DeliveryStatus::Delivered,
            provider_message_id: Some("pm-1".into()),
            error: None,
            attempts: 2,
            error_code: None,
            updated_at: None,
        },
    );
    store.update_event(&updated).await.unwrap();

    assert_eq!(
        store.get_event(&event.id).await.unwrap(),
        Some(updated.clone())
    );
    assert_eq!(timeline(&store, "r1").await, [first, updated]);
    assert_eq!(stored_room(&store, "r1").await, room_before);
}

async fn update_event_cannot_move_an_event(store: Backend) {
    create(&store, "r1").await;
    create(&store, "r2").await;
    commit(&store, message("r1", "sms", "e0")).await;
    let e1 = commit(&store, message("r1", "sms", "e1")).await;
    let f0 = commit(&store, message("r2", "sms", "f0")).await;
    let before = everything(&store).await;

    let moves: [(&str, u64); 3] = [("r2", 1), ("r1", 0), ("r2", 0)];
    for (room_id, index) in moves {
        let mut moved = e1.clone();
        moved.room_id = room_id.into();
        moved.index = index;
        moved.status = EventStatus::Failed;
        for result in [
            store.update_event(&moved).await,
            store.record_delivery(&moved).await,
        ] {
            let err = result.unwrap_err();
            assert!(
                matches!(&err, Error::EventMoved { event_id, room_id, index }
                    if event_id == &e1.id && room_id == "r1" && *index == 1),
                "to {room_id}/{index}: {err:?}"
            );
        }
    }
    assert_eq!(store.get_event(&e1.id).await.unwrap(), Some(e1));
    assert_eq!(store.get_event(&f0.id).await.unwrap(), Some(f0));
    assert_eq!(everything(&store).await, before);
}

/// Both ways of rewriting an event (`update_event`, `record_delivery`) refuse `event` as
/// EventNotFound.
async fn assert_update_and_record_are_event_not_found(store: &Backend, event: &RoomEvent) {
    for result in [
        store.update_event(event).await,
        store.record_delivery(event).await,
    ] {
        let err = result.unwrap_err();
        assert!(
            matches!(&err, Error::EventNotFound(id) if id == &event.id),
            "{err:?}"
        );
    }
}

async fn update_event_of_an_unknown_event_is_event_not_found(store: Backend) {
    create(&store, "r1").await;
    commit(&store, message("r1", "sms", "e0")).await;
    let before = everything(&store).await;

    // Never committed, though it names the slot of an existing event.
    let mut stranger = message("r1", "sms", "stranger");
    stranger.index = 0;
    assert_update_and_record_are_event_not_found(&store, &stranger).await;
    assert_eq!(store.get_event(&stranger.id).await.unwrap(), None);
    assert_eq!(everything(&store).await, before);

    // An event of a deleted room is gone too.
    create(&store, "r2").await;
    let doomed = commit(&store, message("r2", "sms", "doomed")).await;
    store.delete_room("r2").await.unwrap();
    assert_update_and_record_are_event_not_found(&store, &doomed).await;
    assert_eq!(store.get_event(&doomed.id).await.unwrap(), None);

    // Nor does it overwrite the event that took its slot in the room created again.
    create(&store, "r2").await;
    let successor = commit(&store, message("r2", "sms", "successor")).await;
    assert_eq!(successor.index, doomed.index);
    assert_update_and_record_are_event_not_found(&store, &doomed).await;
    assert_eq!(timeline(&store, "r2").await, [successor]);
}

async fn record_delivery_stores_the_outcome(store: Backend) {
    create(&store, "r1").await;
    let event = commit(&store, message("r1", "sms", "hi")).await;
    let mut failed = event.clone();
    failed.status = EventStatus::Failed;
    failed.delivery_results.insert(
        "email".into(),
        DeliveryResult {
            status: DeliveryStatus::Failed,
            provider_message_id: None,
            error: Some("timeout".into()),
            attempts: 3,
            error_code: None,
            updated_at: None,
        },
    );
    store.record_delivery(&failed).await.unwrap();
    assert_eq!(
        store.get_event(&event.id).await.unwrap(),
        Some(failed.clone())
    );
    assert_eq!(timeline(&store, "r1").await, [failed]);
    assert_eq!(stored_room(&store, "r1").await.event_count, 1);
}

async fn list_events_oldest_first_skips_blocked_unless_asked(store: Backend) {
    ten_events_with_3_and_7_blocked(&store).await;
    assert_eq!(
        list(&store, "r1", EventQuery::oldest(100)).await,
        [0, 1, 2, 4, 5, 6, 8, 9]
    );
    assert_eq!(
        list(&store, "r1", EventQuery::oldest(100).with_blocked()).await,
        (0..10).collect::<Vec<_>>()
    );
    assert_eq!(list(&store, "r1", EventQuery::oldest(3)).await, [0, 1, 2]);
    assert_eq!(
        list(&store, "r1", EventQuery::oldest(4)).await,
        [0, 1, 2, 4]
    );
    assert_eq!(list(&store, "r1", EventQuery::latest(3)).await, [9, 8, 6]);
    assert_eq!(
        list(&store, "r1", EventQuery::latest(3).with_blocked()).await,
        [9, 8, 7]
    );
    let events = store
        .list_events("r1", &EventQuery::oldest(2))
        .await
        .unwrap();
    assert_eq!(bodies(&events), ["m0", "m1"]);
}

async fn list_events_after_and_before_are_exclusive(store: Backend) {
    ten_events_with_3_and_7_blocked(&store).await;
    let q = |after: Option<u64>, before: Option<u64>| EventQuery {
        after_index: after,
        before_index: before,
        ..EventQuery::oldest(100)
    };
    assert_eq!(list(&store, "r1", q(Some(2), None)).await, [4, 5, 6, 8, 9]);
    assert_eq!(
        list(&store, "r1", q(Some(2), None).with_blocked()).await,
        [3, 4, 5, 6, 7, 8, 9]
    );
    assert_eq!(list(&store, "r1", q(None, Some(5))).await, [0, 1, 2, 4]);
    assert_eq!(
        list(&store, "r1", q(Some(2), Some(6)).with_blocked()).await,
        [3, 4, 5]
    );
    assert_eq!(list(&store, "r1", q(Some(0), Some(2))).await, [1]);
    assert!(list(&store, "r1", q(Some(4), Some(5))).await.is_empty());
    assert!(list(&store, "r1", q(Some(5), Some(5))).await.is_empty());
    assert!(list(&store, "r1", q(Some(6), Some(4))).await.is_empty());
    assert!(list(&store, "r1", q(None, Some(0))).await.is_empty());
    assert!(list(&store, "r1", q(Some(9), None)).await.is_empty());
    assert!(list(&store, "r1", q(Some(100), None)).await.is_empty());
    assert!(list(&store, "r1", q(Some(u64::MAX), None)).await.is_empty());
    assert_eq!(
        list(&store, "r1", q(None, Some(100))).await,
        [0, 1, 2, 4, 5, 6, 8, 9]
    );
    assert_eq!(
        list(&store, "r1", q(None, Some(u64::MAX))).await,
        [0, 1, 2, 4, 5, 6, 8, 9]
    );
    assert_eq!(
        list(&store, "r1", q(Some(8), Some(u64::MAX)).with_blocked()).await,
        [9]
    );
    let newest = EventQuery {
        newest_first: true,
        ..q(Some(2), Some(8)).with_blocked()
    };
    assert_eq!(list(&store, "r1", newest).await, [7, 6, 5, 4, 3]);
}

async fn newest_first_with_offset_and_limit(store: Backend) {
    ten_events_with_3_and_7_blocked(&store).await;
    let page = |newest_first: bool, offset: usize, limit: usize| EventQuery {
        newest_first,
        offset,
        ..EventQuery::oldest(limit)
    };
    assert_eq!(list(&store, "r1", page(true, 2, 3)).await, [6, 5, 4]);
    assert_eq!(
        list(&store, "r1", page(true, 2, 3).with_blocked()).await,
        [7, 6, 5]
    );
    assert_eq!(list(&store, "r1", page(false, 3, 2)).await, [4, 5]);
    assert_eq!(list(&store, "r1", page(false, 7, 5)).await, [9]);
    assert!(list(&store, "r1", page(false, 8, 5)).await.is_empty());
    assert_eq!(list(&store, "r1", page(true, 7, 5)).await, [0]);
    assert_eq!(
        list(&store, "r1", page(true, 9, 5).with_blocked()).await,
        [0]
    );
    let bounded = EventQuery {
        before_index: Some(9),
        ..page(true, 1, 2)
    };
    assert_eq!(list(&store, "r1", bounded).await, [6, 5]);
    let bounded = EventQuery {
        after_index: Some(1),
        ..page(false, 2, 2)
    };
    assert_eq!(list(&store, "r1", bounded).await, [5, 6]);
}

async fn a_zero_limit_lists_nothing(store: Backend) {
    ten_events_with_3_and_7_blocked(&store).await;
    assert!(list(&store, "r1", EventQuery::oldest(0)).await.is_empty());
    assert!(list(&store, "r1", EventQuery::latest(0)).await.is_empty());
    let bounded = EventQuery {
        after_index: Some(1),
        before_index: Some(8),
        ..EventQuery::oldest(0)
    };
    assert!(list(&store, "r1", bounded.clone()).await.is_empty());
    let newest = EventQuery {
        newest_first: true,
        ..bounded
    };
    assert!(list(&store, "r1", newest.with_blocked()).await.is_empty());
    let before_only = EventQuery {
        before_index: Some(8),
        ..EventQuery::latest(0)
    };
    assert!(list(&store, "r1", before_only).await.is_empty());
}

async fn list_events_of_a_missing_room_is_room_not_found(store: Backend) {
    create(&store, "r1").await;
    for query in [
        EventQuery::oldest(10),
        EventQuery::oldest(0),
        everything_query(),
    ] {
        let err = store.list_events("ghost", &query).await.unwrap_err();
        assert!(
            matches!(&err, Error::RoomNotFound(id) if id == "ghost"),
            "{err:?}"
        );
    }
    assert!(timeline(&store, "r1").await.is_empty());
}

async fn visibility_filter_returns_only_what_the_viewer_may_see(store: Backend) {
    create(&store, "r1").await;
    let visibilities = [
        Visibility::All,
        Visibility::None,
        Visibility::Transport,
        Visibility::Intelligence,
        Visibility::Internal,
        Visibility::channels(["sms", "email"]),
        Visibility::channels(["ai"]),
    ];
    for (i, visibility) in visibilities.into_iter().enumerate() {
        let mut event = message("r1", "system", &format!("v{i}"));
        event.source.direction = Direction::Outbound;
        event.visibility = visibility;
        commit(&store, event).await;
    }
    let mut hidden = blocked("r1", "system", "v7");
    hidden.visibility = Visibility::All;
    commit(&store, hidden).await;

    let seen_by = |channel: &str, category: ChannelCategory| EventQuery {
        visible_to: Some(VisibleTo {
            channel_id: channel.into(),
            category,
        }),
        ..EventQuery::oldest(100)
    };
    let transport = ChannelCategory::Transport;
    let intelligence = ChannelCategory::Intelligence;
    assert_eq!(
        list(&store, "r1", seen_by("sms", transport)).await,
        [0, 2, 5]
    );
    assert_eq!(
        list(&store, "r1", seen_by("email", transport)).await,
        [0, 2, 5]
    );
    assert_eq!(list(&store, "r1", seen_by("ws", transport)).await, [0, 2]);
    assert_eq!(
        list(&store, "r1", seen_by("ai", intelligence)).await,
        [0, 3, 6]
    );
    assert_eq!(
        list(&store, "r1", seen_by("bot", intelligence)).await,
        [0, 3]
    );
    assert_eq!(
        list(&store, "r1", seen_by("sms", transport).with_blocked()).await,
        [0, 2, 5, 7]
    );
    assert_eq!(
        list(&store, "r1", EventQuery::oldest(100)).await,
        [0, 1, 2, 3, 4, 5, 6]
    );
    // Paging applies after the filter.
    let newest = EventQuery {
        newest_first: true,
        limit: 2,
        ..seen_by("sms", transport)
    };
    assert_eq!(list(&store, "r1", newest).await, [5, 2]);
    let second = EventQuery {
        offset: 1,
        limit: 1,
        ..seen_by("sms", transport)
    };
    assert_eq!(list(&store, "r1", second).await, [2]);
}

// --- bindings --------------------------------------------------------------------------------

async fn put_binding_attaches_and_get_binding_reads_it_back(store: Backend) {
    create(&store, "r1").await;
    let mut full = binding("r1", "ai");
    full.channel_type = "openai".into();
    full.category = ChannelCategory::Intelligence;
    full.muted = true;
    full.visibility = Visibility::channels(["sms", "email"]);
    full.participant_id = Some("bot".into());
    full.rate_limit = Some(RateLimit {
        max_per_second: Some(1.0),
        max_per_minute: Some(30.0),
        max_per_hour: None,
    });
    full.retry_policy = Some(RetryPolicy::default());
    full.metadata.insert("model".into(), json!("gpt"));
    store.put_binding(&full).await.unwrap();

    assert_eq!(
        store.get_binding("r1", "ai").await.unwrap(),
        Some(full.clone())
    );
    assert_eq!(store.get_binding("r1", "sms").await.unwrap(), None);
    assert_eq!(store.get_binding("r2", "ai").await.unwrap(), None);
    assert_eq!(store.list_bindings("r1").await.unwrap(), [full]);
}

async fn bindings_replace_list_by_channel_and_remove(store: Backend) {
    create(&store, "r1").await;
    create(&store, "r2").await;
    for channel in ["sms", "email", "ai"] {
        store.put_binding(&binding("r1", channel)).await.unwrap();
    }
    store.put_binding(&binding("r2", "email")).await.unwrap();
    let channels = |bindings: Vec<ChannelBinding>| -> Vec<String> {
        bindings.into_iter().map(|b| b.channel_id).collect()
    };
    assert_eq!(
        channels(store.list_bindings("r1").await.unwrap()),
        ["ai", "email", "sms"]
    );

    let mut muted = binding("r1", "sms");
    muted.muted = true;
    muted.channel_type = "twilio".into();
    store.put_binding(&muted).await.unwrap();
    let listed = store.list_bindings("r1").await.unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[2], muted);
    assert_eq!(store.get_binding("r1", "sms").await.unwrap(), Some(muted));

    assert!(store.remove_binding("r1", "email").await.unwrap());
    assert_eq!(store.get_binding("r1", "email").await.unwrap(), None);
    assert_eq!(
        channels(store.list_bindings("r1").await.unwrap()),
        ["ai", "sms"]
    );
    assert!(!store.remove_binding("r1", "email").await.unwrap());
    // The same channel in another room is untouched.
    assert_eq!(
        store.get_binding("r2", "email").await.unwrap(),
        Some(binding("r2", "email"))
    );
    let email = RoomFilter {
        channel_id: Some("email".into()),
        ..RoomFilter::default()
    };
    assert_eq!(rooms_where(&store, email).await, ["r2"]);
}

async fn put_binding_into_a_missing_room_is_room_not_found(store: Backend) {
    create(&store, "r1").await;
    let before = everything(&store).await;
    let err = store
        .put_binding(&binding("ghost", "sms"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::RoomNotFound(id) if id == "ghost"),
        "{err:?}"
    );
    assert_eq!(store.get_binding("ghost", "sms").await.unwrap(), None);
    assert_eq!(store.get_room("ghost").await.unwrap(), None);
    let sms = RoomFilter {
        channel_id: Some("sms".into()),
        ..RoomFilter::default()
    };
    assert!(rooms_where(&store, sms).await.is_empty());
    assert_eq!(everything(&store).await, before);
}

async fn invalid_bindings_are_refused(store: Backend) {
    create(&store, "r1").await;
    let original = binding("r1", "sms");
    store.put_binding(&original).await.unwrap();
    let before = everything(&store).await;

    let mut internal = binding("r1", "sms");
    internal.visibility = Visibility::Internal;
    let err = store.put_binding(&internal).await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Invalid(ValidationError::InternalVisibilityRefused { place: "bindings" })
        ),
        "{err:?}"
    );
    let err = store.put_binding(&binding("r1", "")).await.unwrap_err();
    assert!(
        matches!(&err, Error::Invalid(ValidationError::Empty("channel_id"))),
        "{err:?}"
    );
    assert_eq!(
        store.get_binding("r1", "sms").await.unwrap(),
        Some(original)
    );
    assert_eq!(store.get_binding("r1", "").await.unwrap(), None);
    assert_eq!(everything(&store).await, before);
}

async fn list_bindings_of_a_missing_room_is_room_not_found(store: Backend) {
    create(&store, "r1").await;
    store.put_binding(&binding("r1", "sms")).await.unwrap();
    let err = store.list_bindings("ghost").await.unwrap_err();
    assert!(
        matches!(&err, Error::RoomNotFound(id) if id == "ghost"),
        "{err:?}"
    );
    // A room that exists but has no binding lists none.
    create(&store, "r2").await;
    assert!(store.list_bindings("r2").await.unwrap().is_empty());
}

async fn removing_an_unattached_channel_returns_false_and_changes_nothing(store: Backend) {
    create(&store, "r1").await;
    store.put_binding(&binding("r1", "sms")).await.unwrap();
    let before = everything(&store).await;
    assert!(!store.remove_binding("r1", "email").await.unwrap());
    assert!(!store.remove_binding("ghost", "sms").await.unwrap());
    assert!(!store.remove_binding("r1", "sm").await.unwrap());
    assert_eq!(everything(&store).await, before);
}

// --- participants ----------------------------------------------------------------------------

async fn participants_are_added_replaced_and_listed_by_id(store: Backend) {
    create(&store, "r1").await;
    create(&store, "r2").await;
    for id in ["p2", "p1", "p3"] {
        store
            .put_participant(&Participant::new(id, "r1", "sms"))
            .await
            .unwrap();
    }
    let mut elsewhere = Participant::new("p1", "r2", "email");
    elsewhere.role = ParticipantRole::Agent;
    store.put_participant(&elsewhere).await.unwrap();

    let ids = |ps: Vec<Participant>| -> Vec<String> { ps.into_iter().map(|p| p.id).collect() };
    assert_eq!(
        ids(store.list_participants("r1").await.unwrap()),
        ["p1", "p2", "p3"]
    );
    assert_eq!(
        store.get_participant("r1", "p1").await.unwrap(),
        Some(Participant::new("p1", "r1", "sms"))
    );

    let mut renamed = Participant::new("p1", "r1", "sms");
    renamed.display_name = Some("Ana".into());
    renamed.identification = Identification::Identified;
    renamed.identity_id = Some("i1".into());
    store.put_participant(&renamed).await.unwrap();
    assert_eq!(
        store.get_participant("r1", "p1").await.unwrap(),
        Some(renamed.clone())
    );
    let listed = store.list_participants("r1").await.unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0], renamed);

    assert_eq!(
        store.get_participant("r2", "p1").await.unwrap(),
        Some(elsewhere.clone())
    );
    assert_eq!(store.list_participants("r2").await.unwrap(), [elsewhere]);
    assert_eq!(store.get_participant("r1", "nobody").await.unwrap(), None);
    assert_eq!(store.get_participant("ghost", "p1").await.unwrap(), None);
}

async fn put_participant_into_a_missing_room_is_room_not_found(store: Backend) {
    create(&store, "r1").await;
    let before = everything(&store).await;
    let err = store
        .put_participant(&Participant::new("p1", "ghost", "sms"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::RoomNotFound(id) if id == "ghost"),
        "{err:?}"
    );
    assert_eq!(store.get_participant("ghost", "p1").await.unwrap(), None);
    let p1 = RoomFilter {
        participant_id: Some("p1".into()),
        ..RoomFilter::default()
    };
    assert!(rooms_where(&store, p1).await.is_empty());
    assert_eq!(everything(&store).await, before);
}

async fn list_participants_of_a_missing_room_is_room_not_found(store: Backend) {
    create(&store, "r1").await;
    let err = store.list_participants("ghost").await.unwrap_err();
    assert!(
        matches!(&err, Error::RoomNotFound(id) if id == "ghost"),
        "{err:?}"
    );
    assert!(store.list_participants("r1").await.unwrap().is_empty());
}

// --- identities ------------------------------------------------------------------------------

async fn create_identity_registers_its_addresses_for_resolution(store: Backend) {
    let mut ana = identity("i1", &[("sms", "+1"), ("sms", "+2"), ("email", "a@x.io")]);
    ana.display_name = Some("Ana".into());
    ana.organization_id = Some("acme".into());
    store.create_identity(&ana).await.unwrap();

    assert_eq!(store.get_identity("i1").await.unwrap(), Some(ana.clone()));
    for (channel_type, address) in [("sms", "+1"), ("sms", "+2"), ("email", "a@x.io")] {
        assert_eq!(
            store.resolve_identity(channel_type, address).await.unwrap(),
            Some(ana.clone()),
            "{channel_type} {address}"
        );
    }
    assert_eq!(store.resolve_identity("email", "+1").await.unwrap(), None);
    assert_eq!(store.resolve_identity("sms", "+3").await.unwrap(), None);
    assert_eq!(
        store.resolve_identity("whatsapp", "+1").await.unwrap(),
        None
    );
    assert_eq!(store.get_identity("i2").await.unwrap(), None);
}

async fn creating_an_identity_twice_is_identity_exists(store: Backend) {
    let original = identity("i1", &[("sms", "+1")]);
    store.create_identity(&original).await.unwrap();
    let mut again = identity("i1", &[("sms", "+9")]);
    again.display_name = Some("impostor".into());

    let err = store.create_identity(&again).await.unwrap_err();
    assert!(
        matches!(&err, Error::IdentityExists(id) if id == "i1"),
        "{err:?}"
    );
    assert_eq!(
        store.get_identity("i1").await.unwrap(),
        Some(original.clone())
    );
    assert_eq!(store.resolve_identity("sms", "+9").await.unwrap(), None);
    assert_eq!(
        store.resolve_identity("sms", "+1").await.unwrap(),
        Some(original)
    );
}

async fn address_taken_by_another_identity_is_refused(store: Backend) {
    let first = identity("i1", &[("sms", "+1")]);
    store.create_identity(&first).await.unwrap();

    let second = identity("i2", &[("email", "b@x.io"), ("sms", "+2"), ("sms", "+1")]);
    let err = store.create_identity(&second).await.unwrap_err();
    assert!(
        matches!(&err, Error::AddressTaken { channel_type, address, identity_id }
            if channel_type == "sms" && address == "+1" && identity_id == "i1"),
        "{err:?}"
    );
    // Nothing of the refused identity was stored, not even its free addresses.
    assert_eq!(store.get_identity("i2").await.unwrap(), None);
    assert_eq!(store.resolve_identity("sms", "+2").await.unwrap(), None);
    assert_eq!(
        store.resolve_identity("email", "b@x.io").await.unwrap(),
        None
    );
    assert_eq!(
        store.resolve_identity("sms", "+1").await.unwrap(),
        Some(first.clone())
    );

    let third = identity("i3", &[("sms", "+3")]);
    store.create_identity(&third).await.unwrap();
    let err = store.link_address("i3", "sms", "+1").await.unwrap_err();
    assert!(
        matches!(&err, Error::AddressTaken { channel_type, address, identity_id }
            if channel_type == "sms" && address == "+1" && identity_id == "i1"),
        "{err:?}"
    );
    assert_eq!(store.get_identity("i3").await.unwrap(), Some(third));
    assert_eq!(store.get_identity("i1").await.unwrap(), Some(first.clone()));
    assert_eq!(
        store.resolve_identity("sms", "+1").await.unwrap(),
        Some(first)
    );
}

async fn link_address_adds_an_address_once(store: Backend) {
    store
        .create_identity(&identity("i1", &[("sms", "+1")]))
        .await
        .unwrap();

    let linked = store.link_address("i1", "sms", "+2").await.unwrap();
    let wanted = identity("i1", &[("sms", "+1"), ("sms", "+2")]);
    assert_eq!(linked, wanted);
    assert_eq!(
        store.get_identity("i1").await.unwrap(),
        Some(wanted.clone())
    );
    assert_eq!(
        store.resolve_identity("sms", "+2").await.unwrap(),
        Some(wanted.clone())
    );

    // Again: a no-op.
    assert_eq!(store.link_address("i1", "sms", "+2").await.unwrap(), wanted);
    assert_eq!(store.link_address("i1", "sms", "+1").await.unwrap(), wanted);
    assert_eq!(store.get_identity("i1").await.unwrap(), Some(wanted));

    let linked = store.link_address("i1", "email", "a@x.io").await.unwrap();
    let wanted = identity("i1", &[("sms", "+1"), ("sms", "+2"), ("email", "a@x.io")]);
    assert_eq!(linked, wanted);
    assert_eq!(
        store.resolve_identity("email", "a@x.io").await.unwrap(),
        Some(wanted)
    );
}

async fn link_address_to_a_missing_identity_is_identity_not_found(store: Backend) {
    store
        .create_identity(&identity("i1", &[("sms", "+1")]))
        .await
        .unwrap();
    let err = store.link_address("ghost", "sms", "+5").await.unwrap_err();
    assert!(
        matches!(&err, Error::IdentityNotFound(id) if id == "ghost"),
        "{err:?}"
    );
    assert_eq!(store.resolve_identity("sms", "+5").await.unwrap(), None);
    assert_eq!(store.get_identity("ghost").await.unwrap(), None);
}

async fn identities_are_listed_in_id_order_and_paged_after_an_id(store: Backend) {
    for id in ["i3", "i1", "i4", "i2"] {
        store
            .create_identity(&identity(id, &[("sms", &format!("+{id}"))]))
            .await
            .unwrap();
    }
    let ids = |list: Vec<Identity>| list.into_iter().map(|i| i.id).collect::<Vec<_>>();

    assert_eq!(
        ids(store.list_identities(None, 10).await.unwrap()),
        ["i1", "i2", "i3", "i4"]
    );
    assert_eq!(
        ids(store.list_identities(None, 2).await.unwrap()),
        ["i1", "i2"]
    );
    assert_eq!(
        ids(store.list_identities(Some("i2"), 2).await.unwrap()),
        ["i3", "i4"]
    );
    // `after` need not name an identity; "i1x" sorts between i1 and i2.
    assert_eq!(
        ids(store.list_identities(Some("i1x"), 10).await.unwrap()),
        ["i2", "i3", "i4"]
    );
    assert!(
        store
            .list_identities(Some("i4"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.list_identities(None, 0).await.unwrap().is_empty());
    // Listed as stored, addresses included.
    let linked = store.link_address("i3", "email", "c@x.io").await.unwrap();
    assert_eq!(
        store.list_identities(Some("i2"), 1).await.unwrap(),
        vec![linked]
    );
}

async fn no_identities_list_empty(store: Backend) {
    assert!(store.list_identities(None, 100).await.unwrap().is_empty());
}

// --- tasks -----------------------------------------------------------------------------------

async fn tasks_are_added_read_back_and_listed_in_creation_order(store: Backend) {
    create(&store, "r1").await;
    create(&store, "r2").await;
    let mut created = Vec::new();
    for (id, title) in [("t3", "third id, first made"), ("t1", "one"), ("t2", "two")] {
        let mut t = task(id, "r1", title);
        t.description = Some(format!("about {id}"));
        store.add_task(&t).await.unwrap();
        created.push(t);
    }
    store
        .add_task(&task("t9", "r2", "elsewhere"))
        .await
        .unwrap();

    assert_eq!(store.list_tasks("r1", None).await.unwrap(), created);
    assert_eq!(
        store.get_task("t1").await.unwrap(),
        Some(created[1].clone())
    );
    assert_eq!(store.get_task("ghost").await.unwrap(), None);
    assert_eq!(
        store.list_tasks("r2", None).await.unwrap(),
        [task("t9", "r2", "elsewhere")]
    );
}

async fn list_tasks_filters_by_status(store: Backend) {
    create(&store, "r1").await;
    let statuses = [
        ("t1", TaskStatus::Pending),
        ("t2", TaskStatus::InProgress),
        ("t3", TaskStatus::Pending),
        ("t4", TaskStatus::Completed),
    ];
    for (id, status) in statuses {
        let mut t = task(id, "r1", id);
        t.status = status;
        store.add_task(&t).await.unwrap();
    }
    let ids = |tasks: Vec<Task>| -> Vec<String> { tasks.into_iter().map(|t| t.id).collect() };
    let with = |status| {
        let store = &store;
        async move { ids(store.list_tasks("r1", Some(status)).await.unwrap()) }
    };
    assert_eq!(with(TaskStatus::Pending).await, ["t1", "t3"]);
    assert_eq!(with(TaskStatus::InProgress).await, ["t2"]);
    assert_eq!(with(TaskStatus::Completed).await, ["t4"]);
    assert!(with(TaskStatus::Failed).await.is_empty());
    assert!(with(TaskStatus::Cancelled).await.is_empty());
    assert_eq!(
        ids(store.list_tasks("r1", None).await.unwrap()),
        ["t1", "t2", "t3", "t4"]
    );
}

async fn update_task_replaces_it_in_place(store: Backend) {
    create(&store, "r1").await;
    for id in ["t1", "t2"] {
        store.add_task(&task(id, "r1", id)).await.unwrap();
    }
    let mut done = task("t1", "r1", "renamed");
    done.status = TaskStatus::Completed;
    done.assigned_to = Some("agent-7".into());
    store.update_task(&done).await.unwrap();

    assert_eq!(store.get_task("t1").await.unwrap(), Some(done.clone()));
    assert_eq!(
        store
            .list_tasks("r1", Some(TaskStatus::Completed))
            .await
            .unwrap(),
        [done.clone()]
    );
    // It keeps its place in creation order.
    assert_eq!(
        store.list_tasks("r1", None).await.unwrap(),
        [done, task("t2", "r1", "t2")]
    );
}

async fn adding_a_task_twice_is_task_exists(store: Backend) {
    create(&store, "r1").await;
    create(&store, "r2").await;
    let original = task("t1", "r1", "original");
    store.add_task(&original).await.unwrap();
    let before = everything(&store).await;

    for room_id in ["r1", "r2"] {
        let err = store
            .add_task(&task("t1", room_id, "again"))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::TaskExists(id) if id == "t1"),
            "{room_id}: {err:?}"
        );
    }
    assert_eq!(store.get_task("t1").await.unwrap(), Some(original));
    assert_eq!(everything(&store).await, before);
}

async fn add_task_to_a_missing_room_is_room_not_found(store: Backend) {
    create(&store, "r1").await;
    let before = everything(&store).await;
    let err = store
        .add_task(&task("t1", "ghost", "lost"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::RoomNotFound(id) if id == "ghost"),
        "{err:?}"
    );
    assert_eq!(store.get_task("t1").await.unwrap(), None);
    assert_eq!(everything(&store).await, before);
    // The id is still free.
    store.add_task(&task("t1", "r1", "found")).await.unwrap();
}

async fn update_task_of_a_missing_task_is_task_not_found(store: Backend) {
    create(&store, "r1").await;
    let before = everything(&store).await;
    let err = store
        .update_task(&task("t1", "r1", "never added"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::TaskNotFound(id) if id == "t1"),
        "{err:?}"
    );
    assert_eq!(store.get_task("t1").await.unwrap(), None);
    assert_eq!(everything(&store).await, before);
}

async fn update_task_cannot_move_a_task_to_another_room(store: Backend) {
    create(&store, "r1").await;
    create(&store, "r2").await;
    let original = task("t1", "r1", "stay");
    store.add_task(&original).await.unwrap();
    let before = everything(&store).await;

    let mut moved = task("t1", "r2", "moved");
    moved.status = TaskStatus::Completed;
    let err = store.update_task(&moved).await.unwrap_err();
    assert!(
        matches!(&err, Error::TaskNotFound(id) if id == "t1"),
        "{err:?}"
    );
    assert_eq!(store.get_task("t1").await.unwrap(), Some(original));
    assert!(store.list_tasks("r2", None).await.unwrap().is_empty());
    assert_eq!(everything(&store).await, before);
}

async fn list_tasks_of_a_missing_room_is_room_not_found(store: Backend) {
    create(&store, "r1").await;
    for status in [None, Some(TaskStatus::Pending)] {
        let err = store.list_tasks("ghost", status).await.unwrap_err();
        assert!(
            matches!(&err, Error::RoomNotFound(id) if id == "ghost"),
            "{err:?}"
        );
    }
}

// --- observations ----------------------------------------------------------------------------

async fn observations_are_listed_in_creation_order(store: Backend) {
    create(&store, "r1").await;
    create(&store, "r2").await;
    let made: Vec<Observation> = [("o3", 0.5), ("o1", 0.0), ("o2", 1.0)]
        .into_iter()
        .map(|(id, confidence)| observation(id, "r1", confidence))
        .collect();
    for o in &made {
        store.add_observation(o).await.unwrap();
    }
    let other = observation("o9", "r2", 0.25);
    store.add_observation(&other).await.unwrap();

    assert_eq!(store.list_observations("r1").await.unwrap(), made);
    assert_eq!(store.list_observations("r2").await.unwrap(), [other]);
}

async fn observation_confidence_outside_zero_to_one_is_refused(store: Backend) {
    create(&store, "r1").await;
    let valid = observation("o1", "r1", 0.75);
    store.add_observation(&valid).await.unwrap();
    let before = everything(&store).await;

    for confidence in [1.5, -0.25, f64::NAN, f64::INFINITY] {
        let err = store
            .add_observation(&observation("bad", "r1", confidence))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Invalid(ValidationError::ConfidenceOutOfRange(c))
                if c.to_bits() == confidence.to_bits()),
            "{confidence}: {err:?}"
        );
    }
    assert_eq!(store.list_observations("r1").await.unwrap(), [valid]);
    assert_eq!(everything(&store).await, before);
}

async fn add_observation_to_a_missing_room_is_room_not_found(store: Backend) {
    create(&store, "r1").await;
    let before = everything(&store).await;
    let err = store
        .add_observation(&observation("o1", "ghost", 0.5))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::RoomNotFound(id) if id == "ghost"),
        "{err:?}"
    );
    let err = store.list_observations("ghost").await.unwrap_err();
    assert!(
        matches!(&err, Error::RoomNotFound(id) if id == "ghost"),
        "{err:?}"
    );
    assert_eq!(store.get_room("ghost").await.unwrap(), None);
    assert_eq!(everything(&store).await, before);
}

// --- read markers ----------------------------------------------------------------------------

async fn marker(store: &Backend, room_id: &str, channel_id: &str) -> Option<u64> {
    store
        .get_binding(room_id, channel_id)
        .await
        .unwrap()
        .unwrap()
        .last_read_index
}

async fn room_with_events(store: &Backend, room_id: &str, n: u64) {
    create(store, room_id).await;
    store.put_binding(&binding(room_id, "sms")).await.unwrap();
    for i in 0..n {
        commit(store, message(room_id, "sms", &format!("m{i}"))).await;
    }
}

async fn mark_read_raises_the_marker_and_returns_it(store: Backend) {
    room_with_events(&store, "r1", 5).await;
    assert_eq!(marker(&store, "r1", "sms").await, None);
    assert_eq!(store.mark_read("r1", "sms", 2).await.unwrap(), 2);
    assert_eq!(marker(&store, "r1", "sms").await, Some(2));
    assert_eq!(store.mark_read("r1", "sms", 4).await.unwrap(), 4);
    assert_eq!(marker(&store, "r1", "sms").await, Some(4));
    assert_eq!(store.unread_count("r1", "sms").await.unwrap(), 0);
}

async fn read_marker_never_moves_back(store: Backend) {
    room_with_events(&store, "r1", 5).await;
    assert_eq!(store.mark_read("r1", "sms", 3).await.unwrap(), 3);
    assert_eq!(store.mark_read("r1", "sms", 1).await.unwrap(), 3);
    assert_eq!(store.mark_read("r1", "sms", 0).await.unwrap(), 3);
    assert_eq!(marker(&store, "r1", "sms").await, Some(3));
    assert_eq!(store.mark_read("r1", "sms", 3).await.unwrap(), 3);
    assert_eq!(store.unread_count("r1", "sms").await.unwrap(), 1);
}

async fn mark_read_beyond_latest_is_index_out_of_range(store: Backend) {
    room_with_events(&store, "r1", 3).await;
    store.mark_read("r1", "sms", 1).await.unwrap();
    let before = everything(&store).await;
    for index in [3, 4, u64::MAX] {
        let err = store.mark_read("r1", "sms", index).await.unwrap_err();
        assert!(
            matches!(&err, Error::IndexOutOfRange { room_id, index: i, latest: Some(2) }
                if room_id == "r1" && *i == index),
            "{err:?}"
        );
    }
    assert_eq!(marker(&store, "r1", "sms").await, Some(1));
    assert_eq!(everything(&store).await, before);

    room_with_events(&store, "empty", 0).await;
    let err = store.mark_read("empty", "sms", 0).await.unwrap_err();
    assert!(
        matches!(&err, Error::IndexOutOfRange { room_id, index: 0, latest: None }
            if room_id == "empty"),
        "{err:?}"
    );
    assert_eq!(marker(&store, "empty", "sms").await, None);
}

async fn read_markers_need_the_room_and_the_binding(store: Backend) {
    room_with_events(&store, "r1", 2).await;
    let before = everything(&store).await;

    let err = store.mark_read("ghost", "sms", 0).await.unwrap_err();
    assert!(
        matches!(&err, Error::RoomNotFound(id) if id == "ghost"),
        "{err:?}"
    );
    let err = store.mark_all_read("ghost", "sms").await.unwrap_err();
    assert!(
        matches!(&err, Error::RoomNotFound(id) if id == "ghost"),
        "{err:?}"
    );

    let err = store.mark_read("r1", "email", 0).await.unwrap_err();
    assert!(
        matches!(&err, Error::BindingNotFound { room_id, channel_id }
            if room_id == "r1" && channel_id == "email"),
        "{err:?}"
    );
    let err = store.mark_all_read("r1", "email").await.unwrap_err();
    assert!(
        matches!(&err, Error::BindingNotFound { room_id, channel_id }
            if room_id == "r1" && channel_id == "email"),
        "{err:?}"
    );
    let err = store.unread_count("r1", "email").await.unwrap_err();
    assert!(
        matches!(&err, Error::BindingNotFound { room_id, channel_id }
            if room_id == "r1" && channel_id == "email"),
        "{err:?}"
    );
    // The trait leaves open which of the two a missing room reports; it must be one of them.
    let err = store.unread_count("ghost", "sms").await.unwrap_err();
    assert!(
        matches!(&err, Error::RoomNotFound(id) if id == "ghost")
            || matches!(&err, Error::BindingNotFound { room_id, channel_id }
                if room_id == "ghost" && channel_id == "sms"),
        "{err:?}"
    );

    assert_eq!(store.get_binding("r1", "email").await.unwrap(), None);
    assert_eq!(store.get_room("ghost").await.unwrap(), None);
    assert_eq!(everything(&store).await, before);
}

async fn mark_all_read_moves_the_marker_to_the_newest_event(store: Backend) {
    room_with_events(&store, "r1", 3).await;
    commit(&store, blocked("r1", "sms", "blocked newest")).await;
    assert_eq!(store.mark_all_read("r1", "sms").await.unwrap(), Some(3));
    assert_eq!(marker(&store, "r1", "sms").await, Some(3));
    assert_eq!(store.unread_count("r1", "sms").await.unwrap(), 0);
    // Nothing new: it stays.
    assert_eq!(store.mark_all_read("r1", "sms").await.unwrap(), Some(3));

    commit(&store, message("r1", "sms", "m4")).await;
    commit(&store, message("r1", "sms", "m5")).await;
    assert_eq!(store.unread_count("r1", "sms").await.unwrap(), 2);
    assert_eq!(store.mark_all_read("r1", "sms").await.unwrap(), Some(5));
    assert_eq!(marker(&store, "r1", "sms").await, Some(5));

    // An empty room has nothing to mark.
    room_with_events(&store, "empty", 0).await;
    assert_eq!(store.mark_all_read("empty", "sms").await.unwrap(), None);
    assert_eq!(marker(&store, "empty", "sms").await, None);
}

async fn unread_count_counts_events_after_the_marker(store: Backend) {
    room_with_events(&store, "r1", 5).await;
    store.put_binding(&binding("r1", "email")).await.unwrap();
    assert_eq!(store.unread_count("r1", "sms").await.unwrap(), 5);
    store.mark_read("r1", "sms", 1).await.unwrap();
    assert_eq!(store.unread_count("r1", "sms").await.unwrap(), 3);
    // Markers are per channel.
    assert_eq!(store.unread_count("r1", "email").await.unwrap(), 5);
    store.mark_all_read("r1", "sms").await.unwrap();
    assert_eq!(store.unread_count("r1", "sms").await.unwrap(), 0);
    commit(&store, message("r1", "sms", "m5")).await;
    assert_eq!(store.unread_count("r1", "sms").await.unwrap(), 1);
    assert_eq!(store.unread_count("r1", "email").await.unwrap(), 6);

    room_with_events(&store, "empty", 0).await;
    assert_eq!(store.unread_count("empty", "sms").await.unwrap(), 0);
}

async fn unread_count_skips_blocked_events(store: Backend) {
    create(&store, "r1").await;
    store.put_binding(&binding("r1", "sms")).await.unwrap();
    for i in 0..5 {
        let event = if i % 2 == 1 {
            blocked("r1", "sms", "no")
        } else {
            message("r1", "sms", "yes")
        };
        commit(&store, event).await;
    }
    assert_eq!(store.unread_count("r1", "sms").await.unwrap(), 3);
    store.mark_read("r1", "sms", 0).await.unwrap();
    assert_eq!(store.unread_count("r1", "sms").await.unwrap(), 2);
    store.mark_read("r1", "sms", 3).await.unwrap();
    assert_eq!(store.unread_count("r1", "sms").await.unwrap(), 1);
    commit(&store, blocked("r1", "sms", "no")).await;
    assert_eq!(store.unread_count("r1", "sms").await.unwrap(), 1);
}

// --- plugin key-value ------------------------------------------------------------------------

async fn kv_set_get_overwrite_and_delete(store: Backend) {
    assert_eq!(store.kv_get("p", "k").await.unwrap(), None);
    store.kv_set("p", "k", b"one").await.unwrap();
    assert_eq!(store.kv_get("p", "k").await.unwrap(), Some(b"one".to_vec()));
    store.kv_set("p", "k", &[0, 0xFF, 7]).await.unwrap();
    assert_eq!(
        store.kv_get("p", "k").await.unwrap(),
        Some(vec![0, 0xFF, 7])
    );
    store.kv_set("p", "empty", b"").await.unwrap();
    assert_eq!(store.kv_get("p", "empty").await.unwrap(), Some(Vec::new()));

    assert!(store.kv_delete("p", "k").await.unwrap());
    assert_eq!(store.kv_get("p", "k").await.unwrap(), None);
    assert!(!store.kv_delete("p", "k").await.unwrap());
    assert!(!store.kv_delete("q", "empty").await.unwrap());
    assert_eq!(store.kv_get("p", "empty").await.unwrap(), Some(Vec::new()));
}

async fn kv_keys_are_listed_by_prefix_in_order_and_namespaced_per_plugin(store: Backend) {
    for key in ["user:2", "user:10", "user:1", "session:1", "user"] {
        store.kv_set("a", key, key.as_bytes()).await.unwrap();
    }
    store.kv_set("b", "user:3", b"b").await.unwrap();
    store.kv_set("ab", "user:4", b"ab").await.unwrap();

    let keys = |plugin: &'static str, prefix: &'static str, limit: usize| {
        let store = &store;
        async move { store.kv_keys(plugin, prefix, limit).await.unwrap() }
    };
    assert_eq!(
        keys("a", "user:", 100).await,
        ["user:1", "user:10", "user:2"]
    );
    assert_eq!(
        keys("a", "user", 100).await,
        ["user", "user:1", "user:10", "user:2"]
    );
    assert_eq!(
        keys("a", "", 100).await,
        ["session:1", "user", "user:1", "user:10", "user:2"]
    );
    assert_eq!(keys("a", "user:", 2).await, ["user:1", "user:10"]);
    assert!(keys("a", "user:", 0).await.is_empty());
    assert!(keys("a", "zzz", 100).await.is_empty());
    assert!(keys("a", "b", 100).await.is_empty());
    assert_eq!(keys("b", "user:", 100).await, ["user:3"]);
    assert_eq!(keys("ab", "", 100).await, ["user:4"]);
    assert!(keys("c", "", 100).await.is_empty());

    assert_eq!(store.kv_get("b", "user:1").await.unwrap(), None);
    assert_eq!(store.kv_get("a", "user:3").await.unwrap(), None);
    assert!(store.kv_delete("a", "user:10").await.unwrap());
    assert_eq!(keys("a", "user:", 100).await, ["user:1", "user:2"]);
    assert_eq!(keys("b", "", 100).await, ["user:3"]);
    assert_eq!(
        store.kv_get("b", "user:3").await.unwrap(),
        Some(b"b".to_vec())
    );
}

// --- lifecycle -------------------------------------------------------------------------------

async fn flush_and_sync_keep_everything_readable(store: Backend) {
    create(&store, "r1").await;
    let event = commit(&store, message("r1", "sms", "hi")).await;
    store.kv_set("p", "k", b"v").await.unwrap();
    store.flush().await.unwrap();
    store.sync().await.unwrap();
    assert_eq!(store.get_event(&event.id).await.unwrap(), Some(event));
    assert_eq!(stored_room(&store, "r1").await.event_count, 1);
    assert_eq!(store.kv_get("p", "k").await.unwrap(), Some(b"v".to_vec()));
}

/// The same operations give the same stored state on every backend (bar generated timestamps).
async fn a_scripted_conversation_leaves_the_expected_state(store: Backend) {
    let mut room = Room::with_id("r1");
    room.created_at = at(0);
    room.updated_at = at(0);
    store.create_room(room).await.unwrap();
    store.put_binding(&binding("r1", "sms")).await.unwrap();
    let mut expected_events = Vec::new();
    for i in 0..4u64 {
        let mut event = if i == 2 {
            blocked("r1", "sms", &format!("m{i}"))
        } else {
            keyed("r1", "sms", &format!("m{i}"), &format!("k{i}"))
        };
        event.id = format!("e{i}");
        event.created_at = at(i + 1);
        let mut stored = event.clone();
        stored.index = i;
        assert_eq!(commit(&store, event).await, stored);
        expected_events.push(stored);
    }
    store.mark_read("r1", "sms", 1).await.unwrap();

    let state = everything(&store).await;
    assert_eq!(state.len(), 1);
    let mut wanted_room = Room::with_id("r1");
    wanted_room.created_at = at(0);
    wanted_room.updated_at = at(0);
    wanted_room.event_count = 4;
    wanted_room.latest_index = Some(3);
    wanted_room.timers.last_activity_at = Some(at(4));
    assert_eq!(state[0].room, wanted_room);
    assert_eq!(state[0].events, expected_events);
    let mut wanted_binding = binding("r1", "sms");
    wanted_binding.last_read_index = Some(1);
    assert_eq!(state[0].bindings, [wanted_binding]);
    assert_eq!(store.unread_count("r1", "sms").await.unwrap(), 1);
    let keys: BTreeMap<u64, Option<RoomEvent>> = {
        let mut map = BTreeMap::new();
        for i in 0..4u64 {
            let found = store
                .find_by_idempotency_key("r1", "sms", &format!("k{i}"))
                .await
                .unwrap();
            map.insert(i, found);
        }
        map
    };
    assert_eq!(keys[&0], Some(expected_events[0].clone()));
    assert_eq!(keys[&1], Some(expected_events[1].clone()));
    assert_eq!(keys[&2], None);
    assert_eq!(keys[&3], Some(expected_events[3].clone()));
}

async fn the_correspondent_index_follows_bindings_as_they_change(store: Backend) {
    create(&store, "r1").await;
    create(&store, "r2").await;
    create(&store, "r3").await;
    let bound = |room: &str, participant: Option<&str>| {
        let mut b = binding(room, "sms");
        b.participant_id = participant.map(str::to_owned);
        b
    };
    store.put_binding(&bound("r1", Some("+1"))).await.unwrap();
    store.put_binding(&bound("r2", Some("+1"))).await.unwrap();
    store.put_binding(&bound("r3", None)).await.unwrap();
    store.put_binding(&binding("r1", "email")).await.unwrap();
    let of = |participant: Option<&'static str>| {
        let store = std::sync::Arc::clone(&store.store);
        async move {
            let mut rooms = store
                .rooms_of_correspondent("sms", participant)
                .await
                .unwrap();
            rooms.sort();
            rooms
        }
    };
    assert_eq!(of(Some("+1")).await, ["r1", "r2"]);
    assert_eq!(of(None).await, ["r3"]);
    assert!(of(Some("+2")).await.is_empty());
    // A binding that changes its correspondent moves in the index.
    store.put_binding(&bound("r2", Some("+2"))).await.unwrap();
    assert_eq!(of(Some("+1")).await, ["r1"]);
    assert_eq!(of(Some("+2")).await, ["r2"]);
    // Removed bindings and deleted rooms leave it.
    assert!(store.remove_binding("r1", "sms").await.unwrap());
    assert!(of(Some("+1")).await.is_empty());
    assert!(store.delete_room("r3").await.unwrap());
    assert!(of(None).await.is_empty());
    assert_eq!(
        store.rooms_of_correspondent("email", None).await.unwrap(),
        ["r1"]
    );
}

crate::backend_tests!(
    the_correspondent_index_follows_bindings_as_they_change,
    created_room_reads_back_exactly,
    a_new_room_has_no_events_whatever_counters_it_carries,
    creating_a_room_twice_is_room_exists,
    get_room_of_a_missing_room_is_none,
    update_room_replaces_fields_but_keeps_created_at_and_refreshes_updated_at,
    update_room_keeps_commit_owned_counters,
    update_room_of_a_missing_room_is_room_not_found,
    compare_and_set_room_swaps_when_the_stored_room_is_unchanged,
    compare_and_set_room_fails_after_a_commit_in_between,
    compare_and_set_room_fails_after_an_update_in_between,
    compare_and_set_room_refuses_a_new_record_with_another_id,
    compare_and_set_room_of_a_missing_room_is_room_not_found,
    delete_room_removes_everything_in_it,
    a_deleted_room_can_be_created_again_and_starts_empty,
    deleting_a_missing_room_returns_false_and_changes_nothing,
    list_rooms_returns_rooms_in_creation_order_with_offset_and_limit,
    list_rooms_filters_by_channel_participant_status_org_and_metadata,
    commit_assigns_gap_free_indexes_and_updates_the_counters,
    commit_does_not_change_updated_at,
    blocked_event_consumes_an_index,
    blocked_event_does_not_count_as_activity,
    paused_room_becomes_active_on_commit_but_not_on_a_blocked_commit,
    committing_to_a_missing_room_is_room_not_found,
    event_ids_are_unique,
    duplicate_idempotency_key_returns_the_original_and_writes_nothing,
    idempotency_keys_are_scoped_per_room_and_source_channel,
    find_by_idempotency_key_returns_the_event_as_currently_stored,
    internal_visibility_on_an_inbound_event_is_refused,
    invalid_content_is_refused_and_writes_nothing,
    commit_event_unsynced_is_visible_at_once_and_sync_makes_it_durable,
    get_event_of_an_unknown_id_is_none,
    update_event_replaces_status_metadata_and_delivery_results,
    update_event_cannot_move_an_event,
    update_event_of_an_unknown_event_is_event_not_found,
    record_delivery_stores_the_outcome,
    list_events_oldest_first_skips_blocked_unless_asked,
    list_events_after_and_before_are_exclusive,
    newest_first_with_offset_and_limit,
    a_zero_limit_lists_nothing,
    list_events_of_a_missing_room_is_room_not_found,
    visibility_filter_returns_only_what_the_viewer_may_see,
    put_binding_attaches_and_get_binding_reads_it_back,
    bindings_replace_list_by_channel_and_remove,
    put_binding_into_a_missing_room_is_room_not_found,
    invalid_bindings_are_refused,
    list_bindings_of_a_missing_room_is_room_not_found,
    removing_an_unattached_channel_returns_false_and_changes_nothing,
    participants_are_added_replaced_and_listed_by_id,
    put_participant_into_a_missing_room_is_room_not_found,
    list_participants_of_a_missing_room_is_room_not_found,
    create_identity_registers_its_addresses_for_resolution,
    creating_an_identity_twice_is_identity_exists,
    address_taken_by_another_identity_is_refused,
    link_address_adds_an_address_once,
    link_address_to_a_missing_identity_is_identity_not_found,
    identities_are_listed_in_id_order_and_paged_after_an_id,
    no_identities_list_empty,
    tasks_are_added_read_back_and_listed_in_creation_order,
    list_tasks_filters_by_status,
    update_task_replaces_it_in_place,
    adding_a_task_twice_is_task_exists,
    add_task_to_a_missing_room_is_room_not_found,
    update_task_of_a_missing_task_is_task_not_found,
    update_task_cannot_move_a_task_to_another_room,
    list_tasks_of_a_missing_room_is_room_not_found,
    observations_are_listed_in_creation_order,
    observation_confidence_outside_zero_to_one_is_refused,
    add_observation_to_a_missing_room_is_room_not_found,
    mark_read_raises_the_marker_and_returns_it,
    read_marker_never_moves_back,
    mark_read_beyond_latest_is_index_out_of_range,
    read_markers_need_the_room_and_the_binding,
    mark_all_read_moves_the_marker_to_the_newest_event,
    unread_count_counts_events_after_the_marker,
    unread_count_skips_blocked_events,
    kv_set_get_overwrite_and_delete,
    kv_keys_are_listed_by_prefix_in_order_and_namespaced_per_plugin,
    flush_and_sync_keep_everything_readable,
    a_scripted_conversation_leaves_the_expected_state,
);

/// A data directory written before the correspondent index existed: the index is filled from
/// the bindings when the store is opened.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_data_directory_gets_its_correspondent_index_at_open() {
    use roomkit_store::ConversationStore;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    {
        let store = roomkit_store::SledStore::open(&path).unwrap();
        store.create_room(Room::with_id("r1")).await.unwrap();
        let mut b = binding("r1", "sms");
        b.participant_id = Some("+1".into());
        store.put_binding(&b).await.unwrap();
        store.flush().await.unwrap();
    }
    {
        // What an older version left: every tree but the index.
        let db = sled::open(&path).unwrap();
        db.drop_tree("channelid_participantid_roomid").unwrap();
        db.flush().unwrap();
    }
    let store = roomkit_store::SledStore::open(&path).unwrap();
    assert_eq!(
        store
            .rooms_of_correspondent("sms", Some("+1"))
            .await
            .unwrap(),
        ["r1"]
    );
}
