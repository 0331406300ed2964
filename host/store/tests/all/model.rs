//! Model test: random sequences of store operations over a small universe of ids give the same
//! observable results on sled, on the in-memory backend and on a deliberately simple reference
//! model written here (plain maps and vectors, no shared code with the backends). After each
//! sequence the whole state is compared, and again after reopening the sled database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use roomkit_model::{
    ChannelBinding, ChannelCategory, Content, EventSource, EventStatus, Participant, Room,
    RoomEvent, RoomStatus, Task, TaskStatus, Timestamp, ValidationError, Visibility,
};
use roomkit_store::{
    ConversationStore, Durability, Error, EventQuery, MemoryStore, Result, RoomFilter, SledConfig,
    SledStore, VisibleTo,
};
use serde_json::json;

// --- the universe ----------------------------------------------------------------------------

/// `r3` is never created: operations on it always meet a missing room.
const ROOMS: [&str; 4] = ["r0", "r1", "r2", "r3"];
const CHANNELS: [&str; 3] = ["c0", "c1", "c2"];
const KEYS: [&str; 3] = ["k0", "k1", "k2"];
const ORGS: [&str; 2] = ["acme", "globex"];
const PLUGINS: [&str; 2] = ["p0", "p1"];
const KV_KEYS: [&str; 5] = ["a", "ab", "abc", "b", "ba"];
const KV_PREFIXES: [&str; 5] = ["", "a", "ab", "b", "c"];
const TASKS: [&str; 4] = ["t0", "t1", "t2", "t3"];
const PARTICIPANTS: [&str; 2] = ["u0", "u1"];
/// Event ids several commits may share, to provoke `EventExists`.
const SHARED_EVENT_IDS: usize = 3;
const MAX_OPS: usize = 60;
/// Room creations and bindings before the random operations, so that most operations meet
/// rooms.
const PRELUDE: usize = 10;
/// Fresh event ids: one per operation.
const EVENT_IDS: usize = SHARED_EVENT_IDS + PRELUDE + MAX_OPS;

fn base() -> Timestamp {
    serde_json::from_value(json!("2001-01-01T00:00:00Z")).unwrap()
}

fn at(seconds: u64) -> Timestamp {
    base() + Duration::from_secs(seconds)
}

/// Event id number `n`: the shared ids first, then one fresh id per operation.
fn event_id(n: usize) -> String {
    if n < SHARED_EVENT_IDS {
        format!("e{n}")
    } else {
        format!("f{}", n - SHARED_EVENT_IDS)
    }
}

fn all_event_ids() -> impl Iterator<Item = String> {
    (0..EVENT_IDS).map(event_id)
}

fn visibility(choice: usize) -> Visibility {
    match choice {
        0 => Visibility::All,
        1 => Visibility::Transport,
        2 => Visibility::Intelligence,
        3 => Visibility::channels(["c0", "c1"]),
        _ => Visibility::None,
    }
}

// --- operations ------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Move {
    Stay,
    NextIndex,
    OtherRoom,
}

#[derive(Debug, Clone)]
enum Op {
    CreateRoom {
        room: usize,
        paused: bool,
        org: Option<usize>,
        forged_counters: bool,
    },
    GetRoom(usize),
    UpdateRoom {
        room: usize,
        status: RoomStatus,
        org: Option<usize>,
        tag: Option<u8>,
    },
    /// Reads the room from the store itself and compare-and-sets a new status.
    CasStatus(usize, RoomStatus),
    DeleteRoom(usize),
    ListRooms {
        status: Option<RoomStatus>,
        org: Option<usize>,
        channel: Option<usize>,
        participant: Option<usize>,
        tag: Option<u8>,
        offset: usize,
        limit: Option<usize>,
    },
    Commit {
        room: usize,
        channel: usize,
        key: Option<usize>,
        blocked: bool,
        visibility: usize,
        shared_id: Option<usize>,
        internal: bool,
        unsynced: bool,
    },
    GetEvent(usize),
    /// Updates the `event`-th committed event (modulo their number) or, with `None`, one never
    /// committed.
    UpdateEvent {
        event: Option<usize>,
        status: EventStatus,
        moved: Move,
        record_delivery: bool,
    },
    ListEvents {
        room: usize,
        after: Option<u64>,
        before: Option<u64>,
        offset: usize,
        limit: usize,
        newest_first: bool,
        include_blocked: bool,
        viewer: Option<(usize, bool)>,
    },
    FindByKey(usize, usize, usize),
    PutBinding {
        room: usize,
        channel: usize,
        intelligence: bool,
    },
    RemoveBinding(usize, usize),
    ListBindings(usize),
    PutParticipant(usize, usize),
    MarkRead(usize, usize, u64),
    MarkAllRead(usize, usize),
    UnreadCount(usize, usize),
    KvSet(usize, usize, u8),
    KvDelete(usize, usize),
    KvGet(usize, usize),
    KvKeys(usize, usize, usize),
    AddTask(usize, usize, TaskStatus),
    /// The `Some(k)`-th existing task (modulo their number) in its own room, or task `.1` in
    /// room `.2`.
    UpdateTask(Option<usize>, usize, usize, TaskStatus),
    ListTasks(usize, Option<TaskStatus>),
}

fn room_status() -> impl Strategy<Value = RoomStatus> {
    prop_oneof![
        Just(RoomStatus::Active),
        Just(RoomStatus::Paused),
        Just(RoomStatus::Closed),
        Just(RoomStatus::Archived),
    ]
}

