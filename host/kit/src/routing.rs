//! Inbound routing: which room a message without an explicit room id belongs to.

use async_trait::async_trait;
use roomkit_model::{Room, RoomStatus};
use roomkit_store::{ConversationStore, RoomFilter};

use crate::{InboundMessage, Result};

/// Picks the room for an inbound message, or none to create a new room.
#[async_trait]
pub trait InboundRouter: Send + Sync {
    /// The room id, or `None` for a new room.
    async fn route(
        &self,
        message: &InboundMessage,
        channel_type: &str,
        store: &dyn ConversationStore,
    ) -> Result<Option<String>>;
}

/// SPEC §3 default routing: the newest active or paused room whose binding of this channel
/// names the sender as its correspondent; else the only active or paused room bound to the
/// channel that admits the sender (its binding names no correspondent); with several such
/// rooms it does not guess, and a new room is created.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultInboundRouter;

fn is_open(room: &Room) -> bool {
    matches!(room.status, RoomStatus::Active | RoomStatus::Paused)
}

#[async_trait]
impl InboundRouter for DefaultInboundRouter {
    async fn route(
        &self,
        message: &InboundMessage,
        _channel_type: &str,
        store: &dyn ConversationStore,
    ) -> Result<Option<String>> {
        let filter = RoomFilter {
            channel_id: Some(message.channel_id.clone()),
            ..RoomFilter::default()
        };
        let rooms = store.list_rooms(&filter).await?;
        let mut correspondent: Option<Room> = None;
        let mut open_candidates = Vec::new();
        for room in rooms.into_iter().filter(is_open) {
            let Some(binding) = store.get_binding(&room.id, &message.channel_id).await? else {
                continue;
            };
            match binding.participant_id.as_deref() {
                Some(p) if p == message.sender_id => {
                    // Rooms come in creation order, so the last match is the newest.
                    correspondent = Some(room);
                }
                Some(_) => {}
                None => open_candidates.push(room.id),
            }
        }
        if let Some(room) = correspondent {
            return Ok(Some(room.id));
        }
        Ok(match open_candidates.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        })
    }
}
