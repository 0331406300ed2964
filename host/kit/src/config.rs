use std::collections::HashSet;
use std::time::Duration;

use roomkit_model::RateLimit;

/// Limits and defaults of the orchestrator (seed 001's `RoomKit(...)` parameters).
#[derive(Debug, Clone, PartialEq)]
pub struct KitConfig {
    /// Responders are not asked once `trigger.chain_depth + 1 >= max_chain_depth`.
    pub max_chain_depth: u32,
    /// Bounds everything up to the commit of an inbound message.
    pub process_timeout: Duration,
    /// Bounds identity resolution; expiry counts as unknown.
    pub identity_timeout: Duration,
    /// Token bucket per inbound channel; an empty bucket blocks with `rate_limited`.
    pub inbound_rate_limit: Option<RateLimit>,
    /// Resolve identities only for these channel types (all when `None`).
    pub identity_channel_types: Option<HashSet<String>>,
    /// How many recent events a room context offers.
    pub context_events: usize,
    /// Channels attached to every room that inbound routing creates, after the sender's own
    /// channel (e.g. the agents' WebSocket channel and an AI channel of a support desk).
    pub new_room_channels: Vec<NewRoomChannel>,
    /// How many passes answered at their commit (`process_inbound_until_commit`) may still be
    /// delivering at once; past it, a caller waits for its whole pass, so an early
    /// acknowledgement never lets the work behind it grow without bound.
    pub max_background_passes: usize,
}

/// The default of [`KitConfig::max_background_passes`].
pub const DEFAULT_MAX_BACKGROUND_PASSES: usize = 1024;

/// A channel attached to every room that inbound routing creates.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRoomChannel {
    /// The registered channel.
    pub channel_id: String,
    /// How it is attached.
    pub options: crate::AttachOptions,
}

impl Default for KitConfig {
    fn default() -> Self {
        KitConfig {
            max_chain_depth: 5,
            process_timeout: Duration::from_secs(30),
            identity_timeout: Duration::from_secs(10),
            inbound_rate_limit: None,
            identity_channel_types: None,
            context_events: crate::context::DEFAULT_CONTEXT_EVENTS,
            new_room_channels: Vec::new(),
            max_background_passes: DEFAULT_MAX_BACKGROUND_PASSES,
        }
    }
}