fn task_status() -> impl Strategy<Value = TaskStatus> {
    prop_oneof![
        Just(TaskStatus::Pending),
        Just(TaskStatus::InProgress),
        Just(TaskStatus::Completed),
        Just(TaskStatus::Failed),
    ]
}

fn bound() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![
        3 => Just(None),
        6 => (0u64..12).prop_map(Some),
        1 => Just(Some(u64::MAX)),
    ]
}

fn create_room(room: impl Strategy<Value = usize>) -> impl Strategy<Value = Op> {
    (
        room,
        any::<bool>(),
        prop::option::of(0..ORGS.len()),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(room, paused, org, forged_counters)| Op::CreateRoom {
            room,
            paused,
            org,
            forged_counters,
        })
}

fn op() -> impl Strategy<Value = Op> {
    // Mostly rooms that may exist; `r3` never does.
    let room = || prop_oneof![9 => 0..3usize, 1 => Just(3usize)];
    let channel = || 0..CHANNELS.len();
    // Bindings and read markers meet more often on one channel.
    let bound_channel = || prop_oneof![2 => Just(0usize), 1 => 0..CHANNELS.len()];
    prop_oneof![
        4 => create_room(0..3usize),
        2 => room().prop_map(Op::GetRoom),
        3 => (room(), room_status(), prop::option::of(0..ORGS.len()), prop::option::of(0u8..2))
            .prop_map(|(room, status, org, tag)| Op::UpdateRoom { room, status, org, tag }),
        2 => (room(), room_status()).prop_map(|(room, status)| Op::CasStatus(room, status)),
        1 => room().prop_map(Op::DeleteRoom),
        5 => (
            prop::option::of(room_status()),
            prop::option::of(0..ORGS.len()),
            prop::option::of(channel()),
            prop::option::of(0..PARTICIPANTS.len()),
            prop::option::of(0u8..2),
            0..3usize,
            prop::option::of(0..4usize),
        )
            .prop_map(|(status, org, channel, participant, tag, offset, limit)| Op::ListRooms {
                status,
                org,
                channel,
                participant,
                tag,
                offset,
                limit
            }),
        20 => (
            room(),
            channel(),
            prop::option::of(0..KEYS.len()),
            prop::bool::weighted(0.25),
            0..5usize,
            prop::option::weighted(0.15, 0..SHARED_EVENT_IDS),
            prop::bool::weighted(0.05),
            any::<bool>(),
        )
            .prop_map(
                |(room, channel, key, blocked, visibility, shared_id, internal, unsynced)| {
                    Op::Commit {
                        room,
                        channel,
                        key,
                        blocked,
                        visibility,
                        shared_id,
                        internal,
                        unsynced,
                    }
                }
            ),
        2 => (0..EVENT_IDS).prop_map(Op::GetEvent),
        4 => (
            prop::option::weighted(0.85, any::<usize>()),
            prop_oneof![
                Just(EventStatus::Delivered),
                Just(EventStatus::Read),
                Just(EventStatus::Failed),
                Just(EventStatus::Pending),
            ],
            prop_oneof![6 => Just(Move::Stay), 1 => Just(Move::NextIndex), 1 => Just(Move::OtherRoom)],
            any::<bool>(),
        )
            .prop_map(|(event, status, moved, record_delivery)| Op::UpdateEvent {
                event,
                status,
                moved,
                record_delivery
            }),
        10 => (
            room(),
            bound(),
            bound(),
            prop_oneof![3 => Just(0usize), 1 => 1..4usize],
            prop_oneof![1 => Just(0usize), 4 => 1..6usize, 2 => Just(usize::MAX)],
            any::<bool>(),
            any::<bool>(),
            prop::option::weighted(0.3, (channel(), any::<bool>())),
        )
            .prop_map(
                |(room, after, before, offset, limit, newest_first, include_blocked, viewer)| {
                    Op::ListEvents {
                        room,
                        after,
                        before,
                        offset,
                        limit,
                        newest_first,
                        include_blocked,
                        viewer,
                    }
                }
            ),
        3 => (room(), channel(), 0..KEYS.len())
            .prop_map(|(room, channel, key)| Op::FindByKey(room, channel, key)),
        6 => (room(), bound_channel(), any::<bool>()).prop_map(|(room, channel, intelligence)| {
            Op::PutBinding { room, channel, intelligence }
        }),
        2 => (room(), channel()).prop_map(|(room, channel)| Op::RemoveBinding(room, channel)),
        1 => room().prop_map(Op::ListBindings),
        2 => (room(), 0..PARTICIPANTS.len()).prop_map(|(room, p)| Op::PutParticipant(room, p)),
        4 => (room(), bound_channel(), prop_oneof![3 => 0u64..3, 1 => 0u64..10])
            .prop_map(|(room, channel, i)| Op::MarkRead(room, channel, i)),
        2 => (room(), bound_channel()).prop_map(|(room, channel)| Op::MarkAllRead(room, channel)),
        4 => (room(), bound_channel()).prop_map(|(room, channel)| Op::UnreadCount(room, channel)),
        3 => (0..PLUGINS.len(), 0..KV_KEYS.len(), any::<u8>())
            .prop_map(|(p, k, v)| Op::KvSet(p, k, v)),
        2 => (0..PLUGINS.len(), 0..KV_KEYS.len()).prop_map(|(p, k)| Op::KvDelete(p, k)),
        1 => (0..PLUGINS.len(), 0..KV_KEYS.len()).prop_map(|(p, k)| Op::KvGet(p, k)),
        2 => (0..PLUGINS.len(), 0..KV_PREFIXES.len(), prop_oneof![0..4usize, Just(100)])
            .prop_map(|(p, prefix, limit)| Op::KvKeys(p, prefix, limit)),
        3 => (room(), 0..TASKS.len(), task_status()).prop_map(|(r, t, s)| Op::AddTask(r, t, s)),
        3 => (prop::option::weighted(0.6, any::<usize>()), 0..TASKS.len(), room(), task_status())
            .prop_map(|(k, t, r, s)| Op::UpdateTask(k, t, r, s)),
        2 => (room(), prop::option::of(task_status())).prop_map(|(r, s)| Op::ListTasks(r, s)),
    ]
}

