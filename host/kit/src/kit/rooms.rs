//! Room lifecycle: create, read, close, archive, pause, resume, and inactivity timers.

use std::sync::Arc;

use roomkit_model::{
    AgentResponsePolicy, Content, EventSource, EventType, FrameworkEventType, Metadata, Room,
    RoomEvent, RoomStatus, RoomTimers, Timestamp, now,
};
use roomkit_store::RoomFilter;

use super::{Inner, RoomKit};
use crate::context::RoomContext;
use crate::framework::FrameworkEvent;
use crate::hooks::HookTrigger;
use crate::locks::lock_scope;
use crate::{Error, Result};

/// How to create a room.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoomOptions {
    /// The room id (a fresh one when `None`).
    pub id: Option<String>,
    /// The tenant.
    pub organization_id: Option<String>,
    /// Free-form data.
    pub metadata: Metadata,
    /// Inactivity timers.
    pub timers: RoomTimers,
    /// Which agents answer.
    pub agent_response_policy: AgentResponsePolicy,
}

/// The status a room's timers call for now, if it differs (SPEC §3 room timers): closed once
/// `closed_after_seconds` passed since the last activity (or creation), else paused once an
/// active room was idle `inactive_after_seconds`.
pub(crate) fn due_transition(room: &Room, at: Timestamp) -> Option<RoomStatus> {
    if !matches!(room.status, RoomStatus::Active | RoomStatus::Paused) {
        return None;
    }
    let since = room.timers.last_activity_at.unwrap_or(room.created_at);
    let idle = (at - since).num_milliseconds().max(0) as u64;
    let passed = |seconds: Option<u64>| seconds.is_some_and(|s| idle >= s.saturating_mul(1000));
    if passed(room.timers.closed_after_seconds) {
        return Some(RoomStatus::Closed);
    }
    if room.status == RoomStatus::Active && passed(room.timers.inactive_after_seconds) {
        return Some(RoomStatus::Paused);
    }
    None
}

/// A room with a new status and the matching timestamps.
fn with_status(room: &Room, status: RoomStatus, at: Timestamp) -> Room {
    let mut next = room.clone();
    next.status = status;
    next.updated_at = at;
    match status {
        RoomStatus::Paused => next.paused_at = Some(at),
        RoomStatus::Closed | RoomStatus::Archived => {
            next.closed_at.get_or_insert(at);
        }
        RoomStatus::Active => {}
    }
    next
}

/// A transient system event describing a lifecycle change, for hooks of lifecycle triggers.
pub(crate) fn lifecycle_event(room_id: &str, code: &str, data: Metadata) -> RoomEvent {
    let source = EventSource {
        direction: roomkit_model::Direction::Outbound,
        ..EventSource::inbound("roomkit", "system")
    };
    let mut event = RoomEvent::new(
        room_id,
        source,
        Content::System {
            body: code.replace('_', " "),
            code: Some(code.to_owned()),
            data,
        },
    );
    event.event_type = EventType::System;
    event
}

impl Inner {
    /// Emits the framework event and starts the lifecycle hooks of a status change.
    pub(crate) async fn announce_status(&self, room: &Room) {
        let (kind, trigger, code) = match room.status {
            RoomStatus::Paused => (
                FrameworkEventType::RoomPaused,
                HookTrigger::OnRoomPaused,
                "room_paused",
            ),
            RoomStatus::Closed => (
                FrameworkEventType::RoomClosed,
                HookTrigger::OnRoomClosed,
                "room_closed",
            ),
            RoomStatus::Archived => (
                FrameworkEventType::RoomArchived,
                HookTrigger::OnRoomClosed,
                "room_archived",
            ),
            RoomStatus::Active => return,
        };
        self.emit(|| FrameworkEvent::new(kind).room(room.id.clone()));
        self.spawn_lifecycle_hooks(trigger, room, code, Metadata::new())
            .await;
    }

