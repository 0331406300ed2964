use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Content, Metadata, Timestamp, ValidationError, Visibility, new_id, now};

/// One entry of a room's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RoomEvent {
    /// Unique id.
    pub id: String,
    /// The room it belongs to.
    pub room_id: String,
    /// What kind of event.
    #[serde(rename = "type", default)]
    pub event_type: EventType,
    /// Where it came from.
    pub source: EventSource,
    /// What it carries.
    pub content: Content,
    /// Delivery state.
    #[serde(default)]
    pub status: EventStatus,
    /// The reason, when blocked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<String>,
    /// Who may see it.
    #[serde(default)]
    pub visibility: Visibility,
    /// Channel or participant ids it is addressed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addressed_to: Option<Vec<String>>,
    /// Visibility for answers to this event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_visibility: Option<Visibility>,
    /// Position in the room: 0-based, gap-free, assigned at commit.
    #[serde(default)]
    pub index: u64,
    /// How many responders deep in a chain of answers.
    #[serde(default)]
    pub chain_depth: u32,
    /// The thread root, when in a thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_event_id: Option<String>,
    /// The event this one answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responds_to: Option<String>,
    /// Ties related events together across rooms and systems.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Deduplication key, unique per (room, source channel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// When it was created.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Free-form data (`edited`, `deleted`, …).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub metadata: Metadata,
    /// Outcome per target channel id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub delivery_results: BTreeMap<String, DeliveryResult>,
}

impl RoomEvent {
    /// A new pending message event with a fresh id, not yet committed (index 0).
    pub fn new(room_id: impl Into<String>, source: EventSource, content: Content) -> Self {
        RoomEvent {
            id: new_id(),
            room_id: room_id.into(),
            event_type: EventType::Message,
            source,
            content,
            status: EventStatus::Pending,
            blocked_by: None,
            visibility: Visibility::All,
            addressed_to: None,
            response_visibility: None,
            index: 0,
            chain_depth: 0,
            parent_event_id: None,
            responds_to: None,
            correlation_id: None,
            idempotency_key: None,
            created_at: now(),
            metadata: Metadata::new(),
            delivery_results: BTreeMap::new(),
        }
    }

    /// Whether the event was blocked.
    pub fn is_blocked(&self) -> bool {
        self.status == EventStatus::Blocked
    }

    /// Validates the content and refuses `internal` visibility on inbound events.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.content.validate()?;
        if self.source.direction == Direction::Inbound {
            self.visibility.refuse_internal("inbound messages")?;
        }
        Ok(())
    }
}

/// Kinds of room events (SPEC §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum EventType {
    #[default]
    Message,
    System,
    Instruction,
    Typing,
    ReadReceipt,
    DeliveryReceipt,
    Presence,
    Reaction,
    Edit,
    Delete,
    ParticipantJoined,
    ParticipantLeft,
    ParticipantIdentified,
    ChannelAttached,
    ChannelDetached,
    ChannelMuted,
    ChannelUnmuted,
    ChannelUpdated,
    TaskCreated,
    Observation,
}

impl EventType {
    /// A channel record: what attach, detach, mute, unmute and access or visibility changes
    /// store in a room (internal, never broadcast).
    pub fn is_channel_record(self) -> bool {
        matches!(
            self,
            EventType::ChannelAttached
                | EventType::ChannelDetached
                | EventType::ChannelMuted
                | EventType::ChannelUnmuted
                | EventType::ChannelUpdated
        )
    }
}

/// Where an event came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventSource {
    /// The channel it arrived on or was produced by.
    pub channel_id: String,
    /// That channel's type (sms, email, websocket, ai, …).
    pub channel_type: String,
    /// Into the room (inbound) or produced for it (outbound).
    #[serde(default)]
    pub direction: Direction,
    /// The participant who sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_id: Option<String>,
    /// The sender's address outside (phone number, e-mail address, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The provider that carried it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The provider's id for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_message_id: Option<String>,
}

impl EventSource {
    /// An inbound source on a channel.
    pub fn inbound(channel_id: impl Into<String>, channel_type: impl Into<String>) -> Self {
        EventSource {
            channel_id: channel_id.into(),
            channel_type: channel_type.into(),
            direction: Direction::Inbound,
            participant_id: None,
            external_id: None,
            provider: None,
            provider_message_id: None,
        }
    }
}

/// Direction of an event relative to the room.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Arrived from outside.
    #[default]
    Inbound,
    /// Produced for the room (an answer, a system message).
    Outbound,
}

/// Delivery state of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum EventStatus {
    #[default]
    Pending,
    Delivered,
    Read,
    Failed,
    Blocked,
}

/// The outcome of delivering an event to one channel, updated by the service's delivery
/// receipts when its provider reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryResult {
    /// Delivered, failed or skipped; later what the service reported (queued, sent,
    /// delivered, read, failed).
    pub status: DeliveryStatus,
    /// The provider's id for the delivered message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_message_id: Option<String>,
    /// Why it failed or was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The service's error code, from a failed delivery or receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// How many attempts were made.
    #[serde(default)]
    pub attempts: u32,
    /// When the service's last receipt was applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<Timestamp>,
}

/// Outcome kind of one delivery: the host's own (`delivered` = handed to the provider,
/// `failed`, `skipped`) and then the service's receipts (`queued`, `sent`, `delivered`,
/// `read`, `failed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum DeliveryStatus {
    Queued,
    Sent,
    Delivered,
    Read,
    Failed,
    Skipped,
}

impl DeliveryStatus {
    /// Its name as serialised (`read`).
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Read => "read",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Skipped => "skipped",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn event_round_trips_through_json_with_type_renamed() {
        let mut event = RoomEvent::new(
            "r1",
            EventSource::inbound("sms-1", "sms"),
            Content::text("hi"),
        );
        event.visibility = "b,a".parse().unwrap();
        event.delivery_results.insert(
            "email-1".into(),
            DeliveryResult {
                status: DeliveryStatus::Failed,
                provider_message_id: None,
                error: Some("timeout".into()),
                attempts: 3,
                error_code: None,
                updated_at: None,
            },
        );
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], "message");
        assert_eq!(json["visibility"], "a,b");
        assert_eq!(json["source"]["direction"], "inbound");
        assert_eq!(json["delivery_results"]["email-1"]["status"], "failed");
        assert_eq!(serde_json::from_value::<RoomEvent>(json).unwrap(), event);
    }

    #[test]
    fn inbound_events_refuse_internal_visibility() {
        let mut event = RoomEvent::new("r", EventSource::inbound("c", "sms"), Content::text("x"));
        event.visibility = Visibility::Internal;
        assert_eq!(
            event.validate(),
            Err(ValidationError::InternalVisibilityRefused {
                place: "inbound messages"
            })
        );
        event.source.direction = Direction::Outbound;
        assert!(event.validate().is_ok());
    }

    #[test]
    fn every_event_type_has_its_snake_case_name() {
        let names = json!([
            "message",
            "system",
            "instruction",
            "typing",
            "read_receipt",
            "delivery_receipt",
            "presence",
            "reaction",
            "edit",
            "delete",
            "participant_joined",
            "participant_left",
            "participant_identified",
            "channel_attached",
            "channel_detached",
            "channel_muted",
            "channel_unmuted",
            "channel_updated",
            "task_created",
            "observation"
        ]);
        let types: Vec<EventType> = serde_json::from_value(names.clone()).unwrap();
        assert_eq!(types.len(), 20);
        assert_eq!(serde_json::to_value(&types).unwrap(), names);
    }
}
