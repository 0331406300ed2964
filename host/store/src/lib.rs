//! Conversation storage for the RoomKit host.
//!
//! The orchestrator talks to storage only through [`ConversationStore`]: rooms, the event
//! timeline (an atomic commit assigns each event its gap-free per-room index), idempotency keys,
//! channel bindings, participants, identities, tasks, observations, read markers and a key-value
//! namespace per plugin. Two backends implement it:
//!
//! - [`SledStore`], the default: an embedded on-disk database. A commit is acknowledged only once
//!   it is flushed to disk; concurrent commits share flushes (group commit).
//! - [`MemoryStore`]: everything in memory, for tests and embedding.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> roomkit_store::Result<()> {
//! use roomkit_model::{Content, EventSource, Room, RoomEvent};
//! use roomkit_store::{ConversationStore, EventQuery, MemoryStore};
//!
//! let store = MemoryStore::new();
//! let room = store.create_room(Room::with_id("support-1")).await?;
//! let event = RoomEvent::new(&room.id, EventSource::inbound("sms", "sms"), Content::text("hi"));
//! let committed = store.commit_event(event).await?;
//! assert_eq!(committed.event.index, 0);
//! let latest = store.list_events(&room.id, &EventQuery::latest(50)).await?;
//! assert_eq!(latest.len(), 1);
//! # Ok(()) }
//! ```

mod error;
mod locks;
mod memory;
mod query;
mod rules;
mod sled;
mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{Error, Result};
pub use memory::MemoryStore;
pub use query::{CommitOutcome, EventQuery, RoomFilter, VisibleTo};
pub use sled::{Durability, SledConfig, SledStore, TREES, keys};
pub use store::ConversationStore;
