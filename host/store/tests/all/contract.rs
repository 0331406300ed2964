//! The store contract: every `ConversationStore` method, including its errors, run identically
//! against every backend. Each error path also checks that nothing changed.

use roomkit_model::{
    ChannelBinding, ChannelCategory, Content, EventSource, EventStatus, Identity, Observation,
    Participant, Room, RoomEvent, RoomStatus, Task, TaskStatus, Visibility,
};
use roomkit_store::{Error, EventQuery, RoomFilter, VisibleTo};
use serde_json::json;

use crate::support::Backend;

fn text(room: &str, channel: &str, body: &str) -> RoomEvent {
    RoomEvent::new(
        room,
        EventSource::inbound(channel, "sms"),
        Content::text(body),
    )
}

fn body(event: &RoomEvent) -> &str {
    match &event.content {
        Content::Text { body, .. } => body,
        _ => "",
    }
}

fn blocked(room: &str, body: &str) -> RoomEvent {
    let mut event = text(room, "sms", body);
    event.status = EventStatus::Blocked;
    event.blocked_by = Some("filter".into());
    event
}

async fn room_with_events(store: &Backend, id: &str, bodies: &[&str]) -> Vec<RoomEvent> {
    store.create_room(Room::with_id(id)).await.unwrap();
    let mut events = Vec::new();
    for b in bodies {
        events.push(store.commit_event(text(id, "sms", b)).await.unwrap().event);
    }
    events
}

async fn creating_a_room_twice_is_room_exists(store: Backend) {
    let mut room = Room::with_id("r1");
    room.metadata.insert("k".into(), json!("v"));
    store.create_room(room.clone()).await.unwrap();
    let err = store.create_room(Room::with_id("r1")).await.unwrap_err();
    assert!(
        matches!(err, Error::RoomExists(ref id) if id == "r1"),
        "{err}"
    );
    let stored = store.get_room("r1").await.unwrap().unwrap();
    assert_eq!(stored.metadata["k"], "v", "the first room is untouched");
    assert_eq!(store.get_room("missing").await.unwrap(), None);
}

