//! The room an event belongs to, as hooks and identity resolvers see it.

use crate::types::{BindingView, RoomEvent, RoomView};
use crate::wit::roomkit::plugin::room_context::Context;
use std::fmt;

/// The room of the event being handled, read lazily from the host: nothing is fetched until a
/// method is called, so a plugin that reads no history pays nothing for it.
///
/// [`RoomContext::fixed`] makes one with given contents, for tests.
pub struct RoomContext<'a> {
    source: Source<'a>,
}

enum Source<'a> {
    Host(&'a Context),
    Fixed {
        room: RoomView,
        bindings: Vec<BindingView>,
        events: Vec<RoomEvent>,
    },
}

impl<'a> RoomContext<'a> {
    #[doc(hidden)]
    pub fn __host(context: &'a Context) -> Self {
        RoomContext {
            source: Source::Host(context),
        }
    }

    /// A context with fixed contents (`events` oldest first), for tests.
    pub fn fixed(room: RoomView, bindings: Vec<BindingView>, events: Vec<RoomEvent>) -> Self {
        RoomContext {
            source: Source::Fixed {
                room,
                bindings,
                events,
            },
        }
    }

    /// The room.
    pub fn room(&self) -> RoomView {
        match &self.source {
            Source::Host(c) => c.room(),
            Source::Fixed { room, .. } => room.clone(),
        }
    }

    /// The channels attached to the room.
    pub fn bindings(&self) -> Vec<BindingView> {
        match &self.source {
            Source::Host(c) => c.bindings(),
            Source::Fixed { bindings, .. } => bindings.clone(),
        }
    }

    /// The newest events, oldest first, at most `limit` (and at most what the host offers).
    pub fn recent_events(&self, limit: u32) -> Vec<RoomEvent> {
        match &self.source {
            Source::Host(c) => c.recent_events(limit),
            Source::Fixed { events, .. } => {
                let skip = events.len().saturating_sub(limit as usize);
                events[skip..].to_vec()
            }
        }
    }
}

impl fmt::Debug for RoomContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::Host(_) => f.write_str("RoomContext(host)"),
            Source::Fixed { room, .. } => write!(f, "RoomContext(fixed, room {})", room.id),
        }
    }
}

impl RoomView {
    /// An active room with the given id and no metadata.
    pub fn new(id: impl Into<String>) -> Self {
        RoomView {
            id: id.into(),
            organization_id: None,
            status: "active".to_owned(),
            event_count: 0,
            metadata: "{}".to_owned(),
        }
    }
}