    /// Starts the async hooks of a lifecycle trigger with a transient system event.
    pub(crate) async fn spawn_lifecycle_hooks(
        &self,
        trigger: HookTrigger,
        room: &Room,
        code: &str,
        data: Metadata,
    ) {
        self.spawn_hooks_on(trigger, room, &lifecycle_event(&room.id, code, data))
            .await;
    }

    /// Starts the async hooks of a lifecycle trigger on `event`, with the room's context.
    pub(crate) async fn spawn_hooks_on(
        &self,
        trigger: HookTrigger,
        room: &Room,
        event: &RoomEvent,
    ) {
        if !self.hooks.has_async(trigger, event) {
            return;
        }
        match RoomContext::load(
            Arc::clone(&self.store),
            room.clone(),
            self.config.context_events,
        )
        .await
        {
            Ok(ctx) => self.hooks.spawn_async(trigger, event, &Arc::new(ctx)),
            Err(err) => {
                tracing::warn!(room = %room.id, %err, "cannot load context for lifecycle hooks")
            }
        }
    }

    /// Applies a due timer transition to a room (the room lock is held by the caller);
    /// returns the room as it is now.
    pub(crate) async fn apply_due_timers(&self, room: Room) -> Result<Room> {
        let at = now();
        let Some(status) = due_transition(&room, at) else {
            return Ok(room);
        };
        let next = with_status(&room, status, at);
        if self.store.compare_and_set_room(&room, &next).await? {
            self.announce_status(&next).await;
            Ok(next)
        } else {
            // A commit got in first: the room is active again; read what is stored.
            self.room(&room.id).await
        }
    }

    pub(crate) async fn room(&self, room_id: &str) -> Result<Room> {
        self.store
            .get_room(room_id)
            .await?
            .ok_or_else(|| Error::RoomNotFound(room_id.to_owned()))
    }

    /// Creates a room and announces it.
    pub(crate) async fn create_room_record(&self, room: Room) -> Result<Room> {
        let room = self.store.create_room(room).await?;
        self.emit(|| FrameworkEvent::new(FrameworkEventType::RoomCreated).room(room.id.clone()));
        self.spawn_lifecycle_hooks(
            HookTrigger::OnRoomCreated,
            &room,
            "room_created",
            Metadata::new(),
        )
        .await;
        Ok(room)
    }

    async fn transition(
        &self,
        room_id: &str,
        action: &'static str,
        allowed: &[RoomStatus],
        status: RoomStatus,
    ) -> Result<Room> {
        lock_scope(async {
            let _guard = self.locks.lock(room_id).await;
            let room = self.room(room_id).await?;
            if room.status == status {
                return Ok(room);
            }
            if !allowed.contains(&room.status) {
                return Err(Error::InvalidTransition {
                    room_id: room_id.to_owned(),
                    status: room.status.as_str(),
                    action,
                });
            }
            let next = self
                .store
                .update_room(&with_status(&room, status, now()))
                .await?;
            self.announce_status(&next).await;
            Ok(next)
        })
        .await
    }
}

impl RoomKit {
    /// Creates a room; an existing id is a store `RoomExists` error.
    pub async fn create_room(&self, options: RoomOptions) -> Result<Room> {
        self.inner.check_open()?;
        let mut room = match options.id {
            Some(id) => {
                roomkit_model::validate_id("id", &id)?;
                Room::with_id(id)
            }
            None => Room::new(),
        };
        room.organization_id = options.organization_id;
        room.metadata = options.metadata;
        room.timers = options.timers;
        room.agent_response_policy = options.agent_response_policy;
        self.inner.create_room_record(room).await
    }

    /// The room.
    pub async fn get_room(&self, room_id: &str) -> Result<Room> {
        self.inner.room(room_id).await
    }

    /// Rooms matching the filter, in creation order.
    pub async fn list_rooms(&self, filter: &RoomFilter) -> Result<Vec<Room>> {
        Ok(self.inner.store.list_rooms(filter).await?)
    }

    /// Closes a room: it refuses new events from now on.
    pub async fn close_room(&self, room_id: &str) -> Result<Room> {
        self.inner
            .transition(
                room_id,
                "close",
                &[RoomStatus::Active, RoomStatus::Paused],
                RoomStatus::Closed,
            )
            .await
    }

