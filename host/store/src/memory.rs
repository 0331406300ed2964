//! The in-memory backend: ordered maps behind one mutex. Nothing survives the process.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use roomkit_model::{
    ChannelBinding, Identity, Observation, Participant, Room, RoomEvent, Task, TaskStatus,
    Visibility,
};

use crate::rules::{
    CommitState, keep_counters, merge_room_update, page_events, page_rooms, raise_marker,
};
use crate::{CommitOutcome, ConversationStore, Error, EventQuery, Result, RoomFilter};

/// A [`ConversationStore`] that keeps everything in memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    rooms: BTreeMap<String, Room>,
    /// room id → events, position = index
    events: HashMap<String, Vec<RoomEvent>>,
    /// event id → (room id, index)
    event_ids: HashMap<String, (String, u64)>,
    /// (room id, channel id, key) → event id
    idempotency: HashMap<(String, String, String), String>,
    /// (room id, channel id) → binding
    bindings: BTreeMap<(String, String), ChannelBinding>,
    /// (room id, participant id) → participant
    participants: BTreeMap<(String, String), Participant>,
    identities: BTreeMap<String, Identity>,
    /// (channel type, address) → identity id
    addresses: BTreeMap<(String, String), String>,
    tasks: HashMap<String, Task>,
    /// room id → task ids in creation order
    room_tasks: HashMap<String, Vec<String>>,
    observations: HashMap<String, Vec<Observation>>,
    /// (plugin, key) → value
    kv: BTreeMap<(String, String), Vec<u8>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Inner {
    fn room(&self, room_id: &str) -> Result<&Room> {
        self.rooms
            .get(room_id)
            .ok_or_else(|| Error::RoomNotFound(room_id.to_owned()))
    }

    fn event(&self, event_id: &str) -> Option<&RoomEvent> {
        let (room_id, index) = self.event_ids.get(event_id)?;
        self.events.get(room_id)?.get(*index as usize)
    }

    fn binding_mut(&mut self, room_id: &str, channel_id: &str) -> Result<&mut ChannelBinding> {
        self.bindings
            .get_mut(&(room_id.to_owned(), channel_id.to_owned()))
            .ok_or_else(|| Error::BindingNotFound {
                room_id: room_id.to_owned(),
                channel_id: channel_id.to_owned(),
            })
    }

    fn check_address_free(&self, channel_type: &str, address: &str, owner: &str) -> Result<()> {
        match self
            .addresses
            .get(&(channel_type.to_owned(), address.to_owned()))
        {
            Some(holder) if holder != owner => Err(Error::AddressTaken {
                channel_type: channel_type.to_owned(),
                address: address.to_owned(),
                identity_id: holder.clone(),
            }),
            _ => Ok(()),
        }
    }
}

/// The values of a map keyed by (room id, …) that belong to one room, in key order.
fn in_room<'a, V>(
    map: &'a BTreeMap<(String, String), V>,
    room_id: &'a str,
) -> impl Iterator<Item = &'a V> + 'a {
    map.range((room_id.to_owned(), String::new())..)
        .take_while(move |((room, _), _)| room == room_id)
        .map(|(_, value)| value)
}

#[async_trait]
impl ConversationStore for MemoryStore {
    async fn create_room(&self, mut room: Room) -> Result<Room> {
        let mut inner = self.inner();
        if inner.rooms.contains_key(&room.id) {
            return Err(Error::RoomExists(room.id));
        }
        // The counters are the commit's: a new room has no events, whatever the caller passed
        // (the sled backend derives them from the events, so it reports the same).
        room.event_count = 0;
        room.latest_index = None;
        room.timers.last_activity_at = None;
        inner.rooms.insert(room.id.clone(), room.clone());
        Ok(room)
    }

    async fn get_room(&self, room_id: &str) -> Result<Option<Room>> {
        Ok(self.inner().rooms.get(room_id).cloned())
    }

    async fn update_room(&self, room: &Room) -> Result<Room> {
        let mut inner = self.inner();
        let merged = merge_room_update(inner.room(&room.id)?, room);
        inner.rooms.insert(room.id.clone(), merged.clone());
        Ok(merged)
    }

    async fn compare_and_set_room(&self, expected: &Room, new: &Room) -> Result<bool> {
        let mut inner = self.inner();
        let stored = inner.room(&expected.id)?;
        if stored != expected || new.id != expected.id {
            return Ok(false);
        }
        let new = keep_counters(stored, new);
        inner.rooms.insert(new.id.clone(), new);
        Ok(true)
    }

