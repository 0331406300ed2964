//! `ConversationStore` for [`SledStore`]: each method does its synchronous part under the
//! room's stripe lock, then waits for durability where it wrote.

use std::sync::Arc;

use async_trait::async_trait;
use roomkit_model::{
    ChannelBinding, Identity, Observation, Participant, Room, RoomEvent, Task, TaskStatus,
    Visibility,
};
use sled::Transactional;

use super::codec::{decode, encode, from_tx, get_json, scan_json};
use super::trees::name_of;
use super::{SledStore, keys, remember};
use crate::rules::{keep_counters, merge_room_update};
use crate::{CommitOutcome, ConversationStore, Error, EventQuery, Result, RoomFilter};

#[async_trait]
impl ConversationStore for SledStore {
    async fn create_room(&self, room: Room) -> Result<Room> {
        {
            let mut cache = self.rooms.lock(&room.id);
            let value = encode(&room)?;
            let created = self.trees.roomid_room.compare_and_swap(
                room.id.as_bytes(),
                None as Option<&[u8]>,
                Some(value),
            )?;
            if created.is_err() {
                return Err(Error::RoomExists(room.id));
            }
            remember(&mut cache, &room.id, self.load_state(room.clone())?);
        }
        self.durable().await?;
        self.room(&room.id)
    }

    async fn get_room(&self, room_id: &str) -> Result<Option<Room>> {
        match self.room(room_id) {
            Ok(room) => Ok(Some(room)),
            Err(Error::RoomNotFound(_)) => Ok(None),
            Err(err) => Err(err),
        }
    }

    async fn update_room(&self, room: &Room) -> Result<Room> {
        let merged = {
            let mut cache = self.rooms.lock(&room.id);
            let merged = merge_room_update(&self.room_locked(&mut cache, &room.id)?, room);
            self.write_room_record(&mut cache, &merged)?;
            merged
        };
        self.durable().await?;
        Ok(merged)
    }

    async fn compare_and_set_room(&self, expected: &Room, new: &Room) -> Result<bool> {
        let swapped = {
            let mut cache = self.rooms.lock(&expected.id);
            let stored = self.room_locked(&mut cache, &expected.id)?;
            if stored != *expected || new.id != expected.id {
                false
            } else {
                self.write_room_record(&mut cache, &keep_counters(&stored, new))?;
                true
            }
        };
        if swapped {
            self.durable().await?;
        }
        Ok(swapped)
    }

    async fn delete_room(&self, room_id: &str) -> Result<bool> {
        let existed = self.delete_room_sync(room_id)?;
        self.durable().await?;
        Ok(existed)
    }

    async fn list_rooms(&self, filter: &RoomFilter) -> Result<Vec<Room>> {
        self.list_rooms_sync(filter)
    }

    async fn commit_event_unsynced(&self, event: RoomEvent) -> Result<CommitOutcome> {
        self.commit_sync(event)
    }

    async fn sync(&self) -> Result<()> {
        self.durable().await
    }

    async fn get_event(&self, event_id: &str) -> Result<Option<RoomEvent>> {
        Ok(self
            .event_by_id(event_id.as_bytes())?
            .map(|(_, event)| event))
    }

    async fn update_event(&self, event: &RoomEvent) -> Result<()> {
        self.update_event_sync(event)?;
        self.durable().await
    }

    async fn record_delivery(&self, event: &RoomEvent) -> Result<()> {
        self.update_event_sync(event)
    }

    async fn list_events(&self, room_id: &str, query: &EventQuery) -> Result<Vec<RoomEvent>> {
        self.list_events_sync(room_id, query)
    }

    async fn find_by_idempotency_key(
        &self,
        room_id: &str,
        channel_id: &str,
        key: &str,
    ) -> Result<Option<RoomEvent>> {
        let key = keys::idempotency(room_id, channel_id, key);
        match self.trees.roomid_channelid_idemkey_eventid.get(key)? {
            Some(event_id) => Ok(self.event_by_id(&event_id)?.map(|(_, event)| event)),
            None => Ok(None),
        }
    }

