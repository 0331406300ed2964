use std::sync::Arc;

use roomkit_model::{ChannelBinding, Participant, Room, RoomEvent};
use roomkit_store::{ConversationStore, EventQuery};
use tokio::sync::OnceCell;

use crate::Result;

/// How many recent events a room context carries by default.
pub const DEFAULT_CONTEXT_EVENTS: usize = 50;

/// What hooks, resolvers and channels see of a room: read once per pass and bounded, never the
/// whole history. Recent events are read on first use, so a hook that reads no history does
/// not pay for it.
#[derive(Debug, Clone)]
pub struct RoomContext {
    /// The room.
    pub room: Room,
    /// Its attached channels.
    pub bindings: Vec<ChannelBinding>,
    /// Its participants.
    pub participants: Vec<Participant>,
    recent: Arc<OnceCell<Vec<RoomEvent>>>,
    recent_limit: usize,
    store: Option<Arc<dyn ConversationStore>>,
}

impl RoomContext {
    /// Reads the room's bindings and participants; recent events come lazily from `store`.
    pub async fn load(
        store: Arc<dyn ConversationStore>,
        room: Room,
        recent_limit: usize,
    ) -> Result<Self> {
        let bindings = store.list_bindings(&room.id).await?;
        let participants = store.list_participants(&room.id).await?;
        Ok(RoomContext {
            room,
            bindings,
            participants,
            recent: Arc::new(OnceCell::new()),
            recent_limit,
            store: Some(store),
        })
    }

    /// A context from parts, with the recent events given (for tests and embedding).
    pub fn from_parts(
        room: Room,
        bindings: Vec<ChannelBinding>,
        participants: Vec<Participant>,
        recent_events: Vec<RoomEvent>,
    ) -> Self {
        RoomContext {
            room,
            bindings,
            participants,
            recent_limit: recent_events.len(),
            recent: Arc::new(OnceCell::new_with(Some(recent_events))),
            store: None,
        }
    }

    /// The newest events (blocked ones left out), oldest first; read once, on first use.
    pub async fn recent_events(&self) -> Result<&[RoomEvent]> {
        let events = self
            .recent
            .get_or_try_init(|| async {
                let Some(store) = &self.store else {
                    return Ok(Vec::new());
                };
                let mut events = store
                    .list_events(&self.room.id, &EventQuery::latest(self.recent_limit))
                    .await?;
                events.reverse();
                Ok::<_, crate::Error>(events)
            })
            .await?;
        Ok(events)
    }

    /// The binding of a channel, if attached.
    pub fn binding(&self, channel_id: &str) -> Option<&ChannelBinding> {
        self.bindings.iter().find(|b| b.channel_id == channel_id)
    }

    /// A participant by id.
    pub fn participant(&self, participant_id: &str) -> Option<&Participant> {
        self.participants.iter().find(|p| p.id == participant_id)
    }
}
