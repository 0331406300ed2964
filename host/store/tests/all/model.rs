//! Model test: random sequences of store operations give the same observable results on sled,
//! on the in-memory backend and on a deliberately simple reference model written here.

use std::collections::BTreeMap;

use proptest::prelude::*;
use roomkit_model::{
    ChannelBinding, Content, EventSource, EventStatus, Room, RoomEvent, RoomStatus, Task,
};
use roomkit_store::{
    ConversationStore, Durability, Error, EventQuery, MemoryStore, RoomFilter, SledConfig,
    SledStore,
};

const ROOMS: [&str; 2] = ["r0", "r1"];
const CHANNELS: [&str; 2] = ["sms", "email"];
const KEYS: [&str; 3] = ["k0", "k1", "k2"];
const PLUGINS: [&str; 2] = ["p0", "p1"];
const KV_KEYS: [&str; 4] = ["a", "ab", "b", "abc"];

#[derive(Debug, Clone)]
enum Op {
    CreateRoom(usize),
    Commit {
        room: usize,
        channel: usize,
        key: Option<usize>,
        blocked: bool,
    },
    SetStatus(usize, RoomStatus),
    GetRoom(usize),
    PutBinding(usize, usize),
    RemoveBinding(usize, usize),
    MarkRead(usize, usize, u64),
    MarkAllRead(usize, usize),
    Unread(usize, usize),
    List {
        room: usize,
        after: Option<u64>,
        before: Option<u64>,
        offset: usize,
        limit: usize,
        newest_first: bool,
        include_blocked: bool,
    },
    FindKey(usize, usize, usize),
    KvSet(usize, usize, u8),
    KvDelete(usize, usize),
    KvGet(usize, usize),
    KvKeys(usize, usize),
    AddTask(usize),
    ListTasks(usize),
    DeleteRoom(usize),
    ListRooms(Option<RoomStatus>, Option<usize>),
}

fn status() -> impl Strategy<Value = RoomStatus> {
    prop_oneof![
        Just(RoomStatus::Active),
        Just(RoomStatus::Paused),
        Just(RoomStatus::Closed)
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let r = 0..ROOMS.len();
    let c = 0..CHANNELS.len();
    prop_oneof![
        2 => r.clone().prop_map(Op::CreateRoom),
        6 => (r.clone(), c.clone(), proptest::option::of(0..KEYS.len()), proptest::bool::weighted(0.3))
            .prop_map(|(room, channel, key, blocked)| Op::Commit { room, channel, key, blocked }),
        1 => (r.clone(), status()).prop_map(|(r, s)| Op::SetStatus(r, s)),
        1 => r.clone().prop_map(Op::GetRoom),
        2 => (r.clone(), c.clone()).prop_map(|(r, c)| Op::PutBinding(r, c)),
        1 => (r.clone(), c.clone()).prop_map(|(r, c)| Op::RemoveBinding(r, c)),
        1 => (r.clone(), c.clone(), 0..8u64).prop_map(|(r, c, i)| Op::MarkRead(r, c, i)),
        1 => (r.clone(), c.clone()).prop_map(|(r, c)| Op::MarkAllRead(r, c)),
        1 => (r.clone(), c.clone()).prop_map(|(r, c)| Op::Unread(r, c)),
        3 => (r.clone(), proptest::option::of(0..8u64), proptest::option::of(0..10u64), 0..3usize, 0..6usize, any::<bool>(), any::<bool>())
            .prop_map(|(room, after, before, offset, limit, newest_first, include_blocked)| Op::List { room, after, before, offset, limit, newest_first, include_blocked }),
        1 => (r.clone(), c.clone(), 0..KEYS.len()).prop_map(|(r, c, k)| Op::FindKey(r, c, k)),
        1 => (0..PLUGINS.len(), 0..KV_KEYS.len(), any::<u8>()).prop_map(|(p, k, v)| Op::KvSet(p, k, v)),
        1 => (0..PLUGINS.len(), 0..KV_KEYS.len()).prop_map(|(p, k)| Op::KvDelete(p, k)),
        1 => (0..PLUGINS.len(), 0..KV_KEYS.len()).prop_map(|(p, k)| Op::KvGet(p, k)),
        1 => (0..PLUGINS.len(), 0..KV_KEYS.len()).prop_map(|(p, k)| Op::KvKeys(p, k)),
        1 => r.clone().prop_map(Op::AddTask),
        1 => r.clone().prop_map(Op::ListTasks),
        1 => r.clone().prop_map(Op::DeleteRoom),
        1 => (proptest::option::of(status()), proptest::option::of(c)).prop_map(|(s, c)| Op::ListRooms(s, c)),
    ]
}

// --- the reference model -------------------------------------------------------------------

#[derive(Debug, Clone)]
struct MEvent {
    body: String,
    channel: String,
    key: Option<String>,
    blocked: bool,
}

#[derive(Debug, Clone)]
struct MRoom {
    created: u64,
    status: RoomStatus,
    events: Vec<MEvent>,
    /// channel → read marker
    bindings: BTreeMap<String, Option<u64>>,
    tasks: Vec<String>,
}

#[derive(Debug, Default)]
struct Model {
    rooms: BTreeMap<String, MRoom>,
    kv: BTreeMap<(String, String), Vec<u8>>,
    clock: u64,
}

fn err_name(err: &Error) -> String {
    format!("{err:?}")
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn show_events<'a>(events: impl Iterator<Item = (u64, &'a str)>) -> String {
    events
        .map(|(i, b)| format!("{i}:{b}"))
        .collect::<Vec<_>>()
        .join(",")
}

