use async_trait::async_trait;
use roomkit_model::{
    ChannelBinding, Identity, Observation, Participant, Room, RoomEvent, Task, TaskStatus,
};

use crate::{CommitOutcome, EventQuery, Result, RoomFilter};

/// Everything the orchestrator stores. Every mutation is durable when it returns (for backends
/// that persist at all).
///
/// Counters that the commit owns — `event_count`, `latest_index` and
/// `timers.last_activity_at` (the `created_at` of the newest event that was not blocked) — are
/// never overwritten by [`update_room`](Self::update_room) or
/// [`compare_and_set_room`](Self::compare_and_set_room). A commit does not change `updated_at`,
/// which tracks changes to the room record itself.
#[async_trait]
pub trait ConversationStore: Send + Sync + std::fmt::Debug + 'static {
    // --- rooms -------------------------------------------------------------------------------

    /// Stores a new room. A room with the same id is [`Error::RoomExists`](crate::Error).
    async fn create_room(&self, room: Room) -> Result<Room>;

    /// The room, if it exists.
    async fn get_room(&self, room_id: &str) -> Result<Option<Room>>;

    /// Replaces a room's fields, keeping the commit-owned counters; returns the stored room.
    async fn update_room(&self, room: &Room) -> Result<Room>;

    /// Replaces the room with `new` only if the stored room still equals `expected` (counters
    /// included; the counters of `new` are ignored); returns whether it did. Timer transitions
    /// use this so that a commit in between wins.
    async fn compare_and_set_room(&self, expected: &Room, new: &Room) -> Result<bool>;

    /// Deletes a room and everything in it; returns whether it existed.
    async fn delete_room(&self, room_id: &str) -> Result<bool>;

    /// Rooms matching the filter, in creation order.
    async fn list_rooms(&self, filter: &RoomFilter) -> Result<Vec<Room>>;

    // --- events ------------------------------------------------------------------------------

    /// Commits an event atomically: index = room.event_count, event_count += 1, latest_index,
    /// and unless blocked, last_activity_at and paused → active. An idempotency key already seen
    /// for (room, source channel) returns the original event with `duplicate = true`.
    async fn commit_event(&self, event: RoomEvent) -> Result<CommitOutcome> {
        let outcome = self.commit_event_unsynced(event).await?;
        self.sync().await?;
        Ok(outcome)
    }

    /// [`commit_event`](Self::commit_event) without waiting for durability: the commit is
    /// applied and visible, and [`sync`](Self::sync) makes it durable. Lets the orchestrator
    /// deliver while the flush runs, and acknowledge only after it.
    async fn commit_event_unsynced(&self, event: RoomEvent) -> Result<CommitOutcome>;

    /// Waits until everything written before the call is durable. Concurrent callers share
    /// flushes (group commit).
    async fn sync(&self) -> Result<()>;

    /// The event, if it exists.
    async fn get_event(&self, event_id: &str) -> Result<Option<RoomEvent>>;

    /// Replaces a committed event (status, metadata, delivery results); it may not change room
    /// or index.
    async fn update_event(&self, event: &RoomEvent) -> Result<()>;

    /// Like [`update_event`](Self::update_event) for delivery outcomes (status, delivery
    /// results), without waiting for the flush: the outcome of the last moments before a crash
    /// may be lost, the event itself never is. Keeps a second flush off every message's path.
    async fn record_delivery(&self, event: &RoomEvent) -> Result<()>;

    /// Events of a room by index, filtered and paged per the query.
    async fn list_events(&self, room_id: &str, query: &EventQuery) -> Result<Vec<RoomEvent>>;

    /// The event committed with this idempotency key from this channel, if any.
    async fn find_by_idempotency_key(
        &self,
        room_id: &str,
        channel_id: &str,
        key: &str,
    ) -> Result<Option<RoomEvent>>;

    // --- bindings ----------------------------------------------------------------------------

    /// Attaches a channel to a room or replaces its binding. The room must exist.
    async fn put_binding(&self, binding: &ChannelBinding) -> Result<()>;

    /// The binding of a channel in a room.
    async fn get_binding(&self, room_id: &str, channel_id: &str) -> Result<Option<ChannelBinding>>;

    /// All bindings of a room, by channel id.
    async fn list_bindings(&self, room_id: &str) -> Result<Vec<ChannelBinding>>;

    /// Detaches a channel; returns whether it was attached.
    async fn remove_binding(&self, room_id: &str, channel_id: &str) -> Result<bool>;

    /// The rooms whose binding of `channel_id` names `participant_id` as its correspondent
    /// (`None`: the bindings that name none), in no particular order. Inbound routing asks this
    /// for every message, so a store should answer it from an index (the sled store does); this
    /// default reads every room bound to the channel.
    async fn rooms_of_correspondent(
        &self,
        channel_id: &str,
        participant_id: Option<&str>,
    ) -> Result<Vec<String>> {
        let filter = RoomFilter {
            channel_id: Some(channel_id.to_owned()),
            ..RoomFilter::default()
        };
        let mut rooms = Vec::new();
        for room in self.list_rooms(&filter).await? {
            if let Some(binding) = self.get_binding(&room.id, channel_id).await?
                && binding.participant_id.as_deref() == participant_id
            {
                rooms.push(room.id);
            }
        }
        Ok(rooms)
    }

    // --- participants ------------------------------------------------------------------------

    /// Adds or replaces a participant. The room must exist.
    async fn put_participant(&self, participant: &Participant) -> Result<()>;

    /// A participant of a room.
    async fn get_participant(
        &self,
        room_id: &str,
        participant_id: &str,
    ) -> Result<Option<Participant>>;

    /// All participants of a room, by id.
    async fn list_participants(&self, room_id: &str) -> Result<Vec<Participant>>;

    // --- identities --------------------------------------------------------------------------

    /// Stores a new identity with its addresses; an address held by another identity is
    /// [`Error::AddressTaken`](crate::Error).
    async fn create_identity(&self, identity: &Identity) -> Result<()>;

    /// The identity, if it exists.
    async fn get_identity(&self, identity_id: &str) -> Result<Option<Identity>>;

    /// Identities in id order, those after `after` (exclusive) when given, at most `limit`.
    /// The cost is proportional to what is returned, not to the number of identities.
    async fn list_identities(&self, after: Option<&str>, limit: usize) -> Result<Vec<Identity>>;

    /// The identity reachable at this address on this channel type.
    async fn resolve_identity(&self, channel_type: &str, address: &str)
    -> Result<Option<Identity>>;

    /// Adds an address to an identity (a no-op if it has it already); returns the identity.
    async fn link_address(
        &self,
        identity_id: &str,
        channel_type: &str,
        address: &str,
    ) -> Result<Identity>;

    // --- tasks and observations --------------------------------------------------------------

    /// Stores a new task. The room must exist.
    async fn add_task(&self, task: &Task) -> Result<()>;

    /// The task, if it exists.
    async fn get_task(&self, task_id: &str) -> Result<Option<Task>>;

    /// Replaces a task (it may not move to another room).
    async fn update_task(&self, task: &Task) -> Result<()>;

    /// Tasks of a room in creation order, optionally only those in one state.
    async fn list_tasks(&self, room_id: &str, status: Option<TaskStatus>) -> Result<Vec<Task>>;

    /// Stores an observation. The room must exist.
    async fn add_observation(&self, observation: &Observation) -> Result<()>;

    /// Observations of a room in creation order.
    async fn list_observations(&self, room_id: &str) -> Result<Vec<Observation>>;

    // --- read markers ------------------------------------------------------------------------

    /// Raises the channel's read marker to `index` (it never moves back); returns the marker.
    async fn mark_read(&self, room_id: &str, channel_id: &str, index: u64) -> Result<u64>;

    /// Raises the channel's read marker to the newest event; returns it (none in an empty room).
    async fn mark_all_read(&self, room_id: &str, channel_id: &str) -> Result<Option<u64>>;

    /// Events after the channel's read marker that were neither blocked nor internal (channel
    /// records are no one's to read).
    async fn unread_count(&self, room_id: &str, channel_id: &str) -> Result<u64>;

    // --- plugin key-value --------------------------------------------------------------------

    /// A value in a plugin's namespace.
    async fn kv_get(&self, plugin: &str, key: &str) -> Result<Option<Vec<u8>>>;

    /// Sets a value in a plugin's namespace.
    async fn kv_set(&self, plugin: &str, key: &str, value: &[u8]) -> Result<()>;

    /// [`kv_set`](Self::kv_set) without waiting for it to be durable: it becomes durable with
    /// the next [`sync`](Self::sync) or commit, like [`record_delivery`](Self::record_delivery)
    /// (for an index that lives and dies with such a record).
    async fn kv_set_unsynced(&self, plugin: &str, key: &str, value: &[u8]) -> Result<()> {
        self.kv_set(plugin, key, value).await
    }

    /// Deletes a value; returns whether it existed.
    async fn kv_delete(&self, plugin: &str, key: &str) -> Result<bool>;

    /// Keys of a plugin's namespace starting with `prefix`, in order, at most `limit`.
    async fn kv_keys(&self, plugin: &str, prefix: &str, limit: usize) -> Result<Vec<String>>;

    // --- lifecycle ---------------------------------------------------------------------------

    /// Makes everything written so far durable.
    async fn flush(&self) -> Result<()>;
}
