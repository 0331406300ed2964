use std::collections::BTreeMap;

use roomkit_model::{Content, DeliveryResult, EventType, Metadata, RoomEvent, Visibility};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A message arriving on a channel, before it becomes a [`RoomEvent`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboundMessage {
    /// The channel it arrived on.
    pub channel_id: String,
    /// Who sent it (phone number, user id, …).
    pub sender_id: String,
    /// What it carries.
    pub content: Content,
    /// Send into this room instead of asking the inbound router.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_id: Option<String>,
    /// The event type; edits and deletes are recognised from their content.
    #[serde(default)]
    pub event_type: EventType,
    /// Deduplication key, unique per (room, channel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Who may see it (default all; `internal` is refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    /// The event it replies to in a thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_event_id: Option<String>,
    /// Channel or participant ids it is addressed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addressed_to: Option<Vec<String>>,
    /// Chain depth, for messages produced by other automations.
    #[serde(default)]
    pub chain_depth: u32,
    /// Ties it to related events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// The provider that carried it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The provider's id for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_message_id: Option<String>,
    /// Free-form data copied to the event.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub metadata: Metadata,
}

impl InboundMessage {
    /// A text message from `sender_id` on `channel_id`.
    pub fn text(
        channel_id: impl Into<String>,
        sender_id: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        Self::new(channel_id, sender_id, Content::text(body))
    }

    /// A message with any content.
    pub fn new(
        channel_id: impl Into<String>,
        sender_id: impl Into<String>,
        content: Content,
    ) -> Self {
        InboundMessage {
            channel_id: channel_id.into(),
            sender_id: sender_id.into(),
            content,
            room_id: None,
            event_type: EventType::Message,
            idempotency_key: None,
            visibility: None,
            parent_event_id: None,
            addressed_to: None,
            chain_depth: 0,
            correlation_id: None,
            provider: None,
            provider_message_id: None,
            metadata: Metadata::new(),
        }
    }

    /// The same message sent into a given room.
    pub fn in_room(mut self, room_id: impl Into<String>) -> Self {
        self.room_id = Some(room_id.into());
        self
    }

    /// Its ids (channel, sender, room, parent, addressees) are ids a caller may choose, and its
    /// content follows the model's rules.
    pub fn validate(&self) -> Result<(), roomkit_model::ValidationError> {
        use roomkit_model::validate_id;
        validate_id("channel_id", &self.channel_id)?;
        validate_id("sender_id", &self.sender_id)?;
        if let Some(room_id) = &self.room_id {
            validate_id("room_id", room_id)?;
        }
        if let Some(parent) = &self.parent_event_id {
            validate_id("parent_event_id", parent)?;
        }
        for id in self.addressed_to.iter().flatten() {
            validate_id("addressed_to", id)?;
        }
        self.content.validate()
    }

    /// The same message with an idempotency key.
    pub fn with_idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}

/// What `process_inbound` did with a message (SPEC §2 step 17).
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToSchema)]
pub struct InboundResult {
    /// The stored event (blocked ones included); none when nothing was stored.
    pub event: Option<RoomEvent>,
    /// Whether the message was refused or blocked.
    pub blocked: bool,
    /// Why, when blocked.
    pub reason: Option<String>,
    /// The idempotency key was seen before; `event` is the original.
    pub duplicate: bool,
    /// Outcome per target channel.
    pub delivery_results: BTreeMap<String, DeliveryResult>,
    /// Answers of intelligence channels committed in this cascade, in commit order.
    pub response_events: Vec<RoomEvent>,
    /// Attached channels that could not be reached (not registered in this host).
    pub unavailable_targets: Vec<String>,
    /// The event was committed and answered before its delivery: `delivery_results` and
    /// `response_events` are then empty, and the event's delivery goes on (see
    /// `RoomKit::process_inbound_until_commit`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub delivery_pending: bool,
}

impl InboundResult {
    /// A refusal that stored nothing.
    pub(crate) fn refused(reason: impl Into<String>) -> Self {
        InboundResult {
            blocked: true,
            reason: Some(reason.into()),
            ..Self::default()
        }
    }
}
