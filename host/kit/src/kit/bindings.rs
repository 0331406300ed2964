//! Channels in rooms (attach, detach, mute, access, visibility) and what a room holds
//! (timeline, participants, tasks, observations, read markers).

use roomkit_model::{
    Access, ChannelBinding, ChannelCapabilities, ChannelCategory, ChannelDirection, EventStatus,
    EventType, FrameworkEventType, Metadata, Observation, Participant, RateLimit, RetryPolicy,
    Room, RoomEvent, Task, TaskStatus, Visibility,
};
use roomkit_store::EventQuery;

use super::{Inner, RoomKit, lifecycle_event};
use crate::framework::FrameworkEvent;
use crate::hooks::HookTrigger;
use crate::locks::lock_scope;
use crate::{Error, Result};

/// The kit's own namespace in the store's key-value space.
pub(crate) const KIT_NAMESPACE: &str = "_roomkit";

/// The key remembering that a channel was explicitly detached from a room.
pub(crate) fn detached_key(room_id: &str, channel_id: &str) -> String {
    format!("detached\u{1f}{room_id}\u{1f}{channel_id}")
}

/// A change of a channel in a room, recorded as an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChannelChange {
    Attached,
    Detached,
    Muted,
    Unmuted,
    /// Access or visibility.
    Updated,
}

impl ChannelChange {
    /// The record's event type and code, and the lifecycle trigger it starts.
    fn describe(self) -> (EventType, &'static str, Option<HookTrigger>) {
        match self {
            ChannelChange::Attached => (
                EventType::ChannelAttached,
                "channel_attached",
                Some(HookTrigger::OnChannelAttached),
            ),
            ChannelChange::Detached => (
                EventType::ChannelDetached,
                "channel_detached",
                Some(HookTrigger::OnChannelDetached),
            ),
            ChannelChange::Muted => (
                EventType::ChannelMuted,
                "channel_muted",
                Some(HookTrigger::OnChannelMuted),
            ),
            ChannelChange::Unmuted => (
                EventType::ChannelUnmuted,
                "channel_unmuted",
                Some(HookTrigger::OnChannelUnmuted),
            ),
            ChannelChange::Updated => (EventType::ChannelUpdated, "channel_updated", None),
        }
    }
}

/// How to attach a channel; unset fields come from the channel itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttachOptions {
    /// Transport or intelligence (default: the channel's category).
    pub category: Option<ChannelCategory>,
    /// Which way messages flow.
    pub direction: ChannelDirection,
    /// What the channel may do in the room.
    pub access: Access,
    /// Muted from the start.
    pub muted: bool,
    /// What the channel lets through (`internal` is refused).
    pub visibility: Visibility,
    /// The correspondent this binding talks to.
    pub participant_id: Option<String>,
    /// Addresses and settings (phone_number, email_address, …).
    pub metadata: Metadata,
    /// What the channel renders in this room (default: the channel's capabilities).
    pub capabilities: Option<ChannelCapabilities>,
    /// Outbound rate limit.
    pub rate_limit: Option<RateLimit>,
    /// Retries of failed deliveries.
    pub retry_policy: Option<RetryPolicy>,
}

impl Inner {
    /// Builds and stores a binding of a registered channel.
    pub(crate) async fn attach(
        &self,
        room_id: &str,
        channel_id: &str,
        options: AttachOptions,
    ) -> Result<ChannelBinding> {
        if let Some(participant) = &options.participant_id {
            roomkit_model::validate_id("participant_id", participant)?;
        }
        let channel = self.channel(channel_id)?;
        let room = self.room(room_id).await?;
        let mut binding = ChannelBinding::new(room_id, channel_id, channel.channel_type());
        binding.category = options.category.unwrap_or_else(|| channel.category());
        binding.direction = options.direction;
        binding.access = options.access;
        binding.muted = options.muted;
        binding.visibility = options.visibility;
        binding.participant_id = options.participant_id;
        binding.metadata = options.metadata;
        binding.capabilities = options
            .capabilities
            .unwrap_or_else(|| channel.capabilities());
        binding.rate_limit = options.rate_limit;
        binding.retry_policy = options.retry_policy;
        binding.validate()?;
        self.store.put_binding(&binding).await?;
        self.store
            .kv_delete(KIT_NAMESPACE, &detached_key(room_id, channel_id))
            .await?;
        self.emit(|| {
            FrameworkEvent::new(FrameworkEventType::RoomChannelAttached)
                .room(room_id)
                .channel(channel_id)
        });
        self.record_channel_change(&room, ChannelChange::Attached, channel_id, Metadata::new())
            .await?;
        Ok(binding)
    }