    async fn put_binding(&self, binding: &ChannelBinding) -> Result<()> {
        self.put_binding_sync(binding)?;
        self.durable().await
    }

    async fn get_binding(&self, room_id: &str, channel_id: &str) -> Result<Option<ChannelBinding>> {
        let mut cache = self.rooms.lock(room_id);
        match self.bindings_locked(&mut cache, room_id) {
            Ok(bindings) => Ok(bindings
                .iter()
                .find(|b| b.channel_id == channel_id)
                .cloned()),
            Err(Error::RoomNotFound(_)) => Ok(None),
            Err(err) => Err(err),
        }
    }

    async fn list_bindings(&self, room_id: &str) -> Result<Vec<ChannelBinding>> {
        let mut cache = self.rooms.lock(room_id);
        Ok(self.bindings_locked(&mut cache, room_id)?.as_ref().clone())
    }

    async fn rooms_of_correspondent(
        &self,
        channel_id: &str,
        participant_id: Option<&str>,
    ) -> Result<Vec<String>> {
        self.rooms_of_correspondent_sync(channel_id, participant_id)
    }

    async fn remove_binding(&self, room_id: &str, channel_id: &str) -> Result<bool> {
        let removed = self.remove_binding_sync(room_id, channel_id)?;
        self.durable().await?;
        Ok(removed)
    }

    async fn put_participant(&self, participant: &Participant) -> Result<()> {
        {
            let mut cache = self.rooms.lock(&participant.room_id);
            self.state_locked(&mut cache, &participant.room_id)?
                .participants = None;
            let value = encode(participant)?;
            let t = &self.trees;
            (&t.roomid_participantid_participant, &t.participantid_roomid)
                .transaction(|(roomid_participantid_participant, participantid_roomid)| {
                    roomid_participantid_participant.insert(
                        keys::pair(&participant.room_id, &participant.id),
                        value.as_slice(),
                    )?;
                    participantid_roomid
                        .insert(keys::pair(&participant.id, &participant.room_id), &[])?;
                    Ok(())
                })
                .map_err(from_tx)?;
        }
        self.durable().await
    }

    async fn get_participant(
        &self,
        room_id: &str,
        participant_id: &str,
    ) -> Result<Option<Participant>> {
        get_json(
            &self.trees.roomid_participantid_participant,
            &keys::pair(room_id, participant_id),
        )
    }

    async fn list_participants(&self, room_id: &str) -> Result<Vec<Participant>> {
        let mut cache = self.rooms.lock(room_id);
        let state = self.state_locked(&mut cache, room_id)?;
        if let Some(participants) = &state.participants {
            return Ok(participants.as_ref().clone());
        }
        let participants: Vec<Participant> = scan_json(
            &self.trees.roomid_participantid_participant,
            &keys::room_prefix(room_id),
        )?;
        state.participants = Some(Arc::new(participants.clone()));
        Ok(participants)
    }

    async fn create_identity(&self, identity: &Identity) -> Result<()> {
        self.create_identity_sync(identity)?;
        self.durable().await
    }

    async fn get_identity(&self, identity_id: &str) -> Result<Option<Identity>> {
        get_json(&self.trees.identityid_identity, identity_id.as_bytes())
    }

    async fn list_identities(&self, after: Option<&str>, limit: usize) -> Result<Vec<Identity>> {
        let tree = &self.trees.identityid_identity;
        let entries = match after {
            // The smallest key after `after` is `after` followed by a zero byte.
            Some(after) => tree.range([after.as_bytes(), &[0]].concat()..),
            None => tree.iter(),
        };
        entries
            .take(limit)
            .map(|entry| {
                let (key, value) = entry?;
                decode(name_of(tree), &key, &value)
            })
            .collect()
    }

    async fn resolve_identity(
        &self,
        channel_type: &str,
        address: &str,
    ) -> Result<Option<Identity>> {
        match self
            .trees
            .channeltype_address_identityid
            .get(keys::pair(channel_type, address))?
        {
            Some(identity_id) => get_json(&self.trees.identityid_identity, &identity_id),
            None => Ok(None),
        }
    }