// --- concrete calls --------------------------------------------------------------------------

/// An operation with its arguments built, identical for every store and the model.
#[derive(Debug, Clone)]
enum Call {
    CreateRoom(Room),
    GetRoom(String),
    UpdateRoom(Room),
    CasStatus(String, RoomStatus),
    DeleteRoom(String),
    ListRooms(RoomFilter),
    Commit(RoomEvent, bool),
    GetEvent(String),
    UpdateEvent(RoomEvent, bool),
    ListEvents(String, EventQuery),
    FindByKey(String, String, String),
    PutBinding(ChannelBinding),
    RemoveBinding(String, String),
    ListBindings(String),
    PutParticipant(Participant),
    MarkRead(String, String, u64),
    MarkAllRead(String, String),
    UnreadCount(String, String),
    KvSet(String, String, Vec<u8>),
    KvDelete(String, String),
    KvGet(String, String),
    KvKeys(String, String, usize),
    AddTask(Task),
    UpdateTask(Task),
    ListTasks(String, Option<TaskStatus>),
}

/// Builds the call for operation number `n`; `model` provides the events that updates start from.
fn prepare(op: &Op, n: usize, model: &Model) -> Call {
    let s = |x: &str| x.to_owned();
    match *op {
        Op::CreateRoom {
            room,
            paused,
            org,
            forged_counters,
        } => {
            let mut record = Room::with_id(ROOMS[room]);
            record.created_at = at(n as u64);
            record.updated_at = at(n as u64);
            record.organization_id = org.map(|o| s(ORGS[o]));
            if paused {
                record.status = RoomStatus::Paused;
            }
            if forged_counters {
                record.event_count = 5;
                record.latest_index = Some(4);
                record.timers.last_activity_at = Some(at(1000));
            }
            Call::CreateRoom(record)
        }
        Op::GetRoom(room) => Call::GetRoom(s(ROOMS[room])),
        Op::UpdateRoom {
            room,
            status,
            org,
            tag,
        } => {
            let mut record = Room::with_id(ROOMS[room]);
            record.status = status;
            record.organization_id = org.map(|o| s(ORGS[o]));
            if let Some(tag) = tag {
                record.metadata.insert("tag".into(), json!(tag));
            }
            // Ignored by the store: creation time and counters are not the caller's.
            record.created_at = at(5000);
            record.event_count = 77;
            record.latest_index = Some(76);
            Call::UpdateRoom(record)
        }
        Op::CasStatus(room, status) => Call::CasStatus(s(ROOMS[room]), status),
        Op::DeleteRoom(room) => Call::DeleteRoom(s(ROOMS[room])),
        Op::ListRooms {
            status,
            org,
            channel,
            participant,
            tag,
            offset,
            limit,
        } => Call::ListRooms(RoomFilter {
            status,
            organization_id: org.map(|o| s(ORGS[o])),
            channel_id: channel.map(|c| s(CHANNELS[c])),
            participant_id: participant.map(|p| s(PARTICIPANTS[p])),
            metadata: tag.map(|t| (s("tag"), json!(t))),
            offset,
            limit,
        }),
        Op::Commit {
            room,
            channel,
            key,
            blocked,
            visibility: vis,
            shared_id,
            internal,
            unsynced,
        } => {
            let mut event = RoomEvent::new(
                ROOMS[room],
                EventSource::inbound(CHANNELS[channel], "sms"),
                Content::text(format!("body {n}")),
            );
            event.id = event_id(shared_id.unwrap_or(SHARED_EVENT_IDS + n));
            event.created_at = at(n as u64);
            event.idempotency_key = key.map(|k| s(KEYS[k]));
            event.visibility = if internal {
                Visibility::Internal
            } else {
                visibility(vis)
            };
            if blocked {
                event.status = EventStatus::Blocked;
                event.blocked_by = Some("hook".into());
            }
            Call::Commit(event, unsynced)
        }
        Op::GetEvent(id) => Call::GetEvent(event_id(id)),
        Op::UpdateEvent {
            event,
            status,
            moved,
            record_delivery,
        } => {
            let committed: Vec<&RoomEvent> =
                model.rooms.values().flat_map(|r| r.events.iter()).collect();
            let mut updated = match event {
                Some(k) if !committed.is_empty() => committed[k % committed.len()].clone(),
                _ => {
                    let mut stranger = RoomEvent::new(
                        ROOMS[0],
                        EventSource::inbound(CHANNELS[0], "sms"),
                        Content::text("never committed"),
                    );
                    stranger.id = event_id(SHARED_EVENT_IDS + n);
                    stranger
                }
            };
            // Blocked stays blocked and accepted stays accepted: only delivery state changes.
            if !updated.is_blocked() {
                updated.status = status;
            }
            updated.metadata.insert("updated_by_op".into(), json!(n));
            match moved {
                Move::Stay => {}
                Move::NextIndex => updated.index += 1,
                Move::OtherRoom => {
                    let pos = ROOMS
                        .iter()
                        .position(|r| *r == updated.room_id)
                        .unwrap_or(0);
                    updated.room_id = s(ROOMS[(pos + 1) % 3]);
                }
            }
            Call::UpdateEvent(updated, record_delivery)
        }
        Op::ListEvents {
            room,
            after,
            before,
            offset,
            limit,
            newest_first,
            include_blocked,
            viewer,
        } => Call::ListEvents(
            s(ROOMS[room]),
            EventQuery {
                after_index: after,
                before_index: before,
                offset,
                limit,
                newest_first,
                include_blocked,
                visible_to: viewer.map(|(c, intelligence)| VisibleTo {
                    channel_id: s(CHANNELS[c]),
                    category: if intelligence {
                        ChannelCategory::Intelligence
                    } else {
                        ChannelCategory::Transport
                    },
                }),
            },
        ),
        Op::FindByKey(room, channel, key) => {
            Call::FindByKey(s(ROOMS[room]), s(CHANNELS[channel]), s(KEYS[key]))
        }
        Op::PutBinding {
            room,
            channel,
            intelligence,
        } => {
            let mut binding = ChannelBinding::new(ROOMS[room], CHANNELS[channel], "sms");
            binding.attached_at = at(n as u64);
            if intelligence {
                binding.category = ChannelCategory::Intelligence;
            }
            Call::PutBinding(binding)
        }
        Op::RemoveBinding(room, channel) => {
            Call::RemoveBinding(s(ROOMS[room]), s(CHANNELS[channel]))
        }
        Op::ListBindings(room) => Call::ListBindings(s(ROOMS[room])),
        Op::PutParticipant(room, p) => {
            let mut participant = Participant::new(PARTICIPANTS[p], ROOMS[room], CHANNELS[0]);
            participant.display_name = Some(format!("op {n}"));
            Call::PutParticipant(participant)
        }
        Op::MarkRead(room, channel, index) => {
            Call::MarkRead(s(ROOMS[room]), s(CHANNELS[channel]), index)
        }
        Op::MarkAllRead(room, channel) => Call::MarkAllRead(s(ROOMS[room]), s(CHANNELS[channel])),
        Op::UnreadCount(room, channel) => Call::UnreadCount(s(ROOMS[room]), s(CHANNELS[channel])),
        Op::KvSet(p, k, v) => Call::KvSet(s(PLUGINS[p]), s(KV_KEYS[k]), vec![v, n as u8]),
        Op::KvDelete(p, k) => Call::KvDelete(s(PLUGINS[p]), s(KV_KEYS[k])),
        Op::KvGet(p, k) => Call::KvGet(s(PLUGINS[p]), s(KV_KEYS[k])),
        Op::KvKeys(p, prefix, limit) => Call::KvKeys(s(PLUGINS[p]), s(KV_PREFIXES[prefix]), limit),
        Op::AddTask(room, t, status) => {
            let mut task = Task::new(ROOMS[room], format!("task of op {n}"));
            task.id = s(TASKS[t]);
            task.status = status;
            task.created_at = at(n as u64);
            Call::AddTask(task)
        }
        Op::UpdateTask(existing, t, room, status) => {
            let tasks: Vec<&Task> = model.rooms.values().flat_map(|r| r.tasks.iter()).collect();
            let (id, room_id) = match existing {
                Some(k) if !tasks.is_empty() => {
                    let task = tasks[k % tasks.len()];
                    (task.id.clone(), task.room_id.clone())
                }
                _ => (s(TASKS[t]), s(ROOMS[room])),
            };
            let mut task = Task::new(room_id, format!("updated by op {n}"));
            task.id = id;
            task.status = status;
            task.created_at = at(n as u64);
            Call::UpdateTask(task)
        }
        Op::ListTasks(room, status) => Call::ListTasks(s(ROOMS[room]), status),
    }
}

