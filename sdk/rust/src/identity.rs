//! Identity resolvers: who sent an inbound message.

use crate::context::RoomContext;
use crate::types::{
    ChannelAddress, Identification, Identity, IdentityResult, InboundMessage, Json,
};

/// Finds out who sent an inbound message. Export it with
/// [`export_identity_resolver!`](crate::export_identity_resolver). An `Err` is treated as
/// unknown and reported.
pub trait IdentityResolver {
    /// Resolves the sender of `message`, which arrived on a channel of `channel_type`.
    fn resolve(
        message: InboundMessage,
        channel_type: String,
        ctx: &RoomContext<'_>,
    ) -> Result<IdentityResult, String>;
}

impl IdentityResult {
    /// The sender is `identity`.
    pub fn identified(identity: Identity) -> Self {
        IdentityResult {
            status: Identification::Identified,
            identity: Some(identity),
            candidates: Vec::new(),
        }
    }

    /// The sender could be any of `candidates`.
    pub fn ambiguous(candidates: Vec<Identity>) -> Self {
        IdentityResult {
            status: Identification::Ambiguous,
            identity: None,
            candidates,
        }
    }

    /// Nobody known.
    pub fn unknown() -> Self {
        IdentityResult::with_status(Identification::Unknown)
    }

    /// Another status (`pending`, `challenge-sent`, `rejected`) without an identity.
    pub fn with_status(status: Identification) -> Self {
        IdentityResult {
            status,
            identity: None,
            candidates: Vec::new(),
        }
    }
}

impl Identity {
    /// An identity with an id and nothing else.
    pub fn new(id: impl Into<String>) -> Self {
        Identity {
            id: id.into(),
            organization_id: None,
            display_name: None,
            addresses: Vec::new(),
            external_id: None,
            metadata: "{}".to_owned(),
        }
    }

    /// The name to show.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Some(name.into());
        self
    }

    /// Adds an address on a channel type (e.g. `sms`, `+15550001`).
    pub fn address(mut self, channel_type: impl Into<String>, address: impl Into<String>) -> Self {
        self.addresses.push(ChannelAddress {
            channel_type: channel_type.into(),
            address: address.into(),
        });
        self
    }

    /// The organization it belongs to.
    pub fn organization(mut self, organization_id: impl Into<String>) -> Self {
        self.organization_id = Some(organization_id.into());
        self
    }

    /// Metadata, a JSON object as text.
    pub fn metadata(mut self, metadata: impl Into<Json>) -> Self {
        self.metadata = metadata.into();
        self
    }
}
