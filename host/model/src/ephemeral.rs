use serde::{Deserialize, Serialize};

use crate::{Metadata, Timestamp};

/// A realtime signal that is published to subscribers and never stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EphemeralEvent {
    /// The room.
    pub room_id: String,
    /// What kind of signal.
    #[serde(rename = "type")]
    pub event_type: EphemeralEventType,
    /// Who it is about.
    pub user_id: String,
    /// The channel it came through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Extra data (the read event id, the reaction emoji, a custom payload).
    #[serde(default)]
    pub data: Metadata,
    /// When it happened.
    pub timestamp: Timestamp,
}

/// Kinds of ephemeral events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum EphemeralEventType {
    TypingStart,
    TypingStop,
    PresenceOnline,
    PresenceAway,
    PresenceOffline,
    ReadReceipt,
    Reaction,
    /// A service's delivery receipt for a message (queued, sent, delivered, read, failed).
    DeliveryReceipt,
    Custom,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ephemeral_event_round_trips() {
        let event = EphemeralEvent {
            room_id: "r".into(),
            event_type: EphemeralEventType::TypingStart,
            user_id: "u".into(),
            channel_id: Some("ws".into()),
            data: Metadata::new(),
            timestamp: crate::now(),
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], "typing_start");
        assert_eq!(
            serde_json::from_value::<EphemeralEvent>(json).unwrap(),
            event
        );
    }
}