    async fn binding(&self, room_id: &str, channel_id: &str) -> Result<ChannelBinding> {
        self.store
            .get_binding(room_id, channel_id)
            .await?
            .ok_or_else(|| Error::NotAttached {
                room_id: room_id.to_owned(),
                channel_id: channel_id.to_owned(),
            })
    }

    /// Changes a binding under the room lock and records the change in the room (a metadata
    /// change is not recorded: `record` is `None`).
    async fn change_binding(
        &self,
        room_id: &str,
        channel_id: &str,
        change: impl FnOnce(&mut ChannelBinding) + Send,
        record: Option<ChannelChange>,
    ) -> Result<ChannelBinding> {
        lock_scope(async {
            let _guard = self.locks.lock(room_id).await;
            let mut binding = self.binding(room_id, channel_id).await?;
            let before = binding.clone();
            change(&mut binding);
            binding.validate()?;
            self.store.put_binding(&binding).await?;
            if let Some(record) = record {
                let room = self.room(room_id).await?;
                let mut data = Metadata::new();
                if before.access != binding.access {
                    data.insert(
                        "access".into(),
                        serde_json::to_value(binding.access).unwrap_or_default(),
                    );
                }
                if before.visibility != binding.visibility {
                    data.insert(
                        "visibility".into(),
                        serde_json::to_value(&binding.visibility).unwrap_or_default(),
                    );
                }
                self.record_channel_change(&room, record, channel_id, data)
                    .await?;
            }
            Ok(binding)
        })
        .await
    }

    /// Stores the record of a channel change (SPEC §3 "Channel records": internal, delivered,
    /// from the system, consuming an index; never broadcast) and starts the change's lifecycle
    /// hooks on it.
    pub(crate) async fn record_channel_change(
        &self,
        room: &Room,
        change: ChannelChange,
        channel_id: &str,
        mut data: Metadata,
    ) -> Result<RoomEvent> {
        let (event_type, code, trigger) = change.describe();
        data.insert("channel_id".into(), channel_id.into());
        let mut event = lifecycle_event(&room.id, code, data);
        event.event_type = event_type;
        event.visibility = Visibility::Internal;
        event.status = EventStatus::Delivered;
        let event = self.store.commit_event(event).await?.event;
        if let Some(trigger) = trigger {
            self.spawn_hooks_on(trigger, room, &event).await;
        }
        Ok(event)
    }
}

impl RoomKit {
    /// Attaches a registered channel to a room.
    pub async fn attach_channel(
        &self,
        room_id: &str,
        channel_id: &str,
        options: AttachOptions,
    ) -> Result<ChannelBinding> {
        self.inner.check_open()?;
        lock_scope(async {
            let _guard = self.inner.locks.lock(room_id).await;
            self.inner.attach(room_id, channel_id, options).await
        })
        .await
    }

    /// Detaches a channel; inbound messages naming this room from that channel are then blocked
    /// `source_unbound` instead of re-attaching it.
    pub async fn detach_channel(&self, room_id: &str, channel_id: &str) -> Result<()> {
        lock_scope(async {
            let _guard = self.inner.locks.lock(room_id).await;
            let room = self.inner.room(room_id).await?;
            if !self.inner.store.remove_binding(room_id, channel_id).await? {
                return Err(Error::NotAttached {
                    room_id: room_id.to_owned(),
                    channel_id: channel_id.to_owned(),
                });
            }
            self.inner
                .store
                .kv_set(KIT_NAMESPACE, &detached_key(room_id, channel_id), b"1")
                .await?;
            self.inner.emit(|| {
                FrameworkEvent::new(FrameworkEventType::RoomChannelDetached)
                    .room(room_id)
                    .channel(channel_id)
            });
            self.inner
                .record_channel_change(&room, ChannelChange::Detached, channel_id, Metadata::new())
                .await?;
            Ok(())
        })
        .await
    }

