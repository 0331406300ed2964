//! Identities, participants and tasks: who takes part and what there is to do (seed 001
//! `resolve_participant`, seed 003 "Participant Roles and Permissions", "Side Effects").
//!
//! Changes of a participant that a room should remember — an identity resolved after the fact,
//! a participant leaving, banned or coming back — are stored as records in the room, like the
//! channel records: internal, delivered, from the system, consuming an index, never broadcast.

use roomkit_model::{
    EventStatus, EventType, FrameworkEventType, Identification, Identity, Metadata, Participant,
    ParticipantRole, ParticipantStatus, Room, RoomEvent, Task, TaskStatus, ValidationError,
    Visibility, validate_id,
};

use super::{Inner, RoomKit, lifecycle_event};
use crate::framework::FrameworkEvent;
use crate::hooks::HookTrigger;
use crate::locks::lock_scope;
use crate::{Error, Result};

/// What to change of a participant; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParticipantUpdate {
    /// Owner, agent, member, observer or bot.
    pub role: Option<ParticipantRole>,
    /// Active, inactive, left or banned (a banned participant's messages are blocked
    /// `participant_banned`).
    pub status: Option<ParticipantStatus>,
    /// Shown name.
    pub display_name: Option<String>,
    /// Replaces the metadata.
    pub metadata: Option<Metadata>,
}

/// What to change of a task; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskUpdate {
    /// The new status; a finished task (completed, failed, cancelled) keeps its status.
    pub status: Option<TaskStatus>,
    /// Short title (not empty).
    pub title: Option<String>,
    /// Longer text.
    pub description: Option<String>,
    /// Who should do it.
    pub assigned_to: Option<String>,
    /// Replaces the metadata.
    pub metadata: Option<Metadata>,
}

impl Inner {
    async fn participant(&self, room_id: &str, participant_id: &str) -> Result<Participant> {
        self.store
            .get_participant(room_id, participant_id)
            .await?
            .ok_or_else(|| Error::ParticipantNotFound {
                room_id: room_id.to_owned(),
                participant_id: participant_id.to_owned(),
            })
    }