    async fn delete_room(&self, room_id: &str) -> Result<bool> {
        let mut inner = self.inner();
        if inner.rooms.remove(room_id).is_none() {
            return Ok(false);
        }
        for event in inner.events.remove(room_id).unwrap_or_default() {
            inner.event_ids.remove(&event.id);
        }
        inner.idempotency.retain(|(room, _, _), _| room != room_id);
        inner.bindings.retain(|(room, _), _| room != room_id);
        inner.participants.retain(|(room, _), _| room != room_id);
        for task_id in inner.room_tasks.remove(room_id).unwrap_or_default() {
            inner.tasks.remove(&task_id);
        }
        inner.observations.remove(room_id);
        Ok(true)
    }

    async fn list_rooms(&self, filter: &RoomFilter) -> Result<Vec<Room>> {
        let inner = self.inner();
        let rooms = inner
            .rooms
            .values()
            .filter(|room| filter.admits_room(room))
            .filter(|room| {
                filter.channel_id.as_ref().is_none_or(|channel| {
                    inner
                        .bindings
                        .contains_key(&(room.id.clone(), channel.clone()))
                })
            })
            .filter(|room| {
                filter.participant_id.as_ref().is_none_or(|participant| {
                    inner
                        .participants
                        .contains_key(&(room.id.clone(), participant.clone()))
                })
            })
            .cloned()
            .collect();
        Ok(page_rooms(rooms, filter))
    }

    async fn sync(&self) -> Result<()> {
        Ok(())
    }

    async fn commit_event_unsynced(&self, mut event: RoomEvent) -> Result<CommitOutcome> {
        event.validate()?;
        let mut inner = self.inner();
        // The room first, as the sled backend does: a missing room is RoomNotFound even when the
        // event's id is taken.
        inner.room(&event.room_id)?;
        let idempotency = event.idempotency_key.as_ref().map(|key| {
            (
                event.room_id.clone(),
                event.source.channel_id.clone(),
                key.clone(),
            )
        });
        if let Some(original) = idempotency
            .as_ref()
            .and_then(|key| inner.idempotency.get(key))
            .and_then(|id| inner.event(id))
        {
            return Ok(CommitOutcome {
                event: original.clone(),
                duplicate: true,
            });
        }
        if inner.event_ids.contains_key(&event.id) {
            return Err(Error::EventExists(event.id));
        }
        let mut room = inner.room(&event.room_id)?.clone();
        let mut state = CommitState::of(&room);
        state.apply(&mut event);
        state.write_to(&mut room);
        inner.rooms.insert(room.id.clone(), room);
        inner
            .event_ids
            .insert(event.id.clone(), (event.room_id.clone(), event.index));
        if let Some(key) = idempotency {
            inner.idempotency.insert(key, event.id.clone());
        }
        inner
            .events
            .entry(event.room_id.clone())
            .or_default()
            .push(event.clone());
        Ok(CommitOutcome {
            event,
            duplicate: false,
        })
    }

    async fn get_event(&self, event_id: &str) -> Result<Option<RoomEvent>> {
        Ok(self.inner().event(event_id).cloned())
    }

    async fn update_event(&self, event: &RoomEvent) -> Result<()> {
        let mut inner = self.inner();
        let (room_id, index) = inner
            .event_ids
            .get(&event.id)
            .cloned()
            .ok_or_else(|| Error::EventNotFound(event.id.clone()))?;
        if room_id != event.room_id || index != event.index {
            return Err(Error::EventMoved {
                event_id: event.id.clone(),
                room_id,
                index,
            });
        }
        if let Some(slot) = inner
            .events
            .get_mut(&room_id)
            .and_then(|events| events.get_mut(index as usize))
        {
            *slot = event.clone();
        }
        Ok(())
    }

    async fn record_delivery(&self, event: &RoomEvent) -> Result<()> {
        self.update_event(event).await
    }

    async fn list_events(&self, room_id: &str, query: &EventQuery) -> Result<Vec<RoomEvent>> {
        let inner = self.inner();
        inner.room(room_id)?;
        let events = inner.events.get(room_id).map(Vec::as_slice).unwrap_or(&[]);
        if query.is_empty_range() {
            return Ok(Vec::new());
        }
        let start = query.after_index.map_or(0, |after| after as usize + 1);
        let end = query
            .before_index
            .map_or(events.len(), |before| (before as usize).min(events.len()));
        let window = events.get(start.min(end)..end).unwrap_or(&[]);
        if query.newest_first {
            page_events(window.iter().rev().cloned().map(Ok), query)
        } else {
            page_events(window.iter().cloned().map(Ok), query)
        }
    }

