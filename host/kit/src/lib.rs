//! The RoomKit orchestrator.
//!
//! Rooms, channels and events flow through one inbound pipeline (SPEC §2): routing, identity,
//! the per-room lock, idempotency, BEFORE_BROADCAST hooks, the write gate, an atomic commit, and
//! delivery in the room's FIFO lane with transcoding, rate limits, retries and circuit breakers.
//! The kit depends only on traits — the store, hooks, identity resolvers, inbound routers,
//! channels and their providers — so it is tested without wasm and embeds in any host.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> roomkit_kit::Result<()> {
//! use std::sync::Arc;
//! use roomkit_kit::{InboundMessage, RoomKit, RoomOptions};
//! use roomkit_store::MemoryStore;
//!
//! let kit = RoomKit::new(Arc::new(MemoryStore::new()));
//! # struct Null;
//! # #[async_trait::async_trait]
//! # impl roomkit_kit::Provider for Null {
//! #     fn name(&self) -> &str { "null" }
//! #     async fn send(&self, _: &roomkit_model::RoomEvent, _: &roomkit_model::ChannelBinding)
//! #         -> Result<roomkit_kit::ProviderResult, roomkit_kit::DeliveryError> { Ok(Default::default()) }
//! # }
//! kit.register_channel(Arc::new(roomkit_kit::TransportChannel::new(
//!     "sms", "sms", Default::default(), Arc::new(Null))))?;
//! let result = kit.process_inbound(InboundMessage::text("sms", "+15550001", "hello")).await?;
//! // Routing made a room and attached the sender's channel: its `channel_attached` record
//! // is the room's first event.
//! assert_eq!(result.event.unwrap().index, 1);
//! # Ok(()) }
//! ```

pub mod ai;
pub mod channel;
mod config;
mod context;
mod detach;
mod error;
pub mod framework;
pub mod hooks;
mod identity;
mod kit;
mod lanes;
pub mod locks;
mod message;
mod pipeline;
pub mod realtime;
pub mod resilience;
pub mod routing;
pub mod sources;
#[cfg(feature = "testing")]
pub mod testing;
pub mod transcode;

pub use ai::{AiChannel, AiProvider, MockAiProvider};
pub use channel::{
    Channel, ChannelOutput, DeliveryError, Provider, ProviderResult, Response, TransportChannel,
};
pub use config::{DEFAULT_MAX_BACKGROUND_PASSES, KitConfig, NewRoomChannel};
pub use context::{DEFAULT_CONTEXT_EVENTS, RoomContext};
pub use error::{Error, Result};
pub use framework::FrameworkEvent;
pub use hooks::{
    Hook, HookAction, HookError, HookExecution, HookFilter, HookResult, HookSpec, HookTrigger,
    IdentityHook, IdentityHookResult, InjectedEvent,
};
pub use identity::{IdentityResolver, IdentityResult, StoreIdentityResolver};
pub use kit::{
    AttachOptions, KitBuilder, ParticipantUpdate, RECEIPT_INDEX, ReceiptOutcome, RoomKit,
    RoomOptions, StatusUpdate, TaskUpdate,
};
pub use message::{InboundMessage, InboundResult};
pub use pipeline::{BLOCKED_REASON, OnCommit, PREVIOUS_CONTENT, SendOptions, blocked_reason};
pub use routing::{DefaultInboundRouter, InboundRouter};
pub use sources::{Emitter, SourceHealth, SourceOptions, SourceProvider, SourceStatus};
