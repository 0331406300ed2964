//! Constructors and accessors for events, content and inbound messages.

use crate::types::{
    Content, Direction, EventSource, EventStatus, InboundMessage, Json, Part, RoomEvent,
    TextContent,
};

impl Content {
    /// Plain text content.
    pub fn text(body: impl Into<String>) -> Self {
        Content::Text(TextContent {
            body: body.into(),
            language: None,
        })
    }

    /// The body of text content; `None` for every other kind.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Content::Text(t) => Some(&t.body),
            _ => None,
        }
    }

    /// Every piece of human-readable text the content carries, in order: text and rich bodies
    /// (and a rich body's plain-text form), captions, transcripts, location labels and
    /// addresses, system and template bodies, the parts of a composite and the new content of an
    /// edit. JSON payloads, URLs and ids are left out.
    pub fn texts(&self) -> Vec<&str> {
        let mut out = Vec::new();
        match self {
            Content::Text(t) => out.push(t.body.as_str()),
            Content::Rich(r) => {
                out.push(&r.body);
                out.extend(r.plain_text.as_deref());
            }
            Content::Media(m) => out.extend(m.caption.as_deref()),
            Content::Location(l) => {
                out.extend(l.label.as_deref());
                out.extend(l.address.as_deref());
            }
            Content::Audio(a) => out.extend(a.transcript.as_deref()),
            Content::Video(_) | Content::Delete(_) => {}
            Content::System(s) => out.push(&s.body),
            Content::Template(t) => out.extend(t.body.as_deref()),
            Content::Composite(parts) => parts.iter().for_each(|p| out.extend(p.texts())),
            Content::Edit(e) => out.extend(e.new_content.texts()),
        }
        out
    }

    /// The same content with `f` applied to every piece of text that [`Content::texts`] lists,
    /// e.g. to mask something wherever it appears.
    pub fn map_texts(self, mut f: impl FnMut(&str) -> String) -> Self {
        self.map_texts_with(&mut f)
    }

    fn map_texts_with(self, f: &mut dyn FnMut(&str) -> String) -> Self {
        match self {
            Content::Text(mut t) => {
                t.body = f(&t.body);
                Content::Text(t)
            }
            Content::Rich(mut r) => {
                r.body = f(&r.body);
                r.plain_text = r.plain_text.map(|p| f(&p));
                Content::Rich(r)
            }
            Content::Media(mut m) => {
                m.caption = m.caption.map(|c| f(&c));
                Content::Media(m)
            }
            Content::Location(mut l) => {
                l.label = l.label.map(|s| f(&s));
                l.address = l.address.map(|s| f(&s));
                Content::Location(l)
            }
            Content::Audio(mut a) => {
                a.transcript = a.transcript.map(|s| f(&s));
                Content::Audio(a)
            }
            Content::System(mut s) => {
                s.body = f(&s.body);
                Content::System(s)
            }
            Content::Template(mut t) => {
                t.body = t.body.map(|s| f(&s));
                Content::Template(t)
            }
            Content::Composite(parts) => {
                Content::Composite(parts.into_iter().map(|p| p.map_texts_with(f)).collect())
            }
            Content::Edit(mut e) => {
                e.new_content = e.new_content.map_texts_with(f);
                Content::Edit(e)
            }
            other @ (Content::Video(_) | Content::Delete(_)) => other,
        }
    }
}

impl Part {
    /// Human-readable text of the part, as for [`Content::texts`].
    pub fn texts(&self) -> Vec<&str> {
        let mut out = Vec::new();
        match self {
            Part::Text(t) => out.push(t.body.as_str()),
            Part::Rich(r) => {
                out.push(&r.body);
                out.extend(r.plain_text.as_deref());
            }
            Part::Media(m) => out.extend(m.caption.as_deref()),
            Part::Location(l) => {
                out.extend(l.label.as_deref());
                out.extend(l.address.as_deref());
            }
            Part::Audio(a) => out.extend(a.transcript.as_deref()),
            Part::System(s) => out.push(&s.body),
            Part::Template(t) => out.extend(t.body.as_deref()),
            Part::Video(_) | Part::Json(_) => {}
        }
        out
    }