    async fn find_by_idempotency_key(
        &self,
        room_id: &str,
        channel_id: &str,
        key: &str,
    ) -> Result<Option<RoomEvent>> {
        let inner = self.inner();
        let id =
            inner
                .idempotency
                .get(&(room_id.to_owned(), channel_id.to_owned(), key.to_owned()));
        Ok(id.and_then(|id| inner.event(id)).cloned())
    }

    async fn put_binding(&self, binding: &ChannelBinding) -> Result<()> {
        binding.validate()?;
        let mut inner = self.inner();
        inner.room(&binding.room_id)?;
        inner.bindings.insert(
            (binding.room_id.clone(), binding.channel_id.clone()),
            binding.clone(),
        );
        Ok(())
    }

    async fn get_binding(&self, room_id: &str, channel_id: &str) -> Result<Option<ChannelBinding>> {
        Ok(self
            .inner()
            .bindings
            .get(&(room_id.to_owned(), channel_id.to_owned()))
            .cloned())
    }

    async fn list_bindings(&self, room_id: &str) -> Result<Vec<ChannelBinding>> {
        let inner = self.inner();
        inner.room(room_id)?;
        Ok(in_room(&inner.bindings, room_id).cloned().collect())
    }

    async fn remove_binding(&self, room_id: &str, channel_id: &str) -> Result<bool> {
        Ok(self
            .inner()
            .bindings
            .remove(&(room_id.to_owned(), channel_id.to_owned()))
            .is_some())
    }

    async fn put_participant(&self, participant: &Participant) -> Result<()> {
        let mut inner = self.inner();
        inner.room(&participant.room_id)?;
        inner.participants.insert(
            (participant.room_id.clone(), participant.id.clone()),
            participant.clone(),
        );
        Ok(())
    }

    async fn get_participant(
        &self,
        room_id: &str,
        participant_id: &str,
    ) -> Result<Option<Participant>> {
        Ok(self
            .inner()
            .participants
            .get(&(room_id.to_owned(), participant_id.to_owned()))
            .cloned())
    }

    async fn list_participants(&self, room_id: &str) -> Result<Vec<Participant>> {
        let inner = self.inner();
        inner.room(room_id)?;
        Ok(in_room(&inner.participants, room_id).cloned().collect())
    }

    async fn create_identity(&self, identity: &Identity) -> Result<()> {
        let mut inner = self.inner();
        if inner.identities.contains_key(&identity.id) {
            return Err(Error::IdentityExists(identity.id.clone()));
        }
        for (channel_type, addresses) in &identity.channel_addresses {
            for address in addresses {
                inner.check_address_free(channel_type, address, &identity.id)?;
            }
        }
        for (channel_type, addresses) in &identity.channel_addresses {
            for address in addresses {
                inner
                    .addresses
                    .insert((channel_type.clone(), address.clone()), identity.id.clone());
            }
        }
        inner
            .identities
            .insert(identity.id.clone(), identity.clone());
        Ok(())
    }

    async fn get_identity(&self, identity_id: &str) -> Result<Option<Identity>> {
        Ok(self.inner().identities.get(identity_id).cloned())
    }

    async fn list_identities(&self, after: Option<&str>, limit: usize) -> Result<Vec<Identity>> {
        use std::ops::Bound;
        let inner = self.inner();
        let start = match after {
            Some(after) => Bound::Excluded(after.to_owned()),
            None => Bound::Unbounded,
        };
        Ok(inner
            .identities
            .range((start, Bound::Unbounded))
            .map(|(_, identity)| identity.clone())
            .take(limit)
            .collect())
    }

    async fn resolve_identity(
        &self,
        channel_type: &str,
        address: &str,
    ) -> Result<Option<Identity>> {
        let inner = self.inner();
        Ok(inner
            .addresses
            .get(&(channel_type.to_owned(), address.to_owned()))
            .and_then(|id| inner.identities.get(id))
            .cloned())
    }

    async fn link_address(
        &self,
        identity_id: &str,
        channel_type: &str,
        address: &str,
    ) -> Result<Identity> {
        let mut inner = self.inner();
        inner.check_address_free(channel_type, address, identity_id)?;
        let identity = inner
            .identities
            .get_mut(identity_id)
            .ok_or_else(|| Error::IdentityNotFound(identity_id.to_owned()))?;
        let addresses = identity
            .channel_addresses
            .entry(channel_type.to_owned())
            .or_default();
        if !addresses.iter().any(|a| a == address) {
            addresses.push(address.to_owned());
        }
        let identity = identity.clone();
        inner.addresses.insert(
            (channel_type.to_owned(), address.to_owned()),
            identity_id.to_owned(),
        );
        Ok(identity)
    }

