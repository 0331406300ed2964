//! Identity resolution: who sent an inbound message (SPEC §2 step 7).

use async_trait::async_trait;
use roomkit_model::{Identification, Identity};
use roomkit_store::ConversationStore;
use std::sync::Arc;

use crate::{InboundMessage, RoomContext};

/// The outcome of resolving a sender.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityResult {
    /// identified, ambiguous, pending, unknown, rejected, …
    pub status: Identification,
    /// The identity, when identified.
    pub identity: Option<Identity>,
    /// The candidates, when ambiguous.
    pub candidates: Vec<Identity>,
}

impl IdentityResult {
    /// Identified as `identity`.
    pub fn identified(identity: Identity) -> Self {
        IdentityResult {
            status: Identification::Identified,
            identity: Some(identity),
            candidates: Vec::new(),
        }
    }

    /// No one found.
    pub fn unknown() -> Self {
        IdentityResult {
            status: Identification::Unknown,
            identity: None,
            candidates: Vec::new(),
        }
    }

    /// Several candidates.
    pub fn ambiguous(candidates: Vec<Identity>) -> Self {
        IdentityResult {
            status: Identification::Ambiguous,
            identity: None,
            candidates,
        }
    }
}

/// Finds out who sent a message.
#[async_trait]
pub trait IdentityResolver: Send + Sync {
    /// Resolves the sender of `message`; an `Err` is treated as unknown and reported.
    async fn resolve(
        &self,
        message: &InboundMessage,
        channel_type: &str,
        ctx: &RoomContext,
    ) -> Result<IdentityResult, String>;
}

/// Resolves senders from the identities in the conversation store, by channel type and address.
#[derive(Debug, Clone)]
pub struct StoreIdentityResolver {
    store: Arc<dyn ConversationStore>,
}

impl StoreIdentityResolver {
    /// Resolves against `store`.
    pub fn new(store: Arc<dyn ConversationStore>) -> Self {
        StoreIdentityResolver { store }
    }
}

#[async_trait]
impl IdentityResolver for StoreIdentityResolver {
    async fn resolve(
        &self,
        message: &InboundMessage,
        channel_type: &str,
        _ctx: &RoomContext,
    ) -> Result<IdentityResult, String> {
        match self
            .store
            .resolve_identity(channel_type, &message.sender_id)
            .await
        {
            Ok(Some(identity)) => Ok(IdentityResult::identified(identity)),
            Ok(None) => Ok(IdentityResult::unknown()),
            Err(err) => Err(err.to_string()),
        }
    }
}