async fn committing_to_a_missing_room_is_room_not_found(store: Backend) {
    let err = store
        .commit_event(text("nowhere", "sms", "x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::RoomNotFound(ref id) if id == "nowhere"),
        "{err}"
    );
    assert_eq!(store.get_room("nowhere").await.unwrap(), None);
}

async fn commit_assigns_gap_free_indexes_and_counts(store: Backend) {
    let events = room_with_events(&store, "r", &["a", "b", "c"]).await;
    assert_eq!(
        events.iter().map(|e| e.index).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    let room = store.get_room("r").await.unwrap().unwrap();
    assert_eq!(room.event_count, 3);
    assert_eq!(room.latest_index, Some(2));
    assert_eq!(room.timers.last_activity_at, Some(events[2].created_at));
    let fetched = store.get_event(&events[1].id).await.unwrap().unwrap();
    assert_eq!(fetched, events[1]);
    assert_eq!(store.get_event("missing").await.unwrap(), None);
}

async fn blocked_event_consumes_an_index_but_is_not_activity(store: Backend) {
    let events = room_with_events(&store, "r", &["a"]).await;
    let spam = store
        .commit_event(blocked("r", "spam"))
        .await
        .unwrap()
        .event;
    assert_eq!(spam.index, 1);
    let room = store.get_room("r").await.unwrap().unwrap();
    assert_eq!((room.event_count, room.latest_index), (2, Some(1)));
    assert_eq!(room.timers.last_activity_at, Some(events[0].created_at));
}

async fn paused_room_becomes_active_on_commit_but_not_on_a_blocked_commit(store: Backend) {
    let mut room = Room::with_id("r");
    room.status = RoomStatus::Paused;
    store.create_room(room).await.unwrap();
    store.commit_event(blocked("r", "x")).await.unwrap();
    assert_eq!(
        store.get_room("r").await.unwrap().unwrap().status,
        RoomStatus::Paused
    );
    store.commit_event(text("r", "sms", "hello")).await.unwrap();
    assert_eq!(
        store.get_room("r").await.unwrap().unwrap().status,
        RoomStatus::Active
    );
}

async fn event_ids_are_unique(store: Backend) {
    let events = room_with_events(&store, "r", &["a"]).await;
    let mut again = text("r", "sms", "b");
    again.id = events[0].id.clone();
    let err = store.commit_event(again).await.unwrap_err();
    assert!(
        matches!(err, Error::EventExists(ref id) if *id == events[0].id),
        "{err}"
    );
    assert_eq!(store.get_room("r").await.unwrap().unwrap().event_count, 1);
    assert_eq!(
        body(&store.get_event(&events[0].id).await.unwrap().unwrap()),
        "a"
    );
}

async fn internal_visibility_on_an_inbound_event_is_refused(store: Backend) {
    store.create_room(Room::with_id("r")).await.unwrap();
    let mut event = text("r", "sms", "x");
    event.visibility = Visibility::Internal;
    assert!(matches!(
        store.commit_event(event).await,
        Err(Error::Invalid(_))
    ));
    let mut media = text("r", "sms", "x");
    media.content = Content::Media {
        url: "file:///etc/passwd".into(),
        mime_type: "text/plain".into(),
        filename: None,
        size_bytes: None,
        caption: None,
    };
    assert!(matches!(
        store.commit_event(media).await,
        Err(Error::Invalid(_))
    ));
    assert_eq!(store.get_room("r").await.unwrap().unwrap().event_count, 0);
}

async fn duplicate_idempotency_key_returns_the_original_and_writes_nothing(store: Backend) {
    store.create_room(Room::with_id("r")).await.unwrap();
    let mut first = text("r", "sms", "hello");
    first.idempotency_key = Some("k1".into());
    let original = store.commit_event(first).await.unwrap();
    assert!(!original.duplicate);
    let mut retry = text("r", "sms", "hello again");
    retry.idempotency_key = Some("k1".into());
    let replay = store.commit_event(retry).await.unwrap();
    assert!(replay.duplicate);
    assert_eq!(replay.event, original.event);
    let mut other_channel = text("r", "email", "same key, other channel");
    other_channel.idempotency_key = Some("k1".into());
    assert!(!store.commit_event(other_channel).await.unwrap().duplicate);
    assert_eq!(store.get_room("r").await.unwrap().unwrap().event_count, 2);
    let found = store
        .find_by_idempotency_key("r", "sms", "k1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, original.event.id);
    assert_eq!(
        store
            .find_by_idempotency_key("r", "sms", "k2")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .find_by_idempotency_key("other", "sms", "k1")
            .await
            .unwrap(),
        None
    );
}

async fn update_event_replaces_the_record_but_cannot_move_it(store: Backend) {
    let events = room_with_events(&store, "r", &["a", "b"]).await;
    let mut changed = events[0].clone();
    changed.status = EventStatus::Delivered;
    changed.metadata.insert("edited".into(), json!(true));
    store.update_event(&changed).await.unwrap();
    assert_eq!(
        store.get_event(&changed.id).await.unwrap().unwrap(),
        changed
    );
    let mut delivered = events[1].clone();
    delivered.status = EventStatus::Failed;
    store.record_delivery(&delivered).await.unwrap();
    assert_eq!(
        store
            .get_event(&delivered.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        EventStatus::Failed
    );

    let mut moved = changed.clone();
    moved.index = 1;
    let err = store.update_event(&moved).await.unwrap_err();
    assert!(
        matches!(err, Error::EventMoved { ref room_id, index: 0, .. } if room_id == "r"),
        "{err}"
    );
    let mut unknown = text("r", "sms", "never committed");
    unknown.index = 0;
    assert!(matches!(
        store.update_event(&unknown).await,
        Err(Error::EventNotFound(_))
    ));
    assert_eq!(
        store.get_event(&changed.id).await.unwrap().unwrap(),
        changed,
        "unchanged"
    );
}

async fn update_room_keeps_commit_owned_counters(store: Backend) {
    let events = room_with_events(&store, "r", &["a", "b"]).await;
    let mut stale = store.get_room("r").await.unwrap().unwrap();
    stale.event_count = 0;
    stale.latest_index = None;
    stale.timers.last_activity_at = None;
    stale.status = RoomStatus::Closed;
    stale.metadata.insert("topic".into(), json!("billing"));
    let stored = store.update_room(&stale).await.unwrap();
    assert_eq!((stored.event_count, stored.latest_index), (2, Some(1)));
    assert_eq!(stored.timers.last_activity_at, Some(events[1].created_at));
    assert_eq!(stored.status, RoomStatus::Closed);
    assert_eq!(store.get_room("r").await.unwrap().unwrap(), stored);
    let err = store
        .update_room(&Room::with_id("missing"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RoomNotFound(_)));
    assert_eq!(store.get_room("missing").await.unwrap(), None);
}

async fn compare_and_set_room_fails_after_a_commit_in_between(store: Backend) {
    store.create_room(Room::with_id("r")).await.unwrap();
    let seen = store.get_room("r").await.unwrap().unwrap();
    let mut paused = seen.clone();
    paused.status = RoomStatus::Paused;
    store
        .commit_event(text("r", "sms", "activity"))
        .await
        .unwrap();
    assert!(!store.compare_and_set_room(&seen, &paused).await.unwrap());
    assert_eq!(
        store.get_room("r").await.unwrap().unwrap().status,
        RoomStatus::Active
    );
    let fresh = store.get_room("r").await.unwrap().unwrap();
    let mut paused = fresh.clone();
    paused.status = RoomStatus::Paused;
    paused.event_count = 99; // counters of `new` are ignored
    assert!(store.compare_and_set_room(&fresh, &paused).await.unwrap());
    let stored = store.get_room("r").await.unwrap().unwrap();
    assert_eq!((stored.status, stored.event_count), (RoomStatus::Paused, 1));
    assert!(matches!(
        store
            .compare_and_set_room(&Room::with_id("missing"), &Room::with_id("missing"))
            .await,
        Err(Error::RoomNotFound(_))
    ));
}

async fn list_events_after_and_before_are_exclusive(store: Backend) {
    room_with_events(&store, "r", &["0", "1", "2", "3", "4", "5"]).await;
    let query = EventQuery {
        after_index: Some(1),
        before_index: Some(5),
        ..EventQuery::oldest(100)
    };
    let got = store.list_events("r", &query).await.unwrap();
    assert_eq!(
        got.iter().map(body).collect::<Vec<_>>(),
        vec!["2", "3", "4"]
    );
    let empty = EventQuery {
        after_index: Some(3),
        before_index: Some(4),
        ..EventQuery::oldest(100)
    };
    assert!(store.list_events("r", &empty).await.unwrap().is_empty());
    let before_zero = EventQuery {
        before_index: Some(0),
        ..EventQuery::oldest(100)
    };
    assert!(
        store
            .list_events("r", &before_zero)
            .await
            .unwrap()
            .is_empty()
    );
    let err = store
        .list_events("missing", &EventQuery::oldest(1))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RoomNotFound(_)));
}

async fn newest_first_with_offset_and_limit(store: Backend) {
    room_with_events(&store, "r", &["0", "1", "2", "3", "4", "5"]).await;
    let latest = store
        .list_events("r", &EventQuery::latest(2))
        .await
        .unwrap();
    assert_eq!(latest.iter().map(body).collect::<Vec<_>>(), vec!["5", "4"]);
    let page = EventQuery {
        offset: 2,
        ..EventQuery::oldest(3)
    };
    let got = store.list_events("r", &page).await.unwrap();
    assert_eq!(
        got.iter().map(body).collect::<Vec<_>>(),
        vec!["2", "3", "4"]
    );
    let back = EventQuery {
        offset: 1,
        before_index: Some(4),
        ..EventQuery::latest(2)
    };
    let got = store.list_events("r", &back).await.unwrap();
    assert_eq!(got.iter().map(body).collect::<Vec<_>>(), vec!["2", "1"]);
    assert!(
        store
            .list_events("r", &EventQuery::oldest(0))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn blocked_events_are_listed_only_when_asked(store: Backend) {
    room_with_events(&store, "r", &["a"]).await;
    store.commit_event(blocked("r", "spam")).await.unwrap();
    store.commit_event(text("r", "sms", "b")).await.unwrap();
    let visible = store
        .list_events("r", &EventQuery::oldest(10))
        .await
        .unwrap();
    assert_eq!(visible.iter().map(body).collect::<Vec<_>>(), vec!["a", "b"]);
    let all = store
        .list_events("r", &EventQuery::oldest(10).with_blocked())
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(body).collect::<Vec<_>>(),
        vec!["a", "spam", "b"]
    );
}

async fn visibility_filter_returns_only_what_the_viewer_may_see(store: Backend) {
    store.create_room(Room::with_id("r")).await.unwrap();
    for (b, vis) in [
        ("all", "all"),
        ("transport", "transport"),
        ("ai", "intelligence"),
        ("only-email", "email"),
        ("none", "none"),
    ] {
        let mut event = text("r", "sms", b);
        event.visibility = vis.parse().unwrap();
        store.commit_event(event).await.unwrap();
    }
    let as_viewer = |channel: &str, category| EventQuery {
        visible_to: Some(VisibleTo {
            channel_id: channel.into(),
            category,
        }),
        ..EventQuery::oldest(10)
    };
    let email = store
        .list_events("r", &as_viewer("email", ChannelCategory::Transport))
        .await
        .unwrap();
    assert_eq!(
        email.iter().map(body).collect::<Vec<_>>(),
        vec!["all", "transport", "only-email"]
    );
    let bot = store
        .list_events("r", &as_viewer("bot", ChannelCategory::Intelligence))
        .await
        .unwrap();
    assert_eq!(bot.iter().map(body).collect::<Vec<_>>(), vec!["all", "ai"]);
}

async fn bindings_are_replaced_listed_and_removed(store: Backend) {
    store.create_room(Room::with_id("r")).await.unwrap();
    let err = store
        .put_binding(&ChannelBinding::new("missing", "sms", "sms"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RoomNotFound(_)));
    let mut internal = ChannelBinding::new("r", "sms", "sms");
    internal.visibility = Visibility::Internal;
    assert!(matches!(
        store.put_binding(&internal).await,
        Err(Error::Invalid(_))
    ));
    assert!(store.list_bindings("r").await.unwrap().is_empty());

    store
        .put_binding(&ChannelBinding::new("r", "sms", "sms"))
        .await
        .unwrap();
    let mut email = ChannelBinding::new("r", "email", "email");
    email.muted = true;
    store.put_binding(&email).await.unwrap();
    email.muted = false;
    store.put_binding(&email).await.unwrap();
    let listed = store.list_bindings("r").await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|b| b.channel_id.as_str())
            .collect::<Vec<_>>(),
        vec!["email", "sms"]
    );
    assert!(
        !store
            .get_binding("r", "email")
            .await
            .unwrap()
            .unwrap()
            .muted
    );
    assert!(store.remove_binding("r", "email").await.unwrap());
    assert!(!store.remove_binding("r", "email").await.unwrap());
    assert_eq!(store.get_binding("r", "email").await.unwrap(), None);
    assert!(matches!(
        store.list_bindings("missing").await,
        Err(Error::RoomNotFound(_))
    ));
}

async fn participants_are_stored_per_room(store: Backend) {
    store.create_room(Room::with_id("r")).await.unwrap();
    let err = store
        .put_participant(&Participant::new("u", "missing", "sms"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RoomNotFound(_)));
    let mut ana = Participant::new("ana", "r", "sms");
    store.put_participant(&ana).await.unwrap();
    ana.display_name = Some("Ana".into());
    store.put_participant(&ana).await.unwrap();
    store
        .put_participant(&Participant::new("bob", "r", "email"))
        .await
        .unwrap();
    assert_eq!(
        store.get_participant("r", "ana").await.unwrap().unwrap(),
        ana
    );
    let ids: Vec<String> = store
        .list_participants("r")
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, vec!["ana", "bob"]);
    assert_eq!(store.get_participant("r", "zed").await.unwrap(), None);
}

