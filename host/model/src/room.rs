use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Metadata, Timestamp, new_id, now};

/// A conversation: the unit of ordering, locking and storage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Room {
    /// Unique id; a fresh UUID unless the caller names one.
    pub id: String,
    /// The tenant the room belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// Lifecycle state.
    #[serde(default)]
    pub status: RoomStatus,
    /// When the room was created.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// When any field last changed.
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    /// When the room was last paused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub paused_at: Option<Timestamp>,
    /// When the room was closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<Timestamp>,
    /// Inactivity timers and the last activity they count from.
    #[serde(default)]
    pub timers: RoomTimers,
    /// Which agents answer.
    #[serde(default)]
    pub agent_response_policy: AgentResponsePolicy,
    /// Free-form data.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub metadata: Metadata,
    /// How many events were ever committed (blocked ones included); never decremented.
    #[serde(default)]
    pub event_count: u64,
    /// Index of the newest committed event; none while the room has no event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_index: Option<u64>,
}

impl Room {
    /// A new active room with a fresh id.
    pub fn new() -> Self {
        Self::with_id(new_id())
    }

    /// A new active room with the given id.
    pub fn with_id(id: impl Into<String>) -> Self {
        let at = now();
        Room {
            id: id.into(),
            organization_id: None,
            status: RoomStatus::Active,
            created_at: at,
            updated_at: at,
            paused_at: None,
            closed_at: None,
            timers: RoomTimers::default(),
            agent_response_policy: AgentResponsePolicy::default(),
            metadata: Metadata::new(),
            event_count: 0,
            latest_index: None,
        }
    }

    /// Whether the room refuses new events (closed or archived).
    pub fn is_closed(&self) -> bool {
        matches!(self.status, RoomStatus::Closed | RoomStatus::Archived)
    }
}

impl Default for Room {
    fn default() -> Self {
        Self::new()
    }
}

/// Lifecycle of a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoomStatus {
    /// Accepting and delivering events.
    #[default]
    Active,
    /// Idle; an accepted message makes it active again.
    Paused,
    /// Refuses new events.
    Closed,
    /// Closed and put away.
    Archived,
}

impl RoomStatus {
    /// The lowercase name used in JSON and in store keys.
    pub fn as_str(self) -> &'static str {
        match self {
            RoomStatus::Active => "active",
            RoomStatus::Paused => "paused",
            RoomStatus::Closed => "closed",
            RoomStatus::Archived => "archived",
        }
    }
}

/// Inactivity timers of a room (SPEC §3, room timers).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct RoomTimers {
    /// Active → paused after this long without activity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactive_after_seconds: Option<u64>,
    /// Paused → closed after this long.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_after_seconds: Option<u64>,
    /// The last accepted (not blocked) event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_activity_at: Option<Timestamp>,
}

/// Which intelligence channels answer a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgentResponsePolicy {
    /// Every agent may answer, also each other, up to the chain depth.
    #[default]
    AgentChain,
    /// Only agents the message is addressed to answer.
    AddressedOnly,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_room_is_active_and_empty() {
        let room = Room::new();
        assert_eq!(room.status, RoomStatus::Active);
        assert_eq!(room.event_count, 0);
        assert_eq!(room.latest_index, None);
        assert_eq!(room.id.len(), 32);
    }

    #[test]
    fn room_round_trips_and_defaults_missing_fields() {
        let room = Room::with_id("r1");
        let json = serde_json::to_value(&room).unwrap();
        assert_eq!(serde_json::from_value::<Room>(json.clone()).unwrap(), room);
        assert_eq!(json["status"], "active");
        assert_eq!(json["agent_response_policy"], "agent_chain");
        let minimal: Room = serde_json::from_value(serde_json::json!({
            "id": "r2", "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap();
        assert_eq!(minimal.status, RoomStatus::Active);
        assert!(minimal.metadata.is_empty());
    }

    #[test]
    fn closed_and_archived_rooms_refuse_events() {
        let mut room = Room::new();
        for (status, closed) in [
            (RoomStatus::Active, false),
            (RoomStatus::Paused, false),
            (RoomStatus::Closed, true),
            (RoomStatus::Archived, true),
        ] {
            room.status = status;
            assert_eq!(room.is_closed(), closed, "{status:?}");
        }
    }
}