impl Model {
    fn apply(&mut self, op: &Op, n: usize) -> String {
        match op {
            Op::CreateRoom(r) => {
                let id = ROOMS[*r];
                if self.rooms.contains_key(id) {
                    return "Err(RoomExists)".into();
                }
                self.clock += 1;
                let room = MRoom {
                    created: self.clock,
                    status: RoomStatus::Active,
                    events: vec![],
                    bindings: BTreeMap::new(),
                    tasks: vec![],
                };
                self.rooms.insert(id.into(), room);
                "Ok".into()
            }
            Op::Commit {
                room,
                channel,
                key,
                blocked,
            } => {
                let Some(r) = self.rooms.get_mut(ROOMS[*room]) else {
                    return "Err(RoomNotFound)".into();
                };
                let key = key.map(|k| KEYS[k].to_owned());
                if let Some(k) = &key
                    && let Some((i, e)) =
                        r.events.iter().enumerate().find(|(_, e)| {
                            e.key.as_ref() == Some(k) && e.channel == CHANNELS[*channel]
                        })
                {
                    return format!("Ok({i}:{},dup)", e.body);
                }
                let body = format!("e{n}");
                r.events.push(MEvent {
                    body: body.clone(),
                    channel: CHANNELS[*channel].into(),
                    key,
                    blocked: *blocked,
                });
                if !blocked && r.status == RoomStatus::Paused {
                    r.status = RoomStatus::Active;
                }
                format!("Ok({}:{body})", r.events.len() - 1)
            }
            Op::SetStatus(r, status) => match self.rooms.get_mut(ROOMS[*r]) {
                Some(room) => {
                    room.status = *status;
                    format!("Ok({status:?},{})", room.events.len())
                }
                None => "Err(RoomNotFound)".into(),
            },
            Op::GetRoom(r) => match self.rooms.get(ROOMS[*r]) {
                Some(room) => format!(
                    "{:?},{},{:?}",
                    room.status,
                    room.events.len(),
                    room.events.len().checked_sub(1)
                ),
                None => "None".into(),
            },
            Op::PutBinding(r, c) => match self.rooms.get_mut(ROOMS[*r]) {
                Some(room) => {
                    room.bindings.insert(CHANNELS[*c].into(), None);
                    "Ok".into()
                }
                None => "Err(RoomNotFound)".into(),
            },
            Op::RemoveBinding(r, c) => {
                let removed = self
                    .rooms
                    .get_mut(ROOMS[*r])
                    .is_some_and(|room| room.bindings.remove(CHANNELS[*c]).is_some());
                format!("Ok({removed})")
            }
            Op::MarkRead(r, c, index) => self.mark(*r, *c, Some(*index)),
            Op::MarkAllRead(r, c) => self.mark(*r, *c, None),
            Op::Unread(r, c) => {
                let Some(room) = self.rooms.get(ROOMS[*r]) else {
                    return "Err(BindingNotFound)".into();
                };
                let Some(marker) = room.bindings.get(CHANNELS[*c]) else {
                    return "Err(BindingNotFound)".into();
                };
                let start = marker.map_or(0, |m| m as usize + 1);
                let count = room
                    .events
                    .iter()
                    .skip(start)
                    .filter(|e| !e.blocked)
                    .count();
                format!("Ok({count})")
            }
            Op::List {
                room,
                after,
                before,
                offset,
                limit,
                newest_first,
                include_blocked,
            } => {
                let Some(r) = self.rooms.get(ROOMS[*room]) else {
                    return "Err(RoomNotFound)".into();
                };
                let mut picked: Vec<(u64, &str)> = r
                    .events
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (i as u64, e))
                    .filter(|(i, _)| after.is_none_or(|a| *i > a) && before.is_none_or(|b| *i < b))
                    .filter(|(_, e)| *include_blocked || !e.blocked)
                    .map(|(i, e)| (i, e.body.as_str()))
                    .collect();
                if *newest_first {
                    picked.reverse();
                }
                format!(
                    "Ok({})",
                    show_events(picked.into_iter().skip(*offset).take(*limit))
                )
            }
            Op::FindKey(r, c, k) => {
                let found = self.rooms.get(ROOMS[*r]).and_then(|room| {
                    room.events.iter().enumerate().find(|(_, e)| {
                        e.channel == CHANNELS[*c] && e.key.as_deref() == Some(KEYS[*k])
                    })
                });
                match found {
                    Some((i, e)) => format!("Some({i}:{})", e.body),
                    None => "None".into(),
                }
            }
            Op::KvSet(p, k, v) => {
                self.kv
                    .insert((PLUGINS[*p].into(), KV_KEYS[*k].into()), vec![*v]);
                "Ok".into()
            }
            Op::KvDelete(p, k) => format!(
                "Ok({})",
                self.kv
                    .remove(&(PLUGINS[*p].into(), KV_KEYS[*k].into()))
                    .is_some()
            ),
            Op::KvGet(p, k) => format!(
                "{:?}",
                self.kv.get(&(PLUGINS[*p].into(), KV_KEYS[*k].into()))
            ),
            Op::KvKeys(p, k) => {
                let keys: Vec<&str> = self
                    .kv
                    .keys()
                    .filter(|(plugin, key)| plugin == PLUGINS[*p] && key.starts_with(KV_KEYS[*k]))
                    .map(|(_, key)| key.as_str())
                    .collect();
                format!("{keys:?}")
            }
            Op::AddTask(r) => match self.rooms.get_mut(ROOMS[*r]) {
                Some(room) => {
                    room.tasks.push(format!("t{n}"));
                    "Ok".into()
                }
                None => "Err(RoomNotFound)".into(),
            },
            Op::ListTasks(r) => match self.rooms.get(ROOMS[*r]) {
                Some(room) => format!("Ok({:?})", room.tasks),
                None => "Err(RoomNotFound)".into(),
            },
            Op::DeleteRoom(r) => format!("Ok({})", self.rooms.remove(ROOMS[*r]).is_some()),
            Op::ListRooms(status, channel) => {
                let mut rooms: Vec<(&String, &MRoom)> = self
                    .rooms
                    .iter()
                    .filter(|(_, room)| status.is_none_or(|s| room.status == s))
                    .filter(|(_, room)| {
                        channel.is_none_or(|c| room.bindings.contains_key(CHANNELS[c]))
                    })
                    .collect();
                rooms.sort_by_key(|(_, room)| room.created);
                format!(
                    "{:?}",
                    rooms
                        .into_iter()
                        .map(|(id, _)| id.as_str())
                        .collect::<Vec<_>>()
                )
            }
        }
    }

    fn mark(&mut self, r: usize, c: usize, index: Option<u64>) -> String {
        let Some(room) = self.rooms.get_mut(ROOMS[r]) else {
            return "Err(RoomNotFound)".into();
        };
        let latest = room.events.len().checked_sub(1).map(|l| l as u64);
        let Some(marker) = room.bindings.get_mut(CHANNELS[c]) else {
            return "Err(BindingNotFound)".into();
        };
        let target = match index {
            Some(i) => i,
            None => match latest {
                Some(l) => l,
                None => return format!("Ok({marker:?})"),
            },
        };
        if latest.is_none_or(|l| target > l) {
            return "Err(IndexOutOfRange)".into();
        }
        let next = marker.map_or(target, |m| m.max(target));
        *marker = Some(next);
        match index {
            Some(_) => format!("Ok({next})"),
            None => format!("Ok(Some({next}))"),
        }
    }
}