    async fn link_address(
        &self,
        identity_id: &str,
        channel_type: &str,
        address: &str,
    ) -> Result<Identity> {
        let identity = self.link_address_sync(identity_id, channel_type, address)?;
        self.durable().await?;
        Ok(identity)
    }

    async fn add_task(&self, task: &Task) -> Result<()> {
        self.add_task_sync(task)?;
        self.durable().await
    }

    async fn get_task(&self, task_id: &str) -> Result<Option<Task>> {
        match self.trees.taskid_roomseq.get(task_id.as_bytes())? {
            Some(location) => get_json(&self.trees.roomid_seq_task, &location),
            None => Ok(None),
        }
    }

    async fn update_task(&self, task: &Task) -> Result<()> {
        self.update_task_sync(task)?;
        self.durable().await
    }

    async fn list_tasks(&self, room_id: &str, status: Option<TaskStatus>) -> Result<Vec<Task>> {
        self.room(room_id)?;
        let tasks: Vec<Task> = scan_json(&self.trees.roomid_seq_task, &keys::room_prefix(room_id))?;
        Ok(tasks
            .into_iter()
            .filter(|task| status.is_none_or(|s| task.status == s))
            .collect())
    }

    async fn add_observation(&self, observation: &Observation) -> Result<()> {
        observation.validate()?;
        self.room(&observation.room_id)?;
        let location = keys::sequenced(&observation.room_id, self.db.generate_id()?);
        self.trees
            .roomid_seq_observation
            .insert(location, encode(observation)?)?;
        self.durable().await
    }

    async fn list_observations(&self, room_id: &str) -> Result<Vec<Observation>> {
        self.room(room_id)?;
        scan_json(
            &self.trees.roomid_seq_observation,
            &keys::room_prefix(room_id),
        )
    }

    async fn mark_read(&self, room_id: &str, channel_id: &str, index: u64) -> Result<u64> {
        let marker = self.raise_read_marker(room_id, channel_id, |_| Some(index))?;
        self.durable().await?;
        Ok(marker.unwrap_or(index))
    }

    async fn mark_all_read(&self, room_id: &str, channel_id: &str) -> Result<Option<u64>> {
        let marker = self.raise_read_marker(room_id, channel_id, |room| room.latest_index)?;
        self.durable().await?;
        Ok(marker)
    }

    async fn unread_count(&self, room_id: &str, channel_id: &str) -> Result<u64> {
        let marker = self.binding(room_id, channel_id)?.last_read_index;
        let query = EventQuery {
            after_index: marker,
            ..EventQuery::oldest(usize::MAX)
        };
        // Internal records (channel changes) are no one's to read.
        Ok(self
            .list_events_sync(room_id, &query)?
            .iter()
            .filter(|e| e.visibility != Visibility::Internal)
            .count() as u64)
    }

    async fn kv_get(&self, plugin: &str, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .trees
            .plugin_key_value
            .get(keys::pair(plugin, key))?
            .map(|v| v.to_vec()))
    }

    async fn kv_set(&self, plugin: &str, key: &str, value: &[u8]) -> Result<()> {
        self.kv_set_unsynced(plugin, key, value).await?;
        self.durable().await
    }

    async fn kv_set_unsynced(&self, plugin: &str, key: &str, value: &[u8]) -> Result<()> {
        self.trees
            .plugin_key_value
            .insert(keys::pair(plugin, key), value)?;
        Ok(())
    }

    async fn kv_delete(&self, plugin: &str, key: &str) -> Result<bool> {
        let existed = self
            .trees
            .plugin_key_value
            .remove(keys::pair(plugin, key))?
            .is_some();
        self.durable().await?;
        Ok(existed)
    }

    async fn kv_keys(&self, plugin: &str, prefix: &str, limit: usize) -> Result<Vec<String>> {
        self.trees
            .plugin_key_value
            .scan_prefix(keys::pair(plugin, prefix))
            .keys()
            .take(limit)
            .map(|key| {
                let key = key?;
                Ok(keys::pair_second(&key).unwrap_or_default().to_owned())
            })
            .collect()
    }

    async fn flush(&self) -> Result<()> {
        self.db.flush_async().await?;
        Ok(())
    }
}
