//! The sled backend: the default, on disk. Layout in `docs/storage.md`; trees in [`TREES`].

mod codec;
mod conversation_store;
mod group_commit;
pub mod keys;
mod trees;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use roomkit_model::{ChannelBinding, Identity, Participant, Room, RoomEvent, Task};
use sled::{Db, Transactional, Tree};

use crate::locks::Striped;
use crate::rules::{CommitState, page_events, page_rooms, raise_marker};
use crate::{CommitOutcome, Error, EventQuery, Result, RoomFilter};
use codec::{decode, encode, from_tx, get_json, scan_json, starts_with_id};
use group_commit::GroupCommit;
pub use trees::TREES;
use trees::Trees;

/// When a mutation counts as done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// After it is flushed to disk; concurrent writers share flushes (group commit).
    #[default]
    Flush,
    /// As soon as it is written; sled flushes in the background (a crash may lose the last
    /// few hundred milliseconds).
    Buffered,
}

/// How to open a [`SledStore`].
#[derive(Debug, Clone)]
pub struct SledConfig {
    /// Directory of the database; created if missing.
    pub path: PathBuf,
    /// When mutations are acknowledged.
    pub durability: Durability,
    /// sled's page cache size.
    pub cache_capacity_bytes: u64,
}

impl SledConfig {
    /// Durable, with a 256 MiB cache.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        SledConfig {
            path: path.into(),
            durability: Durability::Flush,
            cache_capacity_bytes: 256 * 1024 * 1024,
        }
    }
}

/// A [`ConversationStore`] on an embedded sled database.
///
/// A commit is a few plain inserts rather than a sled transaction (which costs about twice as
/// much): the event-id index and idempotency entries are written first and the event last, so
/// the event's insert is the commit point. Index entries left behind by a crash before that
/// point name an id that is not at the location they point to, and every reader checks that.
/// The room's counters are derived from its newest events and cached per room under the room's
/// stripe lock, so a commit never rewrites the room record (except paused → active).
#[derive(Debug)]
pub struct SledStore {
    db: Db,
    trees: Trees,
    rooms: Striped<HashMap<String, RoomState>>,
    group: Option<GroupCommit>,
}

/// What the store keeps in memory about a room it has touched; present only for rooms that
/// exist, and changed only under the room's stripe lock by the writers of the room, so it
/// cannot go stale within the process (sled's file lock keeps other processes out).
#[derive(Debug, Clone)]
struct RoomState {
    /// Status and the commit-owned counters, derived from the events.
    commit: CommitState,
    /// The stored room record (its counters are not authoritative).
    record: Arc<Room>,
    /// The room's bindings, once read.
    bindings: Option<Arc<Vec<ChannelBinding>>>,
    /// The room's participants, once read.
    participants: Option<Arc<Vec<Participant>>>,
    /// The id of the event this process last committed to the room, with its index: the
    /// event a delivery record usually updates, known to be in place without reading it.
    latest: Option<(u64, String)>,
}

impl RoomState {
    /// The room as readers see it: the record with the derived counters.
    fn view(&self) -> Room {
        let mut room = (*self.record).clone();
        self.commit.write_to(&mut room);
        room
    }
}

/// How many rooms one lock stripe keeps in memory before it forgets one (256 stripes).
const ROOMS_PER_STRIPE: usize = 64;

type RoomCache = HashMap<String, RoomState>;

/// Adds a room to a stripe's cache, forgetting another room when the stripe is full (its state
/// is derived again from disk on next use).
fn remember(cache: &mut RoomCache, room_id: &str, state: RoomState) {
    if cache.len() >= ROOMS_PER_STRIPE && !cache.contains_key(room_id) {
        let victim = cache.keys().next().cloned();
        if let Some(victim) = victim {
            cache.remove(&victim);
        }
    }
    cache.insert(room_id.to_owned(), state);
}

