use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Metadata, Timestamp, ValidationError, Visibility, now};

/// A channel attached to a room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChannelBinding {
    /// The room.
    pub room_id: String,
    /// The channel.
    pub channel_id: String,
    /// The channel's type (sms, email, websocket, ai, …).
    pub channel_type: String,
    /// Transport (carries messages to people) or intelligence (answers them).
    #[serde(default)]
    pub category: ChannelCategory,
    /// Which way messages flow.
    #[serde(default)]
    pub direction: ChannelDirection,
    /// What the channel may do in this room.
    #[serde(default)]
    pub access: Access,
    /// A muted channel still receives but its messages are blocked.
    #[serde(default)]
    pub muted: bool,
    /// What the channel lets through.
    #[serde(default)]
    pub visibility: Visibility,
    /// The correspondent this binding talks to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_id: Option<String>,
    /// What the channel can render.
    #[serde(default)]
    pub capabilities: ChannelCapabilities,
    /// Outbound rate limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    /// Retries of failed deliveries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_policy: Option<RetryPolicy>,
    /// Addresses and settings (phone_number, email_address, recipient_id, …).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub metadata: Metadata,
    /// When it was attached.
    #[schema(value_type = String, format = DateTime)]
    pub attached_at: Timestamp,
    /// High-water mark of what this channel has read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_read_index: Option<u64>,
}

impl ChannelBinding {
    /// A bidirectional, read-write, unmuted transport binding with default capabilities.
    pub fn new(
        room_id: impl Into<String>,
        channel_id: impl Into<String>,
        channel_type: impl Into<String>,
    ) -> Self {
        ChannelBinding {
            room_id: room_id.into(),
            channel_id: channel_id.into(),
            channel_type: channel_type.into(),
            category: ChannelCategory::Transport,
            direction: ChannelDirection::Bidirectional,
            access: Access::ReadWrite,
            muted: false,
            visibility: Visibility::All,
            participant_id: None,
            capabilities: ChannelCapabilities::default(),
            rate_limit: None,
            retry_policy: None,
            metadata: Metadata::new(),
            attached_at: now(),
            last_read_index: None,
        }
    }

    /// Bindings may not carry `internal` visibility.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.visibility.refuse_internal("bindings")?;
        if self.channel_id.is_empty() {
            return Err(ValidationError::Empty("channel_id"));
        }
        self.capabilities.validate()
    }
}

/// What kind of channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChannelCategory {
    /// Carries messages to and from people.
    #[default]
    Transport,
    /// Answers messages (AI models, bots).
    Intelligence,
}

/// Which way a channel carries messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum ChannelDirection {
    Inbound,
    Outbound,
    #[default]
    Bidirectional,
}

/// What a channel may do in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Send and receive.
    #[default]
    ReadWrite,
    /// Receive only.
    ReadOnly,
    /// Send only.
    WriteOnly,
    /// Neither.
    None,
}

/// What a channel can render; drives transcoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelCapabilities {
    /// Content types it renders natively (`text`, `rich`, `media`, `location`, `audio`,
    /// `video`, `template`, `composite`); everything else is transcoded to text.
    #[serde(default = "text_only")]
    pub media_types: Vec<String>,
    /// Longest text it accepts, in characters (at least 4: a cut text keeps one character
    /// before its `...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 4)]
    pub max_length: Option<usize>,
    /// Native edits.
    #[serde(default)]
    pub supports_edit: bool,
    /// Native deletes.
    #[serde(default)]
    pub supports_delete: bool,
    /// Typing indicators.
    #[serde(default)]
    pub supports_typing: bool,
    /// Read receipts.
    #[serde(default)]
    pub supports_read_receipts: bool,
    /// Threads.
    #[serde(default)]
    pub supports_threading: bool,
    /// Reactions.
    #[serde(default)]
    pub supports_reactions: bool,
}

/// The shortest `max_length`: a cut text keeps at least one character before its `...`.
pub const MIN_MAX_LENGTH: usize = 4;

impl ChannelCapabilities {
    /// `max_length` is at least [`MIN_MAX_LENGTH`] (0 would deliver an empty text as a
    /// success).
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self.max_length {
            Some(max) if max < MIN_MAX_LENGTH => Err(ValidationError::Invalid {
                field: "capabilities.max_length",
                reason: format!("{max} is below the minimum of {MIN_MAX_LENGTH}"),
            }),
            _ => Ok(()),
        }
    }
}

fn text_only() -> Vec<String> {
    vec!["text".to_owned()]
}

impl Default for ChannelCapabilities {
    fn default() -> Self {
        ChannelCapabilities {
            media_types: text_only(),
            max_length: None,
            supports_edit: false,
            supports_delete: false,
            supports_typing: false,
            supports_read_receipts: false,
            supports_threading: false,
            supports_reactions: false,
        }
    }
}

/// Token-bucket rate limit; the bucket starts full.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Deliveries per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_second: Option<f64>,
    /// Deliveries per minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_minute: Option<f64>,
    /// Deliveries per hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_hour: Option<f64>,
}

/// Retries of failed deliveries: delay k = min(base · exponential_baseᵏ, max), less a random
/// share of at most `jitter` of it; never shorter than a `Retry-After` the service sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The delay before the first retry.
    pub base_delay_seconds: f64,
    /// The longest delay between retries.
    pub max_delay_seconds: f64,
    /// What each delay is multiplied by.
    pub exponential_base: f64,
    /// The largest share of each delay taken off at random (0 to 1), so that deliveries that
    /// failed together do not retry together.
    #[serde(default = "default_jitter")]
    pub jitter: f64,
}

fn default_jitter() -> f64 {
    0.2
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay_seconds: 1.0,
            max_delay_seconds: 60.0,
            exponential_base: 2.0,
            jitter: default_jitter(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_round_trips_with_defaults() {
        let binding = ChannelBinding::new("r1", "sms-1", "sms");
        let json = serde_json::to_value(&binding).unwrap();
        assert_eq!(json["access"], "read_write");
        assert_eq!(json["direction"], "bidirectional");
        assert_eq!(json["category"], "transport");
        assert_eq!(
            json["capabilities"]["media_types"],
            serde_json::json!(["text"])
        );
        assert_eq!(
            serde_json::from_value::<ChannelBinding>(json).unwrap(),
            binding
        );
    }

    #[test]
    fn bindings_refuse_internal_visibility() {
        let mut binding = ChannelBinding::new("r1", "sms-1", "sms");
        binding.visibility = Visibility::Internal;
        assert_eq!(
            binding.validate(),
            Err(ValidationError::InternalVisibilityRefused { place: "bindings" })
        );
    }
}