    /// Stores a participant record in the room and starts the trigger's hooks on it.
    async fn record_participant_change(
        &self,
        room: &Room,
        event_type: EventType,
        code: &str,
        data: Metadata,
        trigger: Option<HookTrigger>,
    ) -> Result<RoomEvent> {
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
    // --- identities ---------------------------------------------------------------------------

    /// Stores a new identity with its addresses. A taken id is a store `IdentityExists` error,
    /// an address held by another identity `AddressTaken`; invalid ids or addresses are
    /// [`Error::Invalid`].
    pub async fn create_identity(&self, identity: Identity) -> Result<Identity> {
        self.inner.check_open()?;
        identity.validate()?;
        self.inner.store.create_identity(&identity).await?;
        Ok(identity)
    }

    /// The identity; an unknown id is a store `IdentityNotFound` error.
    pub async fn get_identity(&self, identity_id: &str) -> Result<Identity> {
        self.inner
            .store
            .get_identity(identity_id)
            .await?
            .ok_or_else(|| roomkit_store::Error::IdentityNotFound(identity_id.to_owned()).into())
    }

    /// Identities in id order, those after `after` when given, at most `limit`.
    pub async fn list_identities(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Identity>> {
        Ok(self.inner.store.list_identities(after, limit).await?)
    }

    /// Makes an identity reachable at an address of a channel type (a no-op if it is already);
    /// returns the identity. The identity resolver of the store then recognises the sender.
    pub async fn link_address(
        &self,
        identity_id: &str,
        channel_type: &str,
        address: &str,
    ) -> Result<Identity> {
        self.inner.check_open()?;
        validate_id("channel_type", channel_type)?;
        validate_id("address", address)?;
        Ok(self
            .inner
            .store
            .link_address(identity_id, channel_type, address)
            .await?)
    }

    // --- participants -------------------------------------------------------------------------

    /// A participant of a room ([`Error::ParticipantNotFound`] if there is none).
    pub async fn get_participant(
        &self,
        room_id: &str,
        participant_id: &str,
    ) -> Result<Participant> {
        self.inner.room(room_id).await?;
        self.inner.participant(room_id, participant_id).await
    }

    /// Adds a participant to its room (an explicit join, e.g. to set the role of someone
    /// before they speak, or to ban a sender the identity resolver never saw). With an
    /// `identity_id` the identity must exist and the participant is identified. A participant
    /// with the same id in the room is [`Error::ParticipantExists`]. The room stores a
    /// `participant_joined` record (data: participant_id, status).
    pub async fn add_participant(&self, mut participant: Participant) -> Result<Participant> {
        self.inner.check_open()?;
        validate_id("participant id", &participant.id)?;
        validate_id("channel_id", &participant.channel_id)?;
        if participant.connected_via.is_empty() {
            participant.connected_via = participant.channel_id.clone();
        }
        let room_id = participant.room_id.clone();
        lock_scope(async {
            let _guard = self.inner.locks.lock(&room_id).await;
            let room = self.inner.room(&room_id).await?;
            if let Some(identity_id) = &participant.identity_id {
                self.get_identity(identity_id).await?;
                participant.identification = Identification::Identified;
            }
            if self
                .inner
                .store
                .get_participant(&room_id, &participant.id)
                .await?
                .is_some()
            {
                return Err(Error::ParticipantExists {
                    room_id: room_id.clone(),
                    participant_id: participant.id.clone(),
                });
            }
            self.inner.store.put_participant(&participant).await?;
            let mut data = Metadata::new();
            data.insert("participant_id".into(), participant.id.clone().into());
            data.insert("status".into(), participant.status.as_str().into());
            self.inner
                .record_participant_change(
                    &room,
                    EventType::ParticipantJoined,
                    "participant_joined",
                    data,
                    None,
                )
                .await?;
            Ok(participant)
        })
        .await
    }

    /// Resolves a participant (typically a pending or unknown one) to a known identity after
    /// the fact (seed 001 `resolve_participant`): it becomes identified, takes the identity's id
    /// and, if it has one, its display name; the room stores a `participant_identified` record
    /// (data: participant_id, identity_id, resolved_by), the ON_PARTICIPANT_IDENTIFIED hooks run
    /// on it and `identity_resolved` is emitted. Resolving to the identity it already has
    /// changes and records nothing.
    ///
    /// Unlike the reference, the channel binding keeps naming the raw sender as its
    /// correspondent, so that routing still finds the room for that sender's next message.
    pub async fn resolve_participant(
        &self,
        room_id: &str,
        participant_id: &str,
        identity_id: &str,
        resolved_by: &str,
    ) -> Result<Participant> {
        self.inner.check_open()?;
        lock_scope(async {
            let _guard = self.inner.locks.lock(room_id).await;
            let room = self.inner.room(room_id).await?;
            let mut participant = self.inner.participant(room_id, participant_id).await?;
            let identity = self.get_identity(identity_id).await?;
            if participant.identification == Identification::Identified
                && participant.identity_id.as_deref() == Some(identity_id)
            {
                return Ok(participant);
            }
            participant.identification = Identification::Identified;
            participant.identity_id = Some(identity.id.clone());
            if identity.display_name.is_some() {
                participant.display_name = identity.display_name.clone();
            }
            self.inner.store.put_participant(&participant).await?;
            let mut data = Metadata::new();
            data.insert("participant_id".into(), participant_id.into());
            data.insert("identity_id".into(), identity_id.into());
            data.insert("resolved_by".into(), resolved_by.into());
            self.inner
                .record_participant_change(
                    &room,
                    EventType::ParticipantIdentified,
                    "participant_identified",
                    data,
                    Some(HookTrigger::OnParticipantIdentified),
                )
                .await?;
            self.inner.emit(|| {
                FrameworkEvent::new(FrameworkEventType::IdentityResolved)
                    .room(room_id)
                    .channel(participant.channel_id.clone())
                    .with("identity_id", identity_id)
                    .with("participant_id", participant_id)
            });
            Ok(participant)
        })
        .await
    }

    /// Changes a participant's role, status, display name or metadata. A move to left or
    /// banned stores a `participant_left` record, a move back from there a
    /// `participant_joined` record (data: participant_id, status); other changes store none.
    pub async fn update_participant(
        &self,
        room_id: &str,
        participant_id: &str,
        update: ParticipantUpdate,
    ) -> Result<Participant> {
        self.inner.check_open()?;
        if let Some(name) = &update.display_name
            && name.trim().is_empty()
        {
            return Err(ValidationError::Empty("display_name").into());
        }
        lock_scope(async {
            let _guard = self.inner.locks.lock(room_id).await;
            let room = self.inner.room(room_id).await?;
            let before = self.inner.participant(room_id, participant_id).await?;
            let mut participant = before.clone();
            if let Some(role) = update.role {
                participant.role = role;
            }
            if let Some(status) = update.status {
                participant.status = status;
            }
            if let Some(name) = update.display_name {
                participant.display_name = Some(name);
            }
            if let Some(metadata) = update.metadata {
                participant.metadata = metadata;
            }
            if participant == before {
                return Ok(participant);
            }
            self.inner.store.put_participant(&participant).await?;
            let record = match (before.status.is_gone(), participant.status.is_gone()) {
                (false, true) => Some((EventType::ParticipantLeft, "participant_left")),
                (true, false) => Some((EventType::ParticipantJoined, "participant_joined")),
                // Left → banned is still news; banned → left lifts nothing.
                (true, true) if before.status != participant.status => {
                    Some((EventType::ParticipantLeft, "participant_left"))
                }
                _ => None,
            };
            if let Some((event_type, code)) = record {
                let mut data = Metadata::new();
                data.insert("participant_id".into(), participant_id.into());
                data.insert("status".into(), participant.status.as_str().into());
                self.inner
                    .record_participant_change(&room, event_type, code, data, None)
                    .await?;
            }
            Ok(participant)
        })
        .await
    }

    // --- tasks --------------------------------------------------------------------------------

    /// A task of a room (a store `TaskNotFound` error if the room has no such task).
    pub async fn get_task(&self, room_id: &str, task_id: &str) -> Result<Task> {
        self.inner.room(room_id).await?;
        self.inner
            .store
            .get_task(task_id)
            .await?
            .filter(|task| task.room_id == room_id)
            .ok_or_else(|| roomkit_store::Error::TaskNotFound(task_id.to_owned()).into())
    }

    /// Changes a task's status, title, description, assignee or metadata. An unfinished task
    /// may move to any status (pending → in_progress → completed, …); a finished one
    /// (completed, failed, cancelled) keeps its status: asking for another is
    /// [`Error::InvalidTaskTransition`].
    pub async fn update_task(
        &self,
        room_id: &str,
        task_id: &str,
        update: TaskUpdate,
    ) -> Result<Task> {
        self.inner.check_open()?;
        if let Some(title) = &update.title
            && title.trim().is_empty()
        {
            return Err(ValidationError::Empty("title").into());
        }
        lock_scope(async {
            let _guard = self.inner.locks.lock(room_id).await;
            let mut task = self.get_task(room_id, task_id).await?;
            let before = task.clone();
            if let Some(status) = update.status {
                if !task.status.can_become(status) {
                    return Err(Error::InvalidTaskTransition {
                        task_id: task_id.to_owned(),
                        from: task.status.as_str(),
                        to: status.as_str(),
                    });
                }
                task.status = status;
            }
            if let Some(title) = update.title {
                task.title = title;
            }
            if let Some(description) = update.description {
                task.description = Some(description);
            }
            if let Some(assigned_to) = update.assigned_to {
                task.assigned_to = Some(assigned_to);
            }
            if let Some(metadata) = update.metadata {
                task.metadata = metadata;
            }
            if task != before {
                self.inner.store.update_task(&task).await?;
            }
            Ok(task)
        })
        .await
    }
}