async fn list_rooms_filters_by_channel_participant_status_org_and_metadata(store: Backend) {
    for (id, org, status, tier) in [
        ("a", "acme", RoomStatus::Active, "gold"),
        ("b", "acme", RoomStatus::Closed, "gold"),
        ("c", "other", RoomStatus::Active, "free"),
    ] {
        let mut room = Room::with_id(id);
        room.organization_id = Some(org.into());
        room.status = status;
        room.metadata.insert("tier".into(), json!(tier));
        store.create_room(room).await.unwrap();
    }
    store
        .put_binding(&ChannelBinding::new("a", "sms", "sms"))
        .await
        .unwrap();
    store
        .put_binding(&ChannelBinding::new("c", "sms", "sms"))
        .await
        .unwrap();
    store
        .put_participant(&Participant::new("ana", "b", "sms"))
        .await
        .unwrap();
    store
        .put_participant(&Participant::new("ana", "c", "sms"))
        .await
        .unwrap();
    let ids = |rooms: Vec<Room>| rooms.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let all = store.list_rooms(&RoomFilter::default()).await.unwrap();
    assert_eq!(ids(all), vec!["a", "b", "c"], "creation order");
    let by = |f: RoomFilter| {
        let store = store.store.clone();
        async move { ids(store.list_rooms(&f).await.unwrap()) }
    };
    assert_eq!(
        by(RoomFilter {
            channel_id: Some("sms".into()),
            ..Default::default()
        })
        .await,
        vec!["a", "c"]
    );
    assert_eq!(
        by(RoomFilter {
            participant_id: Some("ana".into()),
            ..Default::default()
        })
        .await,
        vec!["b", "c"]
    );
    assert_eq!(
        by(RoomFilter {
            status: Some(RoomStatus::Active),
            ..Default::default()
        })
        .await,
        vec!["a", "c"]
    );
    assert_eq!(
        by(RoomFilter {
            organization_id: Some("acme".into()),
            ..Default::default()
        })
        .await,
        vec!["a", "b"]
    );
    assert_eq!(
        by(RoomFilter {
            metadata: Some(("tier".into(), json!("gold"))),
            ..Default::default()
        })
        .await,
        vec!["a", "b"]
    );
    assert_eq!(
        by(RoomFilter {
            channel_id: Some("sms".into()),
            participant_id: Some("ana".into()),
            ..Default::default()
        })
        .await,
        vec!["c"]
    );
    assert_eq!(
        by(RoomFilter {
            offset: 1,
            limit: Some(1),
            ..Default::default()
        })
        .await,
        vec!["b"]
    );
}