    fn map_texts_with(self, f: &mut dyn FnMut(&str) -> String) -> Self {
        match self {
            Part::Text(mut t) => {
                t.body = f(&t.body);
                Part::Text(t)
            }
            Part::Rich(mut r) => {
                r.body = f(&r.body);
                r.plain_text = r.plain_text.map(|p| f(&p));
                Part::Rich(r)
            }
            Part::Media(mut m) => {
                m.caption = m.caption.map(|c| f(&c));
                Part::Media(m)
            }
            Part::Location(mut l) => {
                l.label = l.label.map(|s| f(&s));
                l.address = l.address.map(|s| f(&s));
                Part::Location(l)
            }
            Part::Audio(mut a) => {
                a.transcript = a.transcript.map(|s| f(&s));
                Part::Audio(a)
            }
            Part::System(mut s) => {
                s.body = f(&s.body);
                Part::System(s)
            }
            Part::Template(mut t) => {
                t.body = t.body.map(|s| f(&s));
                Part::Template(t)
            }
            other @ (Part::Video(_) | Part::Json(_)) => other,
        }
    }
}

impl EventSource {
    /// An inbound source on the given channel.
    pub fn inbound(channel_id: impl Into<String>, channel_type: impl Into<String>) -> Self {
        EventSource {
            channel_id: channel_id.into(),
            channel_type: channel_type.into(),
            direction: Direction::Inbound,
            participant_id: None,
            external_id: None,
            provider: None,
            provider_message_id: None,
        }
    }
}

impl RoomEvent {
    /// A pending `message` event with the given content in `room_id`, from `source`; every other
    /// field empty (id and created-at are the host's to set). Mostly for tests.
    pub fn message(room_id: impl Into<String>, source: EventSource, content: Content) -> Self {
        RoomEvent {
            id: String::new(),
            room_id: room_id.into(),
            event_type: "message".to_owned(),
            source,
            content,
            status: EventStatus::Pending,
            blocked_by: None,
            visibility: "all".to_owned(),
            addressed_to: None,
            index: 0,
            chain_depth: 0,
            parent_event_id: None,
            responds_to: None,
            correlation_id: None,
            idempotency_key: None,
            created_at: String::new(),
            metadata: "{}".to_owned(),
        }
    }

    /// The body of a text event; `None` for every other content.
    pub fn text(&self) -> Option<&str> {
        self.content.as_text()
    }
}

impl InboundMessage {
    /// A text `message` from `sender_id` on `channel_id`, with no room, key or metadata.
    pub fn text(
        channel_id: impl Into<String>,
        sender_id: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        InboundMessage::new(channel_id, sender_id, Content::text(body))
    }

    /// A `message` with the given content from `sender_id` on `channel_id`.
    pub fn new(
        channel_id: impl Into<String>,
        sender_id: impl Into<String>,
        content: Content,
    ) -> Self {
        InboundMessage {
            channel_id: channel_id.into(),
            sender_id: sender_id.into(),
            content,
            room_id: None,
            event_type: "message".to_owned(),
            idempotency_key: None,
            visibility: None,
            parent_event_id: None,
            addressed_to: None,
            chain_depth: 0,
            correlation_id: None,
            provider: None,
            provider_message_id: None,
            metadata: "{}".to_owned(),
        }
    }

    /// Sends it into `room_id` instead of asking the inbound router.
    pub fn room(mut self, room_id: impl Into<String>) -> Self {
        self.room_id = Some(room_id.into());
        self
    }

    /// The deduplication key (unique per room and channel): a redelivered webhook with the same
    /// key is stored once.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// The provider's name and its id for the message.
    pub fn provider(mut self, provider: impl Into<String>, message_id: Option<String>) -> Self {
        self.provider = Some(provider.into());
        self.provider_message_id = message_id;
        self
    }

    /// Metadata, a JSON object as text.
    pub fn metadata(mut self, metadata: impl Into<Json>) -> Self {
        self.metadata = metadata.into();
        self
    }
}
