//! The JSON messages of `/v1/ws`, tagged by `type` (docs/api.md describes them with examples).

use roomkit_kit::InboundResult;
use roomkit_model::{Content, EphemeralEvent, Metadata, RoomEvent, Visibility};
use serde::{Deserialize, Serialize};

/// What a client sends.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum ClientMessage {
    /// The first message when the token was not in the query or header.
    Auth { token: String },
    /// Receive the room's events on a WebSocket channel attached to it, as `user_id`.
    Join {
        room_id: String,
        channel_id: String,
        user_id: String,
    },
    /// Stop receiving the room's events.
    Leave { room_id: String },
    /// Send a message into a joined room (through `process_inbound` on the joined channel).
    Message(Box<OutgoingMessage>),
    /// Typing started (`typing: true`, the default) or stopped.
    Typing {
        room_id: String,
        #[serde(default = "yes")]
        typing: bool,
    },
    /// Presence: `online`, `away` or `offline`.
    Presence { room_id: String, status: String },
    /// Read up to an event: raises the channel's read marker and tells the room.
    Read { room_id: String, event_id: String },
    /// Keep-alive.
    Ping,
}

/// A `message` from a client.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OutgoingMessage {
    pub(crate) room_id: String,
    /// Any content; or `text` for a text message.
    #[serde(default)]
    pub(crate) content: Option<Content>,
    #[serde(default)]
    pub(crate) text: Option<String>,
    /// Echoed in the `ack` or `error`.
    #[serde(default)]
    pub(crate) request_id: Option<String>,
    #[serde(default)]
    pub(crate) idempotency_key: Option<String>,
    #[serde(default)]
    pub(crate) visibility: Option<Visibility>,
    #[serde(default)]
    pub(crate) parent_event_id: Option<String>,
    #[serde(default)]
    pub(crate) addressed_to: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) metadata: Metadata,
}

fn yes() -> bool {
    true
}

/// What the server sends.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ServerMessage<'a> {
    /// The connection is authenticated; other messages are accepted now.
    Authenticated,
    Joined {
        room_id: &'a str,
        channel_id: &'a str,
        user_id: &'a str,
    },
    Left {
        room_id: &'a str,
    },
    /// A room event delivered to the joined channel.
    Event {
        room_id: &'a str,
        channel_id: &'a str,
        event: &'a RoomEvent,
    },
    /// A typing, presence or read-receipt signal of someone else in a joined room.
    Ephemeral {
        event: &'a EphemeralEvent,
    },
    /// What happened to a `message`.
    Ack {
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<&'a str>,
        result: &'a InboundResult,
    },
    Pong,
    Error {
        code: &'a str,
        message: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<&'a str>,
    },
}

impl ServerMessage<'_> {
    /// The frame's text.
    pub(crate) fn frame(&self) -> axum::extract::ws::Utf8Bytes {
        // Serialising these types cannot fail (string keys, no non-finite floats come from
        // clients); an empty object keeps the connection alive if it ever did.
        serde_json::to_string(self)
            .unwrap_or_else(|_| "{}".to_owned())
            .into()
    }
}