impl SledStore {
    /// Opens (or creates) a durable store in `path`.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        Self::open_with(SledConfig::new(path))
    }

    /// Opens (or creates) a store with the given settings.
    pub fn open_with(config: SledConfig) -> Result<Self> {
        let db = sled::Config::new()
            .path(&config.path)
            .cache_capacity(config.cache_capacity_bytes)
            .open()?;
        let trees = Trees::open(&db)?;
        index_correspondents(&trees)?;
        let group = match config.durability {
            Durability::Flush => Some(
                GroupCommit::start(db.clone())
                    .map_err(|e| Error::Backend(format!("cannot start group commit: {e}")))?,
            ),
            Durability::Buffered => None,
        };
        Ok(SledStore {
            db,
            trees,
            rooms: Striped::new(),
            group,
        })
    }

    /// Every tree with its number of entries (a full scan: for inspection, not hot paths).
    pub fn tree_sizes(&self) -> Result<Vec<(&'static str, usize)>> {
        Ok(self
            .trees
            .all()
            .into_iter()
            .map(|(name, tree)| (name, tree.len()))
            .collect())
    }

    /// How many group-commit flushes have run (zero with [`Durability::Buffered`]).
    pub fn flush_count(&self) -> u64 {
        self.group.as_ref().map_or(0, GroupCommit::flushes)
    }

    async fn durable(&self) -> Result<()> {
        match &self.group {
            Some(group) => group.durable().await,
            None => Ok(()),
        }
    }

    /// The room as readers see it. Takes the room's stripe lock.
    fn room(&self, room_id: &str) -> Result<Room> {
        let mut cache = self.rooms.lock(room_id);
        self.room_locked(&mut cache, room_id)
    }

    /// The room, with its stripe already locked by the caller.
    fn room_locked(&self, cache: &mut RoomCache, room_id: &str) -> Result<Room> {
        Ok(self.state_locked(cache, room_id)?.view())
    }

    /// The room's cached state, loading it on first use; RoomNotFound if there is no room.
    fn state_locked<'c>(
        &self,
        cache: &'c mut RoomCache,
        room_id: &str,
    ) -> Result<&'c mut RoomState> {
        if !cache.contains_key(room_id) {
            let record: Room = get_json(&self.trees.roomid_room, room_id.as_bytes())?
                .ok_or_else(|| Error::RoomNotFound(room_id.to_owned()))?;
            let state = self.load_state(record)?;
            remember(cache, room_id, state);
        }
        cache
            .get_mut(room_id)
            .ok_or_else(|| Error::RoomNotFound(room_id.to_owned()))
    }

    /// Derives the counters from the newest events: the last index, and the newest event that
    /// was not blocked.
    fn load_state(&self, record: Room) -> Result<RoomState> {
        let commit = self.load_counters(&record)?;
        Ok(RoomState {
            commit,
            record: Arc::new(record),
            bindings: None,
            participants: None,
            latest: None,
        })
    }

    fn load_counters(&self, record: &Room) -> Result<CommitState> {
        let mut state = CommitState {
            status: record.status,
            event_count: 0,
            last_activity_at: None,
        };
        // The record's own counters are not authoritative: the events are.
        for entry in self
            .trees
            .roomid_index_event
            .scan_prefix(keys::room_prefix(&record.id))
            .rev()
        {
            let (key, value) = entry?;
            if state.event_count == 0 {
                let index = keys::event_index(&key).ok_or_else(|| Error::Corrupt {
                    tree: "roomid_index_event",
                    key: String::from_utf8_lossy(&key).into_owned(),
                    reason: "key too short for an index".into(),
                })?;
                state.event_count = index + 1;
            }
            let event: RoomEvent = decode("roomid_index_event", &key, &value)?;
            if !event.is_blocked() {
                state.last_activity_at = Some(event.created_at);
                break;
            }
        }
        Ok(state)
    }

    /// The event stored at `location` if it is the one named `event_id`.
    fn event_at(&self, location: &[u8], event_id: &[u8]) -> Result<Option<RoomEvent>> {
        let event: Option<RoomEvent> = get_json(&self.trees.roomid_index_event, location)?;
        Ok(event.filter(|e| e.id.as_bytes() == event_id))
    }

    /// The committed event with this id, with its stored location.
    fn event_by_id(&self, event_id: &[u8]) -> Result<Option<(sled::IVec, RoomEvent)>> {
        match self.trees.eventid_roomindex.get(event_id)? {
            Some(location) => Ok(self
                .event_at(&location, event_id)?
                .map(|event| (location, event))),
            None => Ok(None),
        }
    }

    fn commit_sync(&self, mut event: RoomEvent) -> Result<CommitOutcome> {
        event.validate()?;
        let mut cache = self.rooms.lock(&event.room_id);
        let state = self.state_locked(&mut cache, &event.room_id)?;
        let t = &self.trees;
        let idempotency = event
            .idempotency_key
            .as_ref()
            .map(|key| keys::idempotency(&event.room_id, &event.source.channel_id, key));
        if let Some(key) = &idempotency
            && let Some(original_id) = t.roomid_channelid_idemkey_eventid.get(key)?
            && let Some((_, original)) = self.event_by_id(&original_id)?
        {
            return Ok(CommitOutcome {
                event: original,
                duplicate: true,
            });
        }
        let mut next = state.commit.clone();
        let status_changed = next.apply(&mut event);
        let location = keys::event(&event.room_id, event.index);
        // Insert-if-absent doubles as the uniqueness check; an entry left by a crashed commit
        // (its id is not at its location) is simply replaced.
        if let Err(taken) = t.eventid_roomindex.compare_and_swap(
            event.id.as_bytes(),
            None as Option<&[u8]>,
            Some(location.as_slice()),
        )? {
            if let Some(current) = taken.current
                && self.event_at(&current, event.id.as_bytes())?.is_some()
            {
                return Err(Error::EventExists(event.id));
            }
            t.eventid_roomindex
                .insert(event.id.as_bytes(), location.as_slice())?;
        }
        if status_changed {
            // Written before the event: a crash before the event leaves an active room without the
            // message, never a paused room with it.
            let mut record = (*state.record).clone();
            record.status = next.status;
            t.roomid_room
                .insert(event.room_id.as_bytes(), encode(&record)?)?;
            state.record = Arc::new(record);
        }
        if let Some(key) = &idempotency {
            t.roomid_channelid_idemkey_eventid
                .insert(key.as_slice(), event.id.as_bytes())?;
        }
        t.roomid_index_event.insert(location, encode(&event)?)?; // the commit point
        state.commit = next;
        state.latest = Some((event.index, event.id.clone()));
        Ok(CommitOutcome {
            event,
            duplicate: false,
        })
    }

    /// Writes a room record and refreshes the cache; the stripe is locked by the caller.
    fn write_room_record(&self, cache: &mut RoomCache, room: &Room) -> Result<()> {
        self.trees
            .roomid_room
            .insert(room.id.as_bytes(), encode(room)?)?;
        if let Some(state) = cache.get_mut(&room.id) {
            state.commit.status = room.status;
            state.record = Arc::new(room.clone());
        }
        Ok(())
    }

    /// The room's bindings, from the cache or read once; the stripe is locked by the caller.
    fn bindings_locked(
        &self,
        cache: &mut RoomCache,
        room_id: &str,
    ) -> Result<Arc<Vec<ChannelBinding>>> {
        let state = self.state_locked(cache, room_id)?;
        if let Some(bindings) = &state.bindings {
            return Ok(Arc::clone(bindings));
        }
        let bindings = Arc::new(scan_json(
            &self.trees.roomid_channelid_binding,
            &keys::room_prefix(room_id),
        )?);
        state.bindings = Some(Arc::clone(&bindings));
        Ok(bindings)
    }

    fn update_event_sync(&self, event: &RoomEvent) -> Result<()> {
        let cache = self.rooms.lock(&event.room_id);
        let not_found = || Error::EventNotFound(event.id.clone());
        let claimed = keys::event(&event.room_id, event.index);
        // A committed event's location never changes; only a room's deletion removes it, and
        // that takes the same lock and forgets the room's state. So the room's latest commit
        // needs no read, and any other event reads one record and decodes nothing.
        let is_latest = cache
            .get(&event.room_id)
            .and_then(|state| state.latest.as_ref())
            .is_some_and(|(index, id)| *index == event.index && *id == event.id);
        if is_latest
            || self
                .trees
                .roomid_index_event
                .get(&claimed)?
                .is_some_and(|stored| starts_with_id(&stored, &event.id))
        {
            self.trees
                .roomid_index_event
                .insert(claimed, encode(event)?)?;
            return Ok(());
        }
        let location = self
            .trees
            .eventid_roomindex
            .get(event.id.as_bytes())?
            .ok_or_else(not_found)?;
        let stored = self
            .event_at(&location, event.id.as_bytes())?
            .ok_or_else(not_found)?;
        Err(Error::EventMoved {
            event_id: event.id.clone(),
            room_id: stored.room_id,
            index: stored.index,
        })
    }

    fn delete_room_sync(&self, room_id: &str) -> Result<bool> {
        let mut cache = self.rooms.lock(room_id);
        let t = &self.trees;
        if t.roomid_room.get(room_id.as_bytes())?.is_none() {
            return Ok(false);
        }
        // Children first, the room record last: a crash half-way leaves the room in place and
        // the delete can simply be repeated.
        let prefix = keys::room_prefix(room_id);
        for entry in t.roomid_index_event.scan_prefix(&prefix) {
            let (key, value) = entry?;
            let event: RoomEvent = decode("roomid_index_event", &key, &value)?;
            t.eventid_roomindex.remove(event.id.as_bytes())?;
            t.roomid_index_event.remove(key)?;
        }
        for entry in t.roomid_channelid_idemkey_eventid.scan_prefix(&prefix) {
            t.roomid_channelid_idemkey_eventid.remove(entry?.0)?;
        }
        for entry in t.roomid_channelid_binding.scan_prefix(&prefix) {
            let (key, value) = entry?;
            if let Some(channel_id) = keys::pair_second(&key) {
                t.channelid_roomid.remove(keys::pair(channel_id, room_id))?;
                let binding: ChannelBinding = decode("roomid_channelid_binding", &key, &value)?;
                t.channelid_participantid_roomid
                    .remove(keys::correspondent(
                        channel_id,
                        binding.participant_id.as_deref(),
                        room_id,
                    ))?;
            }
            t.roomid_channelid_binding.remove(key)?;
        }
        for entry in t.roomid_participantid_participant.scan_prefix(&prefix) {
            let key = entry?.0;
            if let Some(participant_id) = keys::pair_second(&key) {
                t.participantid_roomid
                    .remove(keys::pair(participant_id, room_id))?;
            }
            t.roomid_participantid_participant.remove(key)?;
        }
        for entry in t.roomid_seq_task.scan_prefix(&prefix) {
            let (key, value) = entry?;
            let task: Task = decode("roomid_seq_task", &key, &value)?;
            t.taskid_roomseq.remove(task.id.as_bytes())?;
            t.roomid_seq_task.remove(key)?;
        }
        for entry in t.roomid_seq_observation.scan_prefix(&prefix) {
            t.roomid_seq_observation.remove(entry?.0)?;
        }
        t.roomid_room.remove(room_id.as_bytes())?;
        cache.remove(room_id);
        Ok(true)
    }

    /// Ids of the rooms listed under `prefix` in a reverse index (channel or participant).
    fn rooms_in_index(&self, index: &Tree, id: &str) -> Result<Vec<Room>> {
        let mut rooms = Vec::new();
        for entry in index.scan_prefix(keys::room_prefix(id)) {
            let key = entry?.0;
            if let Some(room_id) = keys::pair_second(&key) {
                match self.room(room_id) {
                    Ok(room) => rooms.push(room),
                    Err(Error::RoomNotFound(_)) => {}
                    Err(err) => return Err(err),
                }
            }
        }
        Ok(rooms)
    }

    fn list_rooms_sync(&self, filter: &RoomFilter) -> Result<Vec<Room>> {
        let t = &self.trees;
        let candidates = match (&filter.channel_id, &filter.participant_id) {
            (Some(channel_id), _) => self.rooms_in_index(&t.channelid_roomid, channel_id)?,
            (None, Some(participant_id)) => {
                self.rooms_in_index(&t.participantid_roomid, participant_id)?
            }
            (None, None) => {
                let records: Vec<Room> = scan_json(&t.roomid_room, &[])?;
                let mut rooms = Vec::with_capacity(records.len());
                for record in records {
                    // Not `load_state(record)`: the record was scanned without the room's lock,
                    // and caching it could keep a concurrent update out of the cache for good.
                    // `state_locked` reads it again under the lock on a miss.
                    let mut cache = self.rooms.lock(&record.id);
                    rooms.push(self.state_locked(&mut cache, &record.id)?.view());
                }
                rooms
            }
        };
        let mut rooms = Vec::with_capacity(candidates.len());
        for room in candidates {
            if !filter.admits_room(&room) {
                continue;
            }
            if let Some(participant_id) = &filter.participant_id
                && !t
                    .participantid_roomid
                    .contains_key(keys::pair(participant_id, &room.id))?
            {
                continue;
            }
            rooms.push(room);
        }
        Ok(page_rooms(rooms, filter))
    }

    fn list_events_sync(&self, room_id: &str, query: &EventQuery) -> Result<Vec<RoomEvent>> {
        self.room(room_id)?;
        if query.is_empty_range() {
            return Ok(Vec::new());
        }
        let start = keys::event(room_id, query.after_index.map_or(0, |after| after + 1));
        let range = match query.before_index {
            Some(before) => self
                .trees
                .roomid_index_event
                .range(start..keys::event(room_id, before)),
            None => {
                let mut end = keys::room_prefix(room_id);
                end.push(0xFF); // past every 8-byte index under this room
                self.trees.roomid_index_event.range(start..end)
            }
        };
        let decoded = |entry: sled::Result<(sled::IVec, sled::IVec)>| -> Result<RoomEvent> {
            let (key, value) = entry?;
            decode("roomid_index_event", &key, &value)
        };
        if query.newest_first {
            page_events(range.rev().map(decoded), query)
        } else {
            page_events(range.map(decoded), query)
        }
    }

    fn put_binding_sync(&self, binding: &ChannelBinding) -> Result<()> {
        binding.validate()?;
        let mut cache = self.rooms.lock(&binding.room_id);
        let state = self.state_locked(&mut cache, &binding.room_id)?;
        state.bindings = None;
        let value = encode(binding)?;
        let t = &self.trees;
        let key = keys::pair(&binding.room_id, &binding.channel_id);
        // The correspondent it had before, whose index entry goes (under the room's lock, so
        // no other write of this binding comes between).
        let before: Option<ChannelBinding> = get_json(&t.roomid_channelid_binding, &key)?;
        (
            &t.roomid_channelid_binding,
            &t.channelid_roomid,
            &t.channelid_participantid_roomid,
        )
            .transaction(
                |(roomid_channelid_binding, channelid_roomid, correspondents)| {
                    roomid_channelid_binding.insert(key.as_slice(), value.as_slice())?;
                    channelid_roomid
                        .insert(keys::pair(&binding.channel_id, &binding.room_id), &[])?;
                    if let Some(before) = &before {
                        correspondents.remove(keys::correspondent(
                            &before.channel_id,
                            before.participant_id.as_deref(),
                            &before.room_id,
                        ))?;
                    }
                    correspondents.insert(
                        keys::correspondent(
                            &binding.channel_id,
                            binding.participant_id.as_deref(),
                            &binding.room_id,
                        ),
                        &[],
                    )?;
                    Ok(())
                },
            )
            .map_err(from_tx)
    }

    fn remove_binding_sync(&self, room_id: &str, channel_id: &str) -> Result<bool> {
        let mut cache = self.rooms.lock(room_id);
        if let Some(state) = cache.get_mut(room_id) {
            state.bindings = None;
        }
        let t = &self.trees;
        let before: Option<ChannelBinding> = get_json(
            &t.roomid_channelid_binding,
            &keys::pair(room_id, channel_id),
        )?;
        (
            &t.roomid_channelid_binding,
            &t.channelid_roomid,
            &t.channelid_participantid_roomid,
        )
            .transaction(
                |(roomid_channelid_binding, channelid_roomid, correspondents)| {
                    channelid_roomid.remove(keys::pair(channel_id, room_id))?;
                    if let Some(before) = &before {
                        correspondents.remove(keys::correspondent(
                            channel_id,
                            before.participant_id.as_deref(),
                            room_id,
                        ))?;
                    }
                    Ok(roomid_channelid_binding
                        .remove(keys::pair(room_id, channel_id))?
                        .is_some())
                },
            )
            .map_err(from_tx)
    }

    fn rooms_of_correspondent_sync(
        &self,
        channel_id: &str,
        participant_id: Option<&str>,
    ) -> Result<Vec<String>> {
        let mut rooms = Vec::new();
        let prefix = keys::correspondent_prefix(channel_id, participant_id);
        for entry in self
            .trees
            .channelid_participantid_roomid
            .scan_prefix(prefix)
        {
            if let Some(room_id) = keys::correspondent_room(&entry?.0) {
                rooms.push(room_id.to_owned());
            }
        }
        Ok(rooms)
    }

    fn binding(&self, room_id: &str, channel_id: &str) -> Result<ChannelBinding> {
        get_json(
            &self.trees.roomid_channelid_binding,
            &keys::pair(room_id, channel_id),
        )?
        .ok_or_else(|| Error::BindingNotFound {
            room_id: room_id.to_owned(),
            channel_id: channel_id.to_owned(),
        })
    }

    /// Raises a read marker under the room lock; `target` picks the index from the room.
    fn raise_read_marker(
        &self,
        room_id: &str,
        channel_id: &str,
        target: impl FnOnce(&Room) -> Option<u64>,
    ) -> Result<Option<u64>> {
        let mut cache = self.rooms.lock(room_id);
        let room = self.room_locked(&mut cache, room_id)?;
        let mut binding = self.binding(room_id, channel_id)?;
        if let Some(state) = cache.get_mut(room_id) {
            state.bindings = None;
        }
        let Some(index) = target(&room) else {
            return Ok(binding.last_read_index);
        };
        let marker = raise_marker(&room, binding.last_read_index, index)?;
        if binding.last_read_index != Some(marker) {
            binding.last_read_index = Some(marker);
            self.trees
                .roomid_channelid_binding
                .insert(keys::pair(room_id, channel_id), encode(&binding)?)?;
        }
        Ok(Some(marker))
    }

    fn create_identity_sync(&self, identity: &Identity) -> Result<()> {
        let _identities = self.rooms.lock("\u{0}identities");
        let t = &self.trees;
        if t.identityid_identity.contains_key(identity.id.as_bytes())? {
            return Err(Error::IdentityExists(identity.id.clone()));
        }
        for (channel_type, addresses) in &identity.channel_addresses {
            for address in addresses {
                self.check_address_free(channel_type, address, &identity.id)?;
            }
        }
        let value = encode(identity)?;
        (&t.identityid_identity, &t.channeltype_address_identityid)
            .transaction(|(identityid_identity, channeltype_address_identityid)| {
                for (channel_type, list) in &identity.channel_addresses {
                    for address in list {
                        channeltype_address_identityid
                            .insert(keys::pair(channel_type, address), identity.id.as_bytes())?;
                    }
                }
                identityid_identity.insert(identity.id.as_bytes(), value.as_slice())?;
                Ok(())
            })
            .map_err(from_tx)
    }

    fn check_address_free(&self, channel_type: &str, address: &str, owner: &str) -> Result<()> {
        match self
            .trees
            .channeltype_address_identityid
            .get(keys::pair(channel_type, address))?
        {
            Some(holder) if holder.as_ref() != owner.as_bytes() => Err(Error::AddressTaken {
                channel_type: channel_type.to_owned(),
                address: address.to_owned(),
                identity_id: String::from_utf8_lossy(&holder).into_owned(),
            }),
            _ => Ok(()),
        }
    }

    fn link_address_sync(
        &self,
        identity_id: &str,
        channel_type: &str,
        address: &str,
    ) -> Result<Identity> {
        let _identities = self.rooms.lock("\u{0}identities");
        self.check_address_free(channel_type, address, identity_id)?;
        let t = &self.trees;
        let mut identity: Identity = get_json(&t.identityid_identity, identity_id.as_bytes())?
            .ok_or_else(|| Error::IdentityNotFound(identity_id.to_owned()))?;
        let list = identity
            .channel_addresses
            .entry(channel_type.to_owned())
            .or_default();
        if !list.iter().any(|a| a == address) {
            list.push(address.to_owned());
        }
        let value = encode(&identity)?;
        (&t.identityid_identity, &t.channeltype_address_identityid)
            .transaction(|(identityid_identity, channeltype_address_identityid)| {
                channeltype_address_identityid
                    .insert(keys::pair(channel_type, address), identity_id.as_bytes())?;
                identityid_identity.insert(identity_id.as_bytes(), value.as_slice())?;
                Ok(())
            })
            .map_err(from_tx)?;
        Ok(identity)
    }

    fn add_task_sync(&self, task: &Task) -> Result<()> {
        let mut cache = self.rooms.lock(&task.room_id);
        self.state_locked(&mut cache, &task.room_id)?;
        let t = &self.trees;
        if t.taskid_roomseq.contains_key(task.id.as_bytes())? {
            return Err(Error::TaskExists(task.id.clone()));
        }
        let location = keys::sequenced(&task.room_id, self.db.generate_id()?);
        let value = encode(task)?;
        (&t.roomid_seq_task, &t.taskid_roomseq)
            .transaction(|(roomid_seq_task, taskid_roomseq)| {
                roomid_seq_task.insert(location.as_slice(), value.as_slice())?;
                taskid_roomseq.insert(task.id.as_bytes(), location.as_slice())?;
                Ok(())
            })
            .map_err(from_tx)
    }

    fn update_task_sync(&self, task: &Task) -> Result<()> {
        let _room = self.rooms.lock(&task.room_id);
        let t = &self.trees;
        let not_found = || Error::TaskNotFound(task.id.clone());
        let location = t
            .taskid_roomseq
            .get(task.id.as_bytes())?
            .ok_or_else(not_found)?;
        let stored: Task = get_json(&t.roomid_seq_task, &location)?.ok_or_else(not_found)?;
        if stored.room_id != task.room_id {
            return Err(not_found());
        }
        t.roomid_seq_task.insert(location, encode(task)?)?;
        Ok(())
    }
}

