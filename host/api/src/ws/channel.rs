//! The built-in `websocket` channel type: a kit transport whose deliveries go to the clients
//! joined to the room on that channel.

use std::sync::Arc;

use async_trait::async_trait;
use roomkit_kit::{Channel, ChannelOutput, DeliveryError, RoomContext};
use roomkit_model::{ChannelBinding, ChannelCapabilities, RoomEvent};

use super::Hub;
use super::protocol::ServerMessage;
use crate::channels::WEBSOCKET_CHANNEL_TYPE;

/// A WebSocket channel of the API's hub.
#[derive(Debug)]
pub(crate) struct WebSocketChannel {
    id: String,
    capabilities: ChannelCapabilities,
    hub: Arc<Hub>,
}

impl WebSocketChannel {
    pub(crate) fn new(id: &str, capabilities: ChannelCapabilities, hub: Arc<Hub>) -> Self {
        hub.add_channel(id);
        WebSocketChannel {
            id: id.to_owned(),
            capabilities,
            hub,
        }
    }

    /// A browser renders everything and shows typing and read receipts.
    pub(crate) fn default_capabilities() -> ChannelCapabilities {
        ChannelCapabilities {
            media_types: [
                "text",
                "rich",
                "media",
                "location",
                "audio",
                "video",
                "composite",
                "system",
                "template",
                "edit",
                "delete",
            ]
            .map(str::to_owned)
            .to_vec(),
            max_length: None,
            supports_edit: true,
            supports_delete: true,
            supports_typing: true,
            supports_read_receipts: true,
            supports_threading: true,
            supports_reactions: true,
        }
    }
}

#[async_trait]
impl Channel for WebSocketChannel {
    fn id(&self) -> &str {
        &self.id
    }

    fn channel_type(&self) -> &str {
        WEBSOCKET_CHANNEL_TYPE
    }

    fn capabilities(&self) -> ChannelCapabilities {
        self.capabilities.clone()
    }

    /// Queues the event for every client joined to the room here. A delivery succeeds once the
    /// frame is queued — also when nobody is connected (the event waits in the timeline): a
    /// room without an agent online must not trip the channel's circuit breaker.
    async fn on_event(
        &self,
        event: &RoomEvent,
        binding: &ChannelBinding,
        _ctx: &RoomContext,
    ) -> Result<ChannelOutput, DeliveryError> {
        let frame = ServerMessage::Event {
            room_id: &event.room_id,
            channel_id: &binding.channel_id,
            event,
        }
        .frame();
        self.hub
            .broadcast(&event.room_id, &binding.channel_id, &frame, None);
        Ok(ChannelOutput::default())
    }
}