async fn delete_room_removes_everything_in_it(store: Backend) {
    let events = room_with_events(&store, "r", &["a"]).await;
    let mut keyed = text("r", "sms", "k");
    keyed.idempotency_key = Some("k".into());
    store.commit_event(keyed).await.unwrap();
    store
        .put_binding(&ChannelBinding::new("r", "sms", "sms"))
        .await
        .unwrap();
    store
        .put_participant(&Participant::new("ana", "r", "sms"))
        .await
        .unwrap();
    let task = Task::new("r", "call back");
    store.add_task(&task).await.unwrap();
    store
        .add_observation(&Observation::new("r", "ai", "calm"))
        .await
        .unwrap();
    room_with_events(&store, "keep", &["stays"]).await;

    assert!(store.delete_room("r").await.unwrap());
    assert!(!store.delete_room("r").await.unwrap());
    assert_eq!(store.get_room("r").await.unwrap(), None);
    assert_eq!(store.get_event(&events[0].id).await.unwrap(), None);
    assert_eq!(
        store
            .find_by_idempotency_key("r", "sms", "k")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.get_binding("r", "sms").await.unwrap(), None);
    assert_eq!(store.get_participant("r", "ana").await.unwrap(), None);
    assert_eq!(store.get_task(&task.id).await.unwrap(), None);
    let filter = RoomFilter {
        channel_id: Some("sms".into()),
        ..Default::default()
    };
    assert!(store.list_rooms(&filter).await.unwrap().is_empty());
    assert_eq!(
        store
            .list_events("keep", &EventQuery::oldest(10))
            .await
            .unwrap()
            .len(),
        1
    );
    // A room created again with the same id starts empty.
    store.create_room(Room::with_id("r")).await.unwrap();
    assert_eq!(store.get_room("r").await.unwrap().unwrap().event_count, 0);
    assert_eq!(
        store
            .commit_event(text("r", "sms", "new"))
            .await
            .unwrap()
            .event
            .index,
        0
    );
}