    /// Mutes a channel: it still receives, but what it sends is stored blocked `source_muted`.
    pub async fn mute(&self, room_id: &str, channel_id: &str) -> Result<ChannelBinding> {
        self.inner
            .change_binding(
                room_id,
                channel_id,
                |b| b.muted = true,
                Some(ChannelChange::Muted),
            )
            .await
    }

    /// Unmutes a channel.
    pub async fn unmute(&self, room_id: &str, channel_id: &str) -> Result<ChannelBinding> {
        self.inner
            .change_binding(
                room_id,
                channel_id,
                |b| b.muted = false,
                Some(ChannelChange::Unmuted),
            )
            .await
    }

    /// Sets what a channel may do in the room.
    pub async fn set_access(
        &self,
        room_id: &str,
        channel_id: &str,
        access: Access,
    ) -> Result<ChannelBinding> {
        self.inner
            .change_binding(
                room_id,
                channel_id,
                |b| b.access = access,
                Some(ChannelChange::Updated),
            )
            .await
    }

    /// Sets what a channel lets through (`internal` is refused).
    pub async fn set_visibility(
        &self,
        room_id: &str,
        channel_id: &str,
        visibility: Visibility,
    ) -> Result<ChannelBinding> {
        visibility.refuse_internal("bindings")?;
        self.inner
            .change_binding(
                room_id,
                channel_id,
                |b| b.visibility = visibility,
                Some(ChannelChange::Updated),
            )
            .await
    }

    /// Replaces a binding's metadata (addresses, settings).
    pub async fn set_binding_metadata(
        &self,
        room_id: &str,
        channel_id: &str,
        metadata: Metadata,
    ) -> Result<ChannelBinding> {
        self.inner
            .change_binding(room_id, channel_id, |b| b.metadata = metadata, None)
            .await
    }

    /// The binding of a channel in a room.
    pub async fn get_binding(&self, room_id: &str, channel_id: &str) -> Result<ChannelBinding> {
        self.inner.binding(room_id, channel_id).await
    }

    /// All bindings of a room.
    pub async fn list_bindings(&self, room_id: &str) -> Result<Vec<ChannelBinding>> {
        Ok(self.inner.store.list_bindings(room_id).await?)
    }

    /// The room's events per the query.
    pub async fn get_timeline(&self, room_id: &str, query: &EventQuery) -> Result<Vec<RoomEvent>> {
        Ok(self.inner.store.list_events(room_id, query).await?)
    }

    /// The room's participants.
    pub async fn list_participants(&self, room_id: &str) -> Result<Vec<Participant>> {
        Ok(self.inner.store.list_participants(room_id).await?)
    }

    /// The room's tasks, optionally only those in one state.
    pub async fn list_tasks(&self, room_id: &str, status: Option<TaskStatus>) -> Result<Vec<Task>> {
        Ok(self.inner.store.list_tasks(room_id, status).await?)
    }

    /// The room's observations.
    pub async fn list_observations(&self, room_id: &str) -> Result<Vec<Observation>> {
        Ok(self.inner.store.list_observations(room_id).await?)
    }

    /// Raises a channel's read marker to the event's index; returns the marker.
    pub async fn mark_read(&self, room_id: &str, channel_id: &str, event_id: &str) -> Result<u64> {
        let event = self
            .inner
            .store
            .get_event(event_id)
            .await?
            .filter(|e| e.room_id == room_id)
            .ok_or_else(|| roomkit_store::Error::EventNotFound(event_id.to_owned()))?;
        Ok(self
            .inner
            .store
            .mark_read(room_id, channel_id, event.index)
            .await?)
    }

    /// Raises a channel's read marker to the newest event.
    pub async fn mark_all_read(&self, room_id: &str, channel_id: &str) -> Result<Option<u64>> {
        Ok(self.inner.store.mark_all_read(room_id, channel_id).await?)
    }

    /// Events after the channel's read marker that were not blocked.
    pub async fn unread_count(&self, room_id: &str, channel_id: &str) -> Result<u64> {
        Ok(self.inner.store.unread_count(room_id, channel_id).await?)
    }
}