impl Drop for SledStore {
    fn drop(&mut self) {
        if let Some(group) = &self.group {
            group.stop();
        }
        if let Err(err) = self.db.flush() {
            tracing::error!(%err, "final flush of the sled store failed");
        }
    }
}

/// Fills the correspondent index from the bindings when a data directory written before it
/// existed is opened (the index is empty while bindings are not). A crash half-way leaves the
/// index partly filled; the next open finds it not empty, so the fill runs under a marker key
/// that only its end removes.
fn index_correspondents(t: &Trees) -> Result<()> {
    const FILLING: &[u8] = b"\xff\xfffilling";
    let index = &t.channelid_participantid_roomid;
    let filling = index.contains_key(FILLING)?;
    if !filling && (!index.is_empty() || t.roomid_channelid_binding.is_empty()) {
        return Ok(());
    }
    index.insert(FILLING, &[])?;
    for entry in t.roomid_channelid_binding.iter() {
        let (key, value) = entry?;
        let binding: ChannelBinding = decode("roomid_channelid_binding", &key, &value)?;
        index.insert(
            keys::correspondent(
                &binding.channel_id,
                binding.participant_id.as_deref(),
                &binding.room_id,
            ),
            &[],
        )?;
    }
    index.remove(FILLING)?;
    index.flush()?;
    Ok(())
}