async fn identities_resolve_by_channel_address(store: Backend) {
    let mut ana = Identity::new();
    ana.channel_addresses
        .insert("sms".into(), vec!["+1555".into()]);
    store.create_identity(&ana).await.unwrap();
    assert_eq!(
        store
            .resolve_identity("sms", "+1555")
            .await
            .unwrap()
            .unwrap()
            .id,
        ana.id
    );
    assert_eq!(
        store.resolve_identity("email", "+1555").await.unwrap(),
        None
    );
    assert_eq!(store.get_identity(&ana.id).await.unwrap().unwrap(), ana);
    let linked = store
        .link_address(&ana.id, "email", "ana@x.io")
        .await
        .unwrap();
    assert_eq!(linked.channel_addresses["email"], vec!["ana@x.io"]);
    let again = store
        .link_address(&ana.id, "email", "ana@x.io")
        .await
        .unwrap();
    assert_eq!(
        again.channel_addresses["email"].len(),
        1,
        "linking twice is a no-op"
    );
    assert_eq!(
        store
            .resolve_identity("email", "ana@x.io")
            .await
            .unwrap()
            .unwrap()
            .id,
        ana.id
    );
    let err = store.create_identity(&ana).await.unwrap_err();
    assert!(matches!(err, Error::IdentityExists(_)));
    let err = store
        .link_address("nobody", "sms", "+1999")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::IdentityNotFound(_)));
    assert_eq!(store.resolve_identity("sms", "+1999").await.unwrap(), None);
}