// --- observations ----------------------------------------------------------------------------

/// What an operation let the caller see, with the store-chosen `updated_at` normalised.
#[derive(Debug, PartialEq)]
enum Obs {
    Failed(String),
    Done,
    Flag(bool),
    Room(Option<Room>),
    Rooms(Vec<Room>),
    Committed { event: RoomEvent, duplicate: bool },
    Event(Option<RoomEvent>),
    Events(Vec<RoomEvent>),
    Bindings(Vec<ChannelBinding>),
    Marker(Option<u64>),
    Count(u64),
    Value(Option<Vec<u8>>),
    Keys(Vec<String>),
    Tasks(Vec<Task>),
}

/// `updated_at` is the store's clock; everything else is compared exactly.
fn norm(mut room: Room) -> Room {
    room.updated_at = base();
    room
}

fn error_name(err: &Error) -> String {
    match err {
        Error::RoomExists(id) => format!("RoomExists({id})"),
        Error::RoomNotFound(id) => format!("RoomNotFound({id})"),
        Error::EventExists(id) => format!("EventExists({id})"),
        Error::EventNotFound(id) => format!("EventNotFound({id})"),
        Error::EventMoved {
            event_id,
            room_id,
            index,
        } => format!("EventMoved({event_id}, {room_id}, {index})"),
        Error::BindingNotFound {
            room_id,
            channel_id,
        } => format!("BindingNotFound({room_id}, {channel_id})"),
        Error::TaskExists(id) => format!("TaskExists({id})"),
        Error::TaskNotFound(id) => format!("TaskNotFound({id})"),
        Error::IndexOutOfRange {
            room_id,
            index,
            latest,
        } => format!("IndexOutOfRange({room_id}, {index}, {latest:?})"),
        Error::Invalid(invalid) => format!("Invalid({invalid:?})"),
        other => format!("unexpected error: {other}"),
    }
}