    async fn add_task(&self, task: &Task) -> Result<()> {
        let mut inner = self.inner();
        inner.room(&task.room_id)?;
        if inner.tasks.contains_key(&task.id) {
            return Err(Error::TaskExists(task.id.clone()));
        }
        inner.tasks.insert(task.id.clone(), task.clone());
        inner
            .room_tasks
            .entry(task.room_id.clone())
            .or_default()
            .push(task.id.clone());
        Ok(())
    }

    async fn get_task(&self, task_id: &str) -> Result<Option<Task>> {
        Ok(self.inner().tasks.get(task_id).cloned())
    }

    async fn update_task(&self, task: &Task) -> Result<()> {
        let mut inner = self.inner();
        match inner.tasks.get_mut(&task.id) {
            Some(stored) if stored.room_id == task.room_id => {
                *stored = task.clone();
                Ok(())
            }
            _ => Err(Error::TaskNotFound(task.id.clone())),
        }
    }

    async fn list_tasks(&self, room_id: &str, status: Option<TaskStatus>) -> Result<Vec<Task>> {
        let inner = self.inner();
        inner.room(room_id)?;
        Ok(inner
            .room_tasks
            .get(room_id)
            .into_iter()
            .flatten()
            .filter_map(|id| inner.tasks.get(id))
            .filter(|task| status.is_none_or(|s| task.status == s))
            .cloned()
            .collect())
    }

    async fn add_observation(&self, observation: &Observation) -> Result<()> {
        observation.validate()?;
        let mut inner = self.inner();
        inner.room(&observation.room_id)?;
        inner
            .observations
            .entry(observation.room_id.clone())
            .or_default()
            .push(observation.clone());
        Ok(())
    }

    async fn list_observations(&self, room_id: &str) -> Result<Vec<Observation>> {
        let inner = self.inner();
        inner.room(room_id)?;
        Ok(inner.observations.get(room_id).cloned().unwrap_or_default())
    }

    async fn mark_read(&self, room_id: &str, channel_id: &str, index: u64) -> Result<u64> {
        let mut inner = self.inner();
        let room = inner.room(room_id)?.clone();
        let binding = inner.binding_mut(room_id, channel_id)?;
        let marker = raise_marker(&room, binding.last_read_index, index)?;
        binding.last_read_index = Some(marker);
        Ok(marker)
    }

    async fn mark_all_read(&self, room_id: &str, channel_id: &str) -> Result<Option<u64>> {
        let mut inner = self.inner();
        let room = inner.room(room_id)?.clone();
        let binding = inner.binding_mut(room_id, channel_id)?;
        match room.latest_index {
            Some(latest) => {
                let marker = raise_marker(&room, binding.last_read_index, latest)?;
                binding.last_read_index = Some(marker);
                Ok(Some(marker))
            }
            None => Ok(binding.last_read_index),
        }
    }

    async fn unread_count(&self, room_id: &str, channel_id: &str) -> Result<u64> {
        let mut inner = self.inner();
        let marker = inner.binding_mut(room_id, channel_id)?.last_read_index;
        let start = marker.map_or(0, |m| m as usize + 1);
        let events = inner.events.get(room_id).map(Vec::as_slice).unwrap_or(&[]);
        Ok(events
            .get(start..)
            .unwrap_or(&[])
            .iter()
            .filter(|e| !e.is_blocked() && e.visibility != Visibility::Internal)
            .count() as u64)
    }

    async fn kv_get(&self, plugin: &str, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .inner()
            .kv
            .get(&(plugin.to_owned(), key.to_owned()))
            .cloned())
    }

    async fn kv_set(&self, plugin: &str, key: &str, value: &[u8]) -> Result<()> {
        self.inner()
            .kv
            .insert((plugin.to_owned(), key.to_owned()), value.to_vec());
        Ok(())
    }

    async fn kv_delete(&self, plugin: &str, key: &str) -> Result<bool> {
        Ok(self
            .inner()
            .kv
            .remove(&(plugin.to_owned(), key.to_owned()))
            .is_some())
    }

    async fn kv_keys(&self, plugin: &str, prefix: &str, limit: usize) -> Result<Vec<String>> {
        Ok(self
            .inner()
            .kv
            .range((plugin.to_owned(), prefix.to_owned())..)
            .take_while(|((p, k), _)| p == plugin && k.starts_with(prefix))
            .take(limit)
            .map(|((_, k), _)| k.clone())
            .collect())
    }

    async fn flush(&self) -> Result<()> {
        Ok(())
    }
}
