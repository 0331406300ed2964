//! Plain data types of the RoomKit host: rooms, events and their content, channel bindings,
//! participants, identities, tasks, observations and ephemeral events (SPEC §1).
//!
//! Every type serialises with serde to the JSON shape the HTTP API and the plugins see. Where the
//! spec sets limits (URL schemes, coordinates, composite nesting, the visibility grammar) the type
//! offers a `validate` method, or refuses bad input while parsing.
//!
//! ```
//! use roomkit_model::{Content, Visibility};
//!
//! let content: Content = serde_json::from_str(r#"{"type":"text","body":"hi"}"#).unwrap();
//! assert!(content.validate().is_ok());
//!
//! let vis: Visibility = "sms-2, sms-1,sms-2".parse().unwrap();
//! assert_eq!(vis.to_string(), "sms-1,sms-2");
//! ```

mod binding;
mod content;
mod ephemeral;
mod error;
mod event;
mod framework;
mod ids;
mod participant;
mod room;
mod task;
mod visibility;

pub use binding::{
    Access, ChannelBinding, ChannelCapabilities, ChannelCategory, ChannelDirection, RateLimit,
    RetryPolicy,
};
pub use content::{
    Button, Content, DeleteType, MAX_COMPOSITE_NESTING, QuickReply, RichFormat, validate_media_url,
};
pub use ephemeral::{EphemeralEvent, EphemeralEventType};
pub use error::ValidationError;
pub use event::{
    DeliveryResult, DeliveryStatus, Direction, EventSource, EventStatus, EventType, RoomEvent,
};
pub use framework::FrameworkEventType;
pub use ids::{MAX_ID_BYTES, new_id, validate_id};
pub use participant::{Identification, Identity, Participant, ParticipantRole, ParticipantStatus};
pub use room::{AgentResponsePolicy, Room, RoomStatus, RoomTimers};
pub use task::{Observation, Task, TaskStatus};
pub use visibility::{Viewer, Visibility};

/// JSON object used for free-form metadata on every record.
pub type Metadata = serde_json::Map<String, serde_json::Value>;

/// Timestamps are UTC everywhere.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// The current time, in the type every record uses.
pub fn now() -> Timestamp {
    chrono::Utc::now()
}