fn observe<T>(result: Result<T>, ok: impl FnOnce(T) -> Obs) -> Obs {
    match result {
        Ok(value) => ok(value),
        Err(err) => Obs::Failed(error_name(&err)),
    }
}

async fn apply_to_store(store: &dyn ConversationStore, call: &Call) -> Obs {
    match call {
        Call::CreateRoom(room) => observe(store.create_room(room.clone()).await, |r| {
            Obs::Room(Some(norm(r)))
        }),
        Call::GetRoom(id) => observe(store.get_room(id).await, |r| Obs::Room(r.map(norm))),
        Call::UpdateRoom(room) => {
            observe(store.update_room(room).await, |r| Obs::Room(Some(norm(r))))
        }
        Call::CasStatus(id, status) => {
            let expected = match store.get_room(id).await {
                Ok(Some(room)) => room,
                Ok(None) => Room::with_id(id),
                Err(err) => return Obs::Failed(error_name(&err)),
            };
            let mut new = expected.clone();
            new.status = *status;
            observe(store.compare_and_set_room(&expected, &new).await, Obs::Flag)
        }
        Call::DeleteRoom(id) => observe(store.delete_room(id).await, Obs::Flag),
        Call::ListRooms(filter) => observe(store.list_rooms(filter).await, |rooms| {
            Obs::Rooms(rooms.into_iter().map(norm).collect())
        }),
        Call::Commit(event, unsynced) => {
            let result = if *unsynced {
                store.commit_event_unsynced(event.clone()).await
            } else {
                store.commit_event(event.clone()).await
            };
            observe(result, |o| Obs::Committed {
                event: o.event,
                duplicate: o.duplicate,
            })
        }
        Call::GetEvent(id) => observe(store.get_event(id).await, Obs::Event),
        Call::UpdateEvent(event, record_delivery) => {
            let result = if *record_delivery {
                store.record_delivery(event).await
            } else {
                store.update_event(event).await
            };
            observe(result, |()| Obs::Done)
        }
        Call::ListEvents(room, query) => observe(store.list_events(room, query).await, Obs::Events),
        Call::FindByKey(room, channel, key) => observe(
            store.find_by_idempotency_key(room, channel, key).await,
            Obs::Event,
        ),
        Call::PutBinding(binding) => observe(store.put_binding(binding).await, |()| Obs::Done),
        Call::RemoveBinding(room, channel) => {
            observe(store.remove_binding(room, channel).await, Obs::Flag)
        }
        Call::ListBindings(room) => observe(store.list_bindings(room).await, Obs::Bindings),
        Call::PutParticipant(p) => observe(store.put_participant(p).await, |()| Obs::Done),
        Call::MarkRead(room, channel, index) => {
            observe(store.mark_read(room, channel, *index).await, |m| {
                Obs::Marker(Some(m))
            })
        }
        Call::MarkAllRead(room, channel) => {
            observe(store.mark_all_read(room, channel).await, Obs::Marker)
        }
        Call::UnreadCount(room, channel) => {
            observe(store.unread_count(room, channel).await, Obs::Count)
        }
        Call::KvSet(plugin, key, value) => {
            observe(store.kv_set(plugin, key, value).await, |()| Obs::Done)
        }
        Call::KvDelete(plugin, key) => observe(store.kv_delete(plugin, key).await, Obs::Flag),
        Call::KvGet(plugin, key) => observe(store.kv_get(plugin, key).await, Obs::Value),
        Call::KvKeys(plugin, prefix, limit) => {
            observe(store.kv_keys(plugin, prefix, *limit).await, Obs::Keys)
        }
        Call::AddTask(task) => observe(store.add_task(task).await, |()| Obs::Done),
        Call::UpdateTask(task) => observe(store.update_task(task).await, |()| Obs::Done),
        Call::ListTasks(room, status) => observe(store.list_tasks(room, *status).await, Obs::Tasks),
    }
}

// --- the reference model ---------------------------------------------------------------------

#[derive(Debug)]
struct ModelRoom {
    room: Room,
    /// Position = index.
    events: Vec<RoomEvent>,
    /// (source channel, idempotency key) → index of the event.
    keys: BTreeMap<(String, String), usize>,
    /// channel id → binding
    bindings: BTreeMap<String, ChannelBinding>,
    participants: BTreeSet<String>,
    /// In creation order.
    tasks: Vec<Task>,
}

#[derive(Debug, Default)]
struct Model {
    rooms: BTreeMap<String, ModelRoom>,
    /// (plugin, key) → value
    kv: BTreeMap<(String, String), Vec<u8>>,
}

fn room_not_found(id: &str) -> Obs {
    Obs::Failed(format!("RoomNotFound({id})"))
}

