use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Metadata, ValidationError, new_id, validate_id};

/// Someone taking part in a room through a channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Participant {
    /// Unique id within the room.
    pub id: String,
    /// The room.
    pub room_id: String,
    /// The channel they speak through.
    pub channel_id: String,
    /// Shown name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Their role.
    #[serde(default)]
    pub role: ParticipantRole,
    /// Whether they are still here.
    #[serde(default)]
    pub status: ParticipantStatus,
    /// How far identity resolution got.
    #[serde(default)]
    pub identification: Identification,
    /// The resolved identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_id: Option<String>,
    /// The channel id they first connected through.
    #[serde(default)]
    pub connected_via: String,
    /// Free-form data.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub metadata: Metadata,
}

impl Participant {
    /// An active member, not yet identified.
    pub fn new(
        id: impl Into<String>,
        room_id: impl Into<String>,
        channel_id: impl Into<String>,
    ) -> Self {
        let channel_id = channel_id.into();
        Participant {
            id: id.into(),
            room_id: room_id.into(),
            connected_via: channel_id.clone(),
            channel_id,
            display_name: None,
            role: ParticipantRole::Member,
            status: ParticipantStatus::Active,
            identification: Identification::Unknown,
            identity_id: None,
            metadata: Metadata::new(),
        }
    }
}

/// Role of a participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum ParticipantRole {
    Owner,
    Agent,
    #[default]
    Member,
    Observer,
    Bot,
}

/// Whether a participant is present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum ParticipantStatus {
    #[default]
    Active,
    Inactive,
    Left,
    Banned,
}

impl ParticipantStatus {
    /// The status as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ParticipantStatus::Active => "active",
            ParticipantStatus::Inactive => "inactive",
            ParticipantStatus::Left => "left",
            ParticipantStatus::Banned => "banned",
        }
    }

    /// Whether the participant is gone from the room (left or banned).
    pub fn is_gone(self) -> bool {
        matches!(self, ParticipantStatus::Left | ParticipantStatus::Banned)
    }
}

/// Result of identity resolution for a participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Identification {
    Identified,
    Pending,
    Ambiguous,
    #[default]
    Unknown,
    ChallengeSent,
    Rejected,
}

/// A known person or system, reachable at addresses on several channel types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Identity {
    /// Unique id.
    pub id: String,
    /// The tenant it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// Shown name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Addresses per channel type, e.g. `{"sms": ["+15550001"]}`.
    #[serde(default)]
    pub channel_addresses: BTreeMap<String, Vec<String>>,
    /// Id in an outside system (CRM, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Free-form data.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub metadata: Metadata,
}

impl Identity {
    /// An identity with a fresh id and no addresses.
    pub fn new() -> Self {
        Identity {
            id: new_id(),
            organization_id: None,
            display_name: None,
            channel_addresses: BTreeMap::new(),
            external_id: None,
            metadata: Metadata::new(),
        }
    }
}

impl Identity {
    /// The id and every channel type and address must be valid ids (SPEC §4).
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate_id("identity id", &self.id)?;
        for (channel_type, addresses) in &self.channel_addresses {
            validate_id("channel_type", channel_type)?;
            for address in addresses {
                validate_id("address", address)?;
            }
        }
        Ok(())
    }
}

impl Default for Identity {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn participant_and_identity_round_trip() {
        let mut p = Participant::new("u1", "r1", "ws-1");
        p.identification = Identification::ChallengeSent;
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["identification"], "challenge_sent");
        assert_eq!(json["connected_via"], "ws-1");
        assert_eq!(serde_json::from_value::<Participant>(json).unwrap(), p);

        let mut identity = Identity::new();
        identity
            .channel_addresses
            .insert("sms".into(), vec!["+15550001".into()]);
        let json = serde_json::to_value(&identity).unwrap();
        assert_eq!(json["channel_addresses"]["sms"][0], "+15550001");
        assert_eq!(serde_json::from_value::<Identity>(json).unwrap(), identity);
    }

    #[test]
    fn an_identity_needs_valid_ids_and_addresses() {
        let mut identity = Identity::new();
        assert!(identity.validate().is_ok());
        identity
            .channel_addresses
            .insert("sms".into(), vec![String::new()]);
        let empty = |field: &'static str| {
            Err(ValidationError::InvalidId {
                field,
                reason: "must not be empty".into(),
            })
        };
        assert_eq!(identity.validate(), empty("address"));
        identity.channel_addresses.clear();
        identity
            .channel_addresses
            .insert(String::new(), vec!["+1".into()]);
        assert_eq!(identity.validate(), empty("channel_type"));
        identity.channel_addresses.clear();
        identity.id = String::new();
        assert_eq!(identity.validate(), empty("identity id"));
    }
}