async fn address_taken_by_another_identity_is_refused(store: Backend) {
    let mut ana = Identity::new();
    ana.channel_addresses
        .insert("sms".into(), vec!["+1555".into()]);
    store.create_identity(&ana).await.unwrap();
    let mut bob = Identity::new();
    bob.channel_addresses
        .insert("sms".into(), vec!["+1777".into(), "+1555".into()]);
    let err = store.create_identity(&bob).await.unwrap_err();
    assert!(
        matches!(err, Error::AddressTaken { ref identity_id, .. } if *identity_id == ana.id),
        "{err}"
    );
    assert_eq!(
        store.get_identity(&bob.id).await.unwrap(),
        None,
        "nothing of bob was stored"
    );
    assert_eq!(store.resolve_identity("sms", "+1777").await.unwrap(), None);
    let carol = Identity::new();
    store.create_identity(&carol).await.unwrap();
    let err = store
        .link_address(&carol.id, "sms", "+1555")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::AddressTaken { .. }));
    assert!(
        store
            .get_identity(&carol.id)
            .await
            .unwrap()
            .unwrap()
            .channel_addresses
            .is_empty()
    );
}

async fn tasks_are_added_updated_and_listed_by_status(store: Backend) {
    store.create_room(Room::with_id("r")).await.unwrap();
    let err = store
        .add_task(&Task::new("missing", "x"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RoomNotFound(_)));
    let first = Task::new("r", "first");
    let mut second = Task::new("r", "second");
    store.add_task(&first).await.unwrap();
    store.add_task(&second).await.unwrap();
    assert!(matches!(
        store.add_task(&first).await,
        Err(Error::TaskExists(_))
    ));
    second.status = TaskStatus::Completed;
    store.update_task(&second).await.unwrap();
    let titles = |tasks: Vec<Task>| tasks.into_iter().map(|t| t.title).collect::<Vec<_>>();
    assert_eq!(
        titles(store.list_tasks("r", None).await.unwrap()),
        vec!["first", "second"]
    );
    assert_eq!(
        titles(
            store
                .list_tasks("r", Some(TaskStatus::Completed))
                .await
                .unwrap()
        ),
        vec!["second"]
    );
    assert_eq!(store.get_task(&second.id).await.unwrap().unwrap(), second);
    let mut moved = first.clone();
    moved.room_id = "elsewhere".into();
    assert!(matches!(
        store.update_task(&moved).await,
        Err(Error::TaskNotFound(_))
    ));
    assert!(matches!(
        store.update_task(&Task::new("r", "ghost")).await,
        Err(Error::TaskNotFound(_))
    ));
    assert_eq!(
        store.get_task(&first.id).await.unwrap().unwrap().room_id,
        "r"
    );
}