fn binding_not_found(room: &str, channel: &str) -> Obs {
    Obs::Failed(format!("BindingNotFound({room}, {channel})"))
}

impl Model {
    fn find_event(&self, id: &str) -> Option<&RoomEvent> {
        self.rooms
            .values()
            .flat_map(|r| r.events.iter())
            .find(|e| e.id == id)
    }

    fn find_task(&self, id: &str) -> Option<&Task> {
        self.rooms
            .values()
            .flat_map(|r| r.tasks.iter())
            .find(|t| t.id == id)
    }

    fn visible_events(room: &ModelRoom, query: &EventQuery) -> Vec<RoomEvent> {
        let mut events: Vec<RoomEvent> = room
            .events
            .iter()
            .filter(|e| query.after_index.is_none_or(|after| e.index > after))
            .filter(|e| query.before_index.is_none_or(|before| e.index < before))
            .filter(|e| query.include_blocked || e.status != EventStatus::Blocked)
            .filter(|e| match &query.visible_to {
                None => true,
                Some(viewer) => match &e.visibility {
                    Visibility::All => true,
                    Visibility::None | Visibility::Internal => false,
                    Visibility::Transport => viewer.category == ChannelCategory::Transport,
                    Visibility::Intelligence => viewer.category == ChannelCategory::Intelligence,
                    Visibility::Channels(ids) => ids.contains(&viewer.channel_id),
                },
            })
            .cloned()
            .collect();
        if query.newest_first {
            events.reverse();
        }
        events
            .into_iter()
            .skip(query.offset)
            .take(query.limit)
            .collect()
    }

