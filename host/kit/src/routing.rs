//! Inbound routing: which room a message without an explicit room id belongs to.

use async_trait::async_trait;
use roomkit_model::{Room, RoomStatus};
use roomkit_store::ConversationStore;

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
        // The store's correspondent index: a few rooms per sender, not every room of the
        // channel.
        let mine = store
            .rooms_of_correspondent(&message.channel_id, Some(&message.sender_id))
            .await?;
        if let Some(room) = newest_open(store, mine).await? {
            return Ok(Some(room.id));
        }
        let open_to_all = store
            .rooms_of_correspondent(&message.channel_id, None)
            .await?;
        let mut open = Vec::new();
        for room_id in open_to_all {
            if let Some(room) = store.get_room(&room_id).await?
                && is_open(&room)
            {
                open.push(room.id);
            }
        }
        Ok(match open.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        })
    }
}

/// The newest active or paused room of `room_ids` (by creation time, then id).
async fn newest_open(store: &dyn ConversationStore, room_ids: Vec<String>) -> Result<Option<Room>> {
    let mut newest: Option<Room> = None;
    for room_id in room_ids {
        let Some(room) = store.get_room(&room_id).await? else {
            continue;
        };
        if !is_open(&room) {
            continue;
        }
        let newer = newest
            .as_ref()
            .is_none_or(|n| (room.created_at, &room.id) > (n.created_at, &n.id));
        if newer {
            newest = Some(room);
        }
    }
    Ok(newest)
}