    /// Archives a room (closing it if needed).
    pub async fn archive_room(&self, room_id: &str) -> Result<Room> {
        self.inner
            .transition(
                room_id,
                "archive",
                &[RoomStatus::Active, RoomStatus::Paused, RoomStatus::Closed],
                RoomStatus::Archived,
            )
            .await
    }

    /// Pauses an active room; the next accepted message resumes it.
    pub async fn pause_room(&self, room_id: &str) -> Result<Room> {
        self.inner
            .transition(room_id, "pause", &[RoomStatus::Active], RoomStatus::Paused)
            .await
    }

    /// Resumes a paused room.
    pub async fn resume_room(&self, room_id: &str) -> Result<Room> {
        self.inner
            .transition(room_id, "resume", &[RoomStatus::Paused], RoomStatus::Active)
            .await
    }

    /// Sets a room's inactivity timers.
    pub async fn set_timers(
        &self,
        room_id: &str,
        inactive_after_seconds: Option<u64>,
        closed_after_seconds: Option<u64>,
    ) -> Result<Room> {
        lock_scope(async {
            let _guard = self.inner.locks.lock(room_id).await;
            let mut room = self.inner.room(room_id).await?;
            room.timers.inactive_after_seconds = inactive_after_seconds;
            room.timers.closed_after_seconds = closed_after_seconds;
            Ok(self.inner.store.update_room(&room).await?)
        })
        .await
    }

    /// Applies due timer transitions to every active or paused room; returns the rooms that
    /// changed, as they are now.
    pub async fn check_all_timers(&self) -> Result<Vec<Room>> {
        let mut changed = Vec::new();
        for status in [RoomStatus::Active, RoomStatus::Paused] {
            let filter = RoomFilter {
                status: Some(status),
                ..RoomFilter::default()
            };
            for room in self.inner.store.list_rooms(&filter).await? {
                if due_transition(&room, now()).is_none() {
                    continue;
                }
                let after = lock_scope(async {
                    let _guard = self.inner.locks.lock(&room.id).await;
                    let fresh = self.inner.room(&room.id).await?;
                    self.inner.apply_due_timers(fresh).await
                })
                .await?;
                if after.status != status {
                    changed.push(after);
                }
            }
        }
        Ok(changed)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn seconds(s: i64) -> chrono::Duration {
        chrono::Duration::seconds(s)
    }

    fn room(status: RoomStatus, inactive: Option<u64>, closed: Option<u64>) -> Room {
        let mut room = Room::with_id("r");
        room.status = status;
        room.timers.inactive_after_seconds = inactive;
        room.timers.closed_after_seconds = closed;
        room.timers.last_activity_at = Some(room.created_at);
        room
    }

    #[test]
    fn room_timers_pause_then_close_after_inactivity() {
        let r = room(RoomStatus::Active, Some(300), Some(3600));
        let t0 = r.created_at;
        assert_eq!(due_transition(&r, t0 + seconds(299)), None);
        assert_eq!(
            due_transition(&r, t0 + seconds(300)),
            Some(RoomStatus::Paused)
        );
        let mut paused = r.clone();
        paused.status = RoomStatus::Paused;
        assert_eq!(due_transition(&paused, t0 + seconds(301)), None);
        assert_eq!(
            due_transition(&paused, t0 + seconds(3600)),
            Some(RoomStatus::Closed)
        );
        assert_eq!(
            due_transition(&r, t0 + seconds(4000)),
            Some(RoomStatus::Closed)
        );
    }

    #[test]
    fn closed_rooms_and_rooms_without_timers_never_transition() {
        let t0 = Room::with_id("x").created_at;
        assert_eq!(
            due_transition(&room(RoomStatus::Active, None, None), t0 + seconds(99_999)),
            None
        );
        assert_eq!(
            due_transition(
                &room(RoomStatus::Closed, Some(1), Some(1)),
                t0 + seconds(10)
            ),
            None
        );
    }
}