    fn apply(&mut self, call: &Call) -> Obs {
        match call {
            Call::CreateRoom(room) => {
                if self.rooms.contains_key(&room.id) {
                    return Obs::Failed(format!("RoomExists({})", room.id));
                }
                let mut room = room.clone();
                room.event_count = 0;
                room.latest_index = None;
                room.timers.last_activity_at = None;
                self.rooms.insert(
                    room.id.clone(),
                    ModelRoom {
                        room: room.clone(),
                        events: Vec::new(),
                        keys: BTreeMap::new(),
                        bindings: BTreeMap::new(),
                        participants: BTreeSet::new(),
                        tasks: Vec::new(),
                    },
                );
                Obs::Room(Some(norm(room)))
            }
            Call::GetRoom(id) => Obs::Room(self.rooms.get(id).map(|r| norm(r.room.clone()))),
            Call::UpdateRoom(new) => {
                let Some(stored) = self.rooms.get_mut(&new.id) else {
                    return room_not_found(&new.id);
                };
                let mut merged = new.clone();
                merged.created_at = stored.room.created_at;
                merged.event_count = stored.room.event_count;
                merged.latest_index = stored.room.latest_index;
                merged.timers.last_activity_at = stored.room.timers.last_activity_at;
                stored.room = merged.clone();
                Obs::Room(Some(norm(merged)))
            }
            Call::CasStatus(id, status) => match self.rooms.get_mut(id) {
                Some(stored) => {
                    stored.room.status = *status;
                    Obs::Flag(true)
                }
                None => room_not_found(id),
            },
            Call::DeleteRoom(id) => Obs::Flag(self.rooms.remove(id).is_some()),
            Call::ListRooms(filter) => {
                let mut rooms: Vec<&ModelRoom> = self
                    .rooms
                    .values()
                    .filter(|r| filter.status.is_none_or(|s| r.room.status == s))
                    .filter(|r| {
                        filter.organization_id.is_none()
                            || r.room.organization_id == filter.organization_id
                    })
                    .filter(|r| {
                        filter
                            .channel_id
                            .as_ref()
                            .is_none_or(|c| r.bindings.contains_key(c))
                    })
                    .filter(|r| {
                        filter
                            .participant_id
                            .as_ref()
                            .is_none_or(|p| r.participants.contains(p))
                    })
                    .filter(|r| {
                        filter
                            .metadata
                            .as_ref()
                            .is_none_or(|(k, v)| r.room.metadata.get(k) == Some(v))
                    })
                    .collect();
                rooms.sort_by(|a, b| {
                    (a.room.created_at, &a.room.id).cmp(&(b.room.created_at, &b.room.id))
                });
                Obs::Rooms(
                    rooms
                        .into_iter()
                        .skip(filter.offset)
                        .take(filter.limit.unwrap_or(usize::MAX))
                        .map(|r| norm(r.room.clone()))
                        .collect(),
                )
            }
            Call::Commit(event, _) => self.commit(event.clone()),
            Call::GetEvent(id) => Obs::Event(self.find_event(id).cloned()),
            Call::UpdateEvent(event, _) => {
                let Some(stored) = self.find_event(&event.id) else {
                    return Obs::Failed(format!("EventNotFound({})", event.id));
                };
                if stored.room_id != event.room_id || stored.index != event.index {
                    return Obs::Failed(format!(
                        "EventMoved({}, {}, {})",
                        event.id, stored.room_id, stored.index
                    ));
                }
                let room = self.rooms.get_mut(&event.room_id).unwrap();
                room.events[event.index as usize] = event.clone();
                Obs::Done
            }
            Call::ListEvents(id, query) => match self.rooms.get(id) {
                Some(room) => Obs::Events(Self::visible_events(room, query)),
                None => room_not_found(id),
            },
            Call::FindByKey(id, channel, key) => Obs::Event(self.rooms.get(id).and_then(|r| {
                r.keys
                    .get(&(channel.clone(), key.clone()))
                    .map(|i| r.events[*i].clone())
            })),
            Call::PutBinding(binding) => match self.rooms.get_mut(&binding.room_id) {
                Some(room) => {
                    room.bindings
                        .insert(binding.channel_id.clone(), binding.clone());
                    Obs::Done
                }
                None => room_not_found(&binding.room_id),
            },
            Call::RemoveBinding(id, channel) => Obs::Flag(
                self.rooms
                    .get_mut(id)
                    .is_some_and(|r| r.bindings.remove(channel).is_some()),
            ),
            Call::ListBindings(id) => match self.rooms.get(id) {
                Some(room) => Obs::Bindings(room.bindings.values().cloned().collect()),
                None => room_not_found(id),
            },
            Call::PutParticipant(p) => match self.rooms.get_mut(&p.room_id) {
                Some(room) => {
                    room.participants.insert(p.id.clone());
                    Obs::Done
                }
                None => room_not_found(&p.room_id),
            },
            Call::MarkRead(id, channel, index) => {
                let Some(room) = self.rooms.get_mut(id) else {
                    return room_not_found(id);
                };
                let latest = room.room.latest_index;
                let Some(binding) = room.bindings.get_mut(channel) else {
                    return binding_not_found(id, channel);
                };
                if latest.is_none_or(|latest| *index > latest) {
                    return Obs::Failed(format!("IndexOutOfRange({id}, {index}, {latest:?})"));
                }
                let marker = binding.last_read_index.map_or(*index, |m| m.max(*index));
                binding.last_read_index = Some(marker);
                Obs::Marker(Some(marker))
            }
            Call::MarkAllRead(id, channel) => {
                let Some(room) = self.rooms.get_mut(id) else {
                    return room_not_found(id);
                };
                let latest = room.room.latest_index;
                let Some(binding) = room.bindings.get_mut(channel) else {
                    return binding_not_found(id, channel);
                };
                if let Some(latest) = latest {
                    binding.last_read_index =
                        Some(binding.last_read_index.map_or(latest, |m| m.max(latest)));
                }
                Obs::Marker(binding.last_read_index)
            }
            Call::UnreadCount(id, channel) => {
                let Some(binding) = self.rooms.get(id).and_then(|r| r.bindings.get(channel)) else {
                    return binding_not_found(id, channel);
                };
                let room = &self.rooms[id];
                let unread = room
                    .events
                    .iter()
                    .filter(|e| binding.last_read_index.is_none_or(|m| e.index > m))
                    .filter(|e| e.status != EventStatus::Blocked)
                    .count();
                Obs::Count(unread as u64)
            }
            Call::KvSet(plugin, key, value) => {
                self.kv.insert((plugin.clone(), key.clone()), value.clone());
                Obs::Done
            }
            Call::KvDelete(plugin, key) => {
                Obs::Flag(self.kv.remove(&(plugin.clone(), key.clone())).is_some())
            }
            Call::KvGet(plugin, key) => {
                Obs::Value(self.kv.get(&(plugin.clone(), key.clone())).cloned())
            }
            Call::KvKeys(plugin, prefix, limit) => Obs::Keys(
                self.kv
                    .keys()
                    .filter(|(p, k)| p == plugin && k.starts_with(prefix.as_str()))
                    .take(*limit)
                    .map(|(_, k)| k.clone())
                    .collect(),
            ),
            Call::AddTask(task) => {
                if !self.rooms.contains_key(&task.room_id) {
                    return room_not_found(&task.room_id);
                }
                if self.find_task(&task.id).is_some() {
                    return Obs::Failed(format!("TaskExists({})", task.id));
                }
                self.rooms
                    .get_mut(&task.room_id)
                    .unwrap()
                    .tasks
                    .push(task.clone());
                Obs::Done
            }
            Call::UpdateTask(task) => {
                let slot = self
                    .rooms
                    .get_mut(&task.room_id)
                    .and_then(|r| r.tasks.iter_mut().find(|t| t.id == task.id));
                match slot {
                    Some(slot) => {
                        *slot = task.clone();
                        Obs::Done
                    }
                    None => Obs::Failed(format!("TaskNotFound({})", task.id)),
                }
            }
            Call::ListTasks(id, status) => match self.rooms.get(id) {
                Some(room) => Obs::Tasks(
                    room.tasks
                        .iter()
                        .filter(|t| status.is_none_or(|s| t.status == s))
                        .cloned()
                        .collect(),
                ),
                None => room_not_found(id),
            },
        }
    }

    fn commit(&mut self, mut event: RoomEvent) -> Obs {
        if event.visibility == Visibility::Internal {
            // Every generated event is inbound.
            return Obs::Failed(format!(
                "Invalid({:?})",
                ValidationError::InternalVisibilityRefused {
                    place: "inbound messages"
                }
            ));
        }
        if !self.rooms.contains_key(&event.room_id) {
            return room_not_found(&event.room_id);
        }
        let dedup = event
            .idempotency_key
            .clone()
            .map(|key| (event.source.channel_id.clone(), key));
        let room = &self.rooms[&event.room_id];
        if let Some(i) = dedup.as_ref().and_then(|d| room.keys.get(d)) {
            return Obs::Committed {
                event: room.events[*i].clone(),
                duplicate: true,
            };
        }
        if self.find_event(&event.id).is_some() {
            return Obs::Failed(format!("EventExists({})", event.id));
        }
        let room = self.rooms.get_mut(&event.room_id).unwrap();
        let index = room.events.len();
        event.index = index as u64;
        room.room.event_count = index as u64 + 1;
        room.room.latest_index = Some(index as u64);
        if event.status != EventStatus::Blocked {
            room.room.timers.last_activity_at = Some(event.created_at);
            if room.room.status == RoomStatus::Paused {
                room.room.status = RoomStatus::Active;
            }
        }
        if let Some(d) = dedup {
            room.keys.insert(d, index);
        }
        room.events.push(event.clone());
        Obs::Committed {
            event,
            duplicate: false,
        }
    }
}