// --- the same operations on a real store ---------------------------------------------------

fn event_list(result: roomkit_store::Result<Vec<RoomEvent>>) -> String {
    match result {
        Ok(events) => format!(
            "Ok({})",
            show_events(events.iter().map(|e| (
                e.index,
                match &e.content {
                    Content::Text { body, .. } => body.as_str(),
                    _ => "",
                }
            )))
        ),
        Err(err) => format!("Err({})", err_name(&err)),
    }
}

fn body_of(event: &RoomEvent) -> &str {
    match &event.content {
        Content::Text { body, .. } => body,
        _ => "",
    }
}

async fn apply(store: &dyn ConversationStore, op: &Op, n: usize) -> String {
    let e = |err: Error| format!("Err({})", err_name(&err));
    match op {
        Op::CreateRoom(r) => store
            .create_room(Room::with_id(ROOMS[*r]))
            .await
            .map_or_else(e, |_| "Ok".into()),
        Op::Commit {
            room,
            channel,
            key,
            blocked,
        } => {
            let mut event = RoomEvent::new(
                ROOMS[*room],
                EventSource::inbound(CHANNELS[*channel], "t"),
                Content::text(format!("e{n}")),
            );
            event.idempotency_key = key.map(|k| KEYS[k].to_owned());
            if *blocked {
                event.status = EventStatus::Blocked;
                event.blocked_by = Some("model".into());
            }
            match store.commit_event(event).await {
                Ok(out) if out.duplicate => {
                    format!("Ok({}:{},dup)", out.event.index, body_of(&out.event))
                }
                Ok(out) => format!("Ok({}:{})", out.event.index, body_of(&out.event)),
                Err(err) => e(err),
            }
        }
        Op::SetStatus(r, status) => match store.get_room(ROOMS[*r]).await {
            Ok(Some(mut room)) => {
                room.status = *status;
                store.update_room(&room).await.map_or_else(e, |room| {
                    format!("Ok({:?},{})", room.status, room.event_count)
                })
            }
            Ok(None) => "Err(RoomNotFound)".into(),
            Err(err) => e(err),
        },
        Op::GetRoom(r) => match store.get_room(ROOMS[*r]).await {
            Ok(Some(room)) => format!(
                "{:?},{},{:?}",
                room.status,
                room.event_count,
                room.latest_index.map(|i| i as usize)
            ),
            Ok(None) => "None".into(),
            Err(err) => e(err),
        },
        Op::PutBinding(r, c) => store
            .put_binding(&ChannelBinding::new(ROOMS[*r], CHANNELS[*c], "t"))
            .await
            .map_or_else(e, |_| "Ok".into()),
        Op::RemoveBinding(r, c) => store
            .remove_binding(ROOMS[*r], CHANNELS[*c])
            .await
            .map_or_else(e, |b| format!("Ok({b})")),
        Op::MarkRead(r, c, i) => store
            .mark_read(ROOMS[*r], CHANNELS[*c], *i)
            .await
            .map_or_else(e, |m| format!("Ok({m})")),
        Op::MarkAllRead(r, c) => store
            .mark_all_read(ROOMS[*r], CHANNELS[*c])
            .await
            .map_or_else(e, |m| format!("Ok({m:?})")),
        Op::Unread(r, c) => store
            .unread_count(ROOMS[*r], CHANNELS[*c])
            .await
            .map_or_else(e, |n| format!("Ok({n})")),
        Op::List {
            room,
            after,
            before,
            offset,
            limit,
            newest_first,
            include_blocked,
        } => {
            let query = EventQuery {
                after_index: *after,
                before_index: *before,
                offset: *offset,
                limit: *limit,
                newest_first: *newest_first,
                include_blocked: *include_blocked,
                visible_to: None,
            };
            event_list(store.list_events(ROOMS[*room], &query).await)
        }
        Op::FindKey(r, c, k) => match store
            .find_by_idempotency_key(ROOMS[*r], CHANNELS[*c], KEYS[*k])
            .await
        {
            Ok(Some(event)) => format!("Some({}:{})", event.index, body_of(&event)),
            Ok(None) => "None".into(),
            Err(err) => e(err),
        },
        Op::KvSet(p, k, v) => store
            .kv_set(PLUGINS[*p], KV_KEYS[*k], &[*v])
            .await
            .map_or_else(e, |_| "Ok".into()),
        Op::KvDelete(p, k) => store
            .kv_delete(PLUGINS[*p], KV_KEYS[*k])
            .await
            .map_or_else(e, |b| format!("Ok({b})")),
        Op::KvGet(p, k) => store
            .kv_get(PLUGINS[*p], KV_KEYS[*k])
            .await
            .map_or_else(e, |v| format!("{:?}", v.as_ref())),
        Op::KvKeys(p, k) => store
            .kv_keys(PLUGINS[*p], KV_KEYS[*k], 100)
            .await
            .map_or_else(e, |keys| format!("{keys:?}")),
        Op::AddTask(r) => store
            .add_task(&Task::new(ROOMS[*r], format!("t{n}")))
            .await
            .map_or_else(e, |_| "Ok".into()),
        Op::ListTasks(r) => store
            .list_tasks(ROOMS[*r], None)
            .await
            .map_or_else(e, |tasks| {
                format!(
                    "Ok({:?})",
                    tasks.into_iter().map(|t| t.title).collect::<Vec<_>>()
                )
            }),
        Op::DeleteRoom(r) => store
            .delete_room(ROOMS[*r])
            .await
            .map_or_else(e, |b| format!("Ok({b})")),
        Op::ListRooms(status, channel) => {
            let filter = RoomFilter {
                status: *status,
                channel_id: channel.map(|c| CHANNELS[c].to_owned()),
                ..RoomFilter::default()
            };
            store.list_rooms(&filter).await.map_or_else(e, |rooms| {
                format!(
                    "{:?}",
                    rooms.iter().map(|r| r.id.as_str()).collect::<Vec<_>>()
                )
            })
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_operations_agree_on_sled_memory_and_the_model(ops in proptest::collection::vec(op(), 1..80)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let sled = SledStore::open_with(SledConfig {
                durability: Durability::Buffered,
                ..SledConfig::new(dir.path().join("db"))
            })
            .unwrap();
            let memory = MemoryStore::new();
            let mut model = Model::default();
            for (n, op) in ops.iter().enumerate() {
                let expected = model.apply(op, n);
                let on_sled = apply(&sled, op, n).await;
                let in_memory = apply(&memory, op, n).await;
                prop_assert_eq!(&on_sled, &expected, "sled, op {} {:?}", n, op);
                prop_assert_eq!(&in_memory, &expected, "memory, op {} {:?}", n, op);
            }
            Ok(())
        })?;
    }
}