async fn observations_keep_creation_order_and_valid_confidence(store: Backend) {
    store.create_room(Room::with_id("r")).await.unwrap();
    for content in ["calm", "annoyed", "angry"] {
        store
            .add_observation(&Observation::new("r", "ai", content))
            .await
            .unwrap();
    }
    let mut bad = Observation::new("r", "ai", "unsure");
    bad.confidence = 1.5;
    assert!(matches!(
        store.add_observation(&bad).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        store
            .add_observation(&Observation::new("missing", "ai", "x"))
            .await,
        Err(Error::RoomNotFound(_))
    ));
    let got: Vec<String> = store
        .list_observations("r")
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.content)
        .collect();
    assert_eq!(got, vec!["calm", "annoyed", "angry"]);
}

async fn read_marker_never_moves_back(store: Backend) {
    room_with_events(&store, "r", &["0", "1", "2", "3"]).await;
    store
        .put_binding(&ChannelBinding::new("r", "agent", "websocket"))
        .await
        .unwrap();
    assert_eq!(store.mark_read("r", "agent", 2).await.unwrap(), 2);
    assert_eq!(store.mark_read("r", "agent", 1).await.unwrap(), 2);
    assert_eq!(
        store
            .get_binding("r", "agent")
            .await
            .unwrap()
            .unwrap()
            .last_read_index,
        Some(2)
    );
    assert_eq!(store.mark_all_read("r", "agent").await.unwrap(), Some(3));
    let err = store.mark_read("r", "agent", 9).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::IndexOutOfRange {
                index: 9,
                latest: Some(3),
                ..
            }
        ),
        "{err}"
    );
    let err = store.mark_read("r", "ghost", 0).await.unwrap_err();
    assert!(matches!(err, Error::BindingNotFound { .. }));
    assert_eq!(
        store
            .get_binding("r", "agent")
            .await
            .unwrap()
            .unwrap()
            .last_read_index,
        Some(3)
    );
}

async fn unread_count_skips_blocked_events(store: Backend) {
    store.create_room(Room::with_id("r")).await.unwrap();
    store
        .put_binding(&ChannelBinding::new("r", "agent", "websocket"))
        .await
        .unwrap();
    assert_eq!(store.unread_count("r", "agent").await.unwrap(), 0);
    assert_eq!(
        store.mark_all_read("r", "agent").await.unwrap(),
        None,
        "empty room"
    );
    store.commit_event(text("r", "sms", "a")).await.unwrap();
    store.commit_event(blocked("r", "spam")).await.unwrap();
    store.commit_event(text("r", "sms", "b")).await.unwrap();
    assert_eq!(store.unread_count("r", "agent").await.unwrap(), 2);
    store.mark_read("r", "agent", 0).await.unwrap();
    assert_eq!(store.unread_count("r", "agent").await.unwrap(), 1);
    assert!(matches!(
        store.unread_count("r", "ghost").await,
        Err(Error::BindingNotFound { .. })
    ));
}

