use roomkit_model::{ChannelCategory, RoomEvent, RoomStatus, Viewer};

/// Which events of a room to list, and in what order.
///
/// `after_index` and `before_index` are exclusive bounds; `offset` and `limit` apply after the
/// filters (blocked events, visibility). The cost is proportional to what is read, never to the
/// size of the room.
#[derive(Debug, Clone, PartialEq)]
pub struct EventQuery {
    /// Only events with a higher index.
    pub after_index: Option<u64>,
    /// Only events with a lower index.
    pub before_index: Option<u64>,
    /// Skip this many matching events.
    pub offset: usize,
    /// Return at most this many.
    pub limit: usize,
    /// Newest first instead of oldest first.
    pub newest_first: bool,
    /// Include blocked events.
    pub include_blocked: bool,
    /// Only events this channel may see.
    pub visible_to: Option<VisibleTo>,
}

impl EventQuery {
    /// Oldest first, up to `limit` events, blocked ones left out.
    pub fn oldest(limit: usize) -> Self {
        EventQuery {
            after_index: None,
            before_index: None,
            offset: 0,
            limit,
            newest_first: false,
            include_blocked: false,
            visible_to: None,
        }
    }

    /// The newest `limit` events, newest first, blocked ones left out.
    pub fn latest(limit: usize) -> Self {
        EventQuery {
            newest_first: true,
            ..Self::oldest(limit)
        }
    }

    /// The same query with blocked events included.
    pub fn with_blocked(mut self) -> Self {
        self.include_blocked = true;
        self
    }

    /// Whether an event passes the filters (not the index bounds).
    pub fn admits(&self, event: &RoomEvent) -> bool {
        if event.is_blocked() && !self.include_blocked {
            return false;
        }
        match &self.visible_to {
            Some(viewer) => event.visibility.admits(Viewer {
                channel_id: &viewer.channel_id,
                category: viewer.category,
            }),
            None => true,
        }
    }

    /// Whether the index bounds could admit anything at all.
    pub fn is_empty_range(&self) -> bool {
        self.limit == 0
            || match (self.after_index, self.before_index) {
                (Some(after), Some(before)) => after.saturating_add(1) >= before,
                (_, Some(0)) | (Some(u64::MAX), _) => true,
                _ => false,
            }
    }
}

/// The channel a listing is for: only events it may see are returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisibleTo {
    /// The channel id.
    pub channel_id: String,
    /// The channel's category.
    pub category: ChannelCategory,
}

/// Which rooms to list. Rooms come in creation order (ties broken by id).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoomFilter {
    /// Only rooms in this state.
    pub status: Option<RoomStatus>,
    /// Only rooms of this organisation.
    pub organization_id: Option<String>,
    /// Only rooms this channel is attached to.
    pub channel_id: Option<String>,
    /// Only rooms where this participant takes part.
    pub participant_id: Option<String>,
    /// Only rooms whose metadata has this key with this value.
    pub metadata: Option<(String, serde_json::Value)>,
    /// Skip this many matching rooms.
    pub offset: usize,
    /// Return at most this many (none: all).
    pub limit: Option<usize>,
}

impl RoomFilter {
    /// Whether a room passes the filters that can be read off the room itself.
    pub fn admits_room(&self, room: &roomkit_model::Room) -> bool {
        self.status.is_none_or(|s| room.status == s)
            && self
                .organization_id
                .as_ref()
                .is_none_or(|org| room.organization_id.as_ref() == Some(org))
            && self
                .metadata
                .as_ref()
                .is_none_or(|(key, value)| room.metadata.get(key) == Some(value))
    }
}

/// What a commit did.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitOutcome {
    /// The committed event with its index, or the original when `duplicate`.
    pub event: RoomEvent,
    /// The idempotency key was seen before; nothing was written.
    pub duplicate: bool,
}