// --- whole-state comparison ------------------------------------------------------------------

/// The reads that together show everything stored about the universe.
fn state_reads() -> Vec<Call> {
    let s = |x: &str| x.to_owned();
    let mut reads = Vec::new();
    for r in ROOMS {
        reads.push(Call::GetRoom(s(r)));
        reads.push(Call::ListEvents(
            s(r),
            EventQuery::oldest(usize::MAX).with_blocked(),
        ));
        reads.push(Call::ListBindings(s(r)));
        reads.push(Call::ListTasks(s(r), None));
        for c in CHANNELS {
            for k in KEYS {
                reads.push(Call::FindByKey(s(r), s(c), s(k)));
            }
        }
    }
    reads.push(Call::ListRooms(RoomFilter::default()));
    reads.extend(all_event_ids().map(Call::GetEvent));
    for p in PLUGINS {
        reads.push(Call::KvKeys(s(p), String::new(), usize::MAX));
        reads.extend(KV_KEYS.iter().map(|k| Call::KvGet(s(p), s(k))));
    }
    reads
}

async fn store_state(store: &dyn ConversationStore) -> Vec<Obs> {
    let mut state = Vec::new();
    for read in state_reads() {
        state.push(apply_to_store(store, &read).await);
    }
    state
}

fn model_state(model: &mut Model) -> Vec<Obs> {
    state_reads().iter().map(|read| model.apply(read)).collect()
}

fn same_state(label: &str, got: &[Obs], wanted: &[Obs]) -> std::result::Result<(), TestCaseError> {
    prop_assert_eq!(got.len(), wanted.len());
    for ((read, got), wanted) in state_reads().iter().zip(got).zip(wanted) {
        prop_assert_eq!(got, wanted, "{}: {:?}", label, read);
    }
    Ok(())
}

// --- the test --------------------------------------------------------------------------------

fn open_sled(path: &std::path::Path) -> SledStore {
    let config = SledConfig {
        durability: Durability::Buffered,
        cache_capacity_bytes: 8 * 1024 * 1024,
        ..SledConfig::new(path)
    };
    // sled's own background thread may hold the file lock for a moment after the previous
    // handle was dropped; a reopen in the same process waits for it (a minute at most: a limit
    // for "never" that holds on a loaded machine).
    for _ in 0..6_000 {
        match SledStore::open_with(config.clone()) {
            Err(Error::Backend(reason)) if reason.contains("could not acquire lock") => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return other.unwrap(),
        }
    }
    panic!("the sled file lock was never released");
}

async fn run_case(ops: &[Op]) -> std::result::Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let sled = open_sled(&path);
    let memory = MemoryStore::new();
    let mut model = Model::default();

    for (n, op) in ops.iter().enumerate() {
        let call = prepare(op, n, &model);
        let from_sled = apply_to_store(&sled, &call).await;
        let from_memory = apply_to_store(&memory, &call).await;
        let from_model = model.apply(&call);
        prop_assert_eq!(
            &from_sled,
            &from_model,
            "sled vs model at op {}: {:?}",
            n,
            call
        );
        prop_assert_eq!(
            &from_memory,
            &from_model,
            "memory vs model at op {}: {:?}",
            n,
            call
        );
    }

    let wanted = model_state(&mut model);
    same_state("sled", &store_state(&sled).await, &wanted)?;
    same_state("memory", &store_state(&memory).await, &wanted)?;

    drop(sled);
    let reopened = open_sled(&path);
    same_state(
        "sled after reopening",
        &store_state(&reopened).await,
        &wanted,
    )?;
    Ok(())
}

#[test]
fn sled_memory_and_a_reference_model_agree_on_random_operation_sequences() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let config = Config {
        cases: 256,
        // No regression files written into the source tree.
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    // Every room but `r3` exists at first, with a few channels attached; anything may follow.
    let ops = (
        create_room(Just(0)),
        create_room(Just(1)),
        create_room(Just(2)),
        prop::collection::vec(
            (0..3usize, 0..CHANNELS.len(), any::<bool>()).prop_map(
                |(room, channel, intelligence)| Op::PutBinding {
                    room,
                    channel,
                    intelligence,
                },
            ),
            0..=PRELUDE - 6,
        ),
        prop::collection::vec(op(), 1..=MAX_OPS),
    )
        .prop_map(|(r0, r1, r2, bindings, ops)| {
            let mut all = vec![r0, r1, r2];
            all.extend((0..3).map(|room| Op::PutBinding {
                room,
                channel: 0,
                intelligence: false,
            }));
            all.extend(bindings);
            all.extend(ops);
            all
        });
    let result = runner.run(&ops, |ops| runtime.block_on(run_case(&ops)));
    if let Err(err) = result {
        panic!("{err}");
    }
}