async fn kv_keys_are_listed_by_prefix_in_order_and_namespaced_per_plugin(store: Backend) {
    for key in ["user:2", "user:1", "session:9", "user:10"] {
        store.kv_set("plugin-a", key, key.as_bytes()).await.unwrap();
    }
    store.kv_set("plugin-b", "user:1", b"b's").await.unwrap();
    assert_eq!(
        store.kv_get("plugin-a", "user:1").await.unwrap().as_deref(),
        Some(&b"user:1"[..])
    );
    assert_eq!(
        store.kv_get("plugin-b", "user:1").await.unwrap().as_deref(),
        Some(&b"b's"[..])
    );
    assert_eq!(store.kv_get("plugin-c", "user:1").await.unwrap(), None);
    assert_eq!(
        store.kv_keys("plugin-a", "user:", 10).await.unwrap(),
        vec!["user:1", "user:10", "user:2"]
    );
    assert_eq!(
        store.kv_keys("plugin-a", "user:", 2).await.unwrap(),
        vec!["user:1", "user:10"]
    );
    assert_eq!(store.kv_keys("plugin-a", "", 10).await.unwrap().len(), 4);
    store
        .kv_set("plugin-a", "user:1", b"overwritten")
        .await
        .unwrap();
    assert_eq!(
        store.kv_get("plugin-a", "user:1").await.unwrap().as_deref(),
        Some(&b"overwritten"[..])
    );
    assert!(store.kv_delete("plugin-a", "user:1").await.unwrap());
    assert!(!store.kv_delete("plugin-a", "user:1").await.unwrap());
    assert_eq!(
        store.kv_keys("plugin-b", "", 10).await.unwrap(),
        vec!["user:1"]
    );
}

async fn flush_and_sync_succeed_on_an_open_store(store: Backend) {
    store.create_room(Room::with_id("r")).await.unwrap();
    let committed = store
        .commit_event_unsynced(text("r", "sms", "later"))
        .await
        .unwrap();
    assert_eq!(committed.event.index, 0);
    store.sync().await.unwrap();
    store.flush().await.unwrap();
    assert_eq!(store.get_room("r").await.unwrap().unwrap().event_count, 1);
}

crate::backend_tests!(
    creating_a_room_twice_is_room_exists,
    committing_to_a_missing_room_is_room_not_found,
    commit_assigns_gap_free_indexes_and_counts,
    blocked_event_consumes_an_index_but_is_not_activity,
    paused_room_becomes_active_on_commit_but_not_on_a_blocked_commit,
    event_ids_are_unique,
    internal_visibility_on_an_inbound_event_is_refused,
    duplicate_idempotency_key_returns_the_original_and_writes_nothing,
    update_event_replaces_the_record_but_cannot_move_it,
    update_room_keeps_commit_owned_counters,
    compare_and_set_room_fails_after_a_commit_in_between,
    list_events_after_and_before_are_exclusive,
    newest_first_with_offset_and_limit,
    blocked_events_are_listed_only_when_asked,
    visibility_filter_returns_only_what_the_viewer_may_see,
    bindings_are_replaced_listed_and_removed,
    participants_are_stored_per_room,
    list_rooms_filters_by_channel_participant_status_org_and_metadata,
    delete_room_removes_everything_in_it,
    identities_resolve_by_channel_address,
    address_taken_by_another_identity_is_refused,
    tasks_are_added_updated_and_listed_by_status,
    observations_keep_creation_order_and_valid_confidence,
    read_marker_never_moves_back,
    unread_count_skips_blocked_events,
    kv_keys_are_listed_by_prefix_in_order_and_namespaced_per_plugin,
    flush_and_sync_succeed_on_an_open_store,
);
