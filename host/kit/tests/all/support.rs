//! Test doubles: a recording transport provider, closure hooks, and a kit over a memory store.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use roomkit_kit::{
    AttachOptions, Hook, HookError, HookResult, HookTrigger, InboundMessage, RoomContext, RoomKit,
    RoomOptions, TransportChannel,
};
use roomkit_model::{ChannelCapabilities, Content, RoomEvent};
use roomkit_store::{ConversationStore, MemoryStore};

pub use roomkit_kit::testing::RecordingProvider;

/// A hook from a closure.
pub struct FnHook<F>(pub F);

#[async_trait]
impl<F> Hook for FnHook<F>
where
    F: Fn(&RoomEvent) -> Result<HookResult, HookError> + Send + Sync,
{
    async fn handle(
        &self,
        _trigger: HookTrigger,
        event: &RoomEvent,
        _ctx: &RoomContext,
    ) -> Result<HookResult, HookError> {
        (self.0)(event)
    }
}

/// Whether an event is one of the room's channel records (`channel_attached`, …), which
/// attach, detach, mute and binding changes store.
pub fn is_channel_record(event: &RoomEvent) -> bool {
    event.event_type.is_channel_record()
}

/// The events of a timeline without the channel records.
pub fn without_records(events: Vec<RoomEvent>) -> Vec<RoomEvent> {
    events
        .into_iter()
        .filter(|e| !is_channel_record(e))
        .collect()
}

/// A hook that waits at a gate until the test opens it, then allows.
pub struct GatedHook(pub Arc<roomkit_kit::testing::Gate>);

#[async_trait]
impl Hook for GatedHook {
    async fn handle(
        &self,
        _trigger: HookTrigger,
        _event: &RoomEvent,
        _ctx: &RoomContext,
    ) -> Result<HookResult, HookError> {
        self.0.pass().await;
        Ok(HookResult::allow())
    }
}

/// How long a test waits for work that must finish while something else is held at a gate.
/// Reaching it means the work waited for the held call (a deadlock, not slowness): far longer
/// than anything takes on a busy machine.
pub const HELD_WORK_LIMIT: Duration = Duration::from_secs(60);

/// Runs `work` while something is held at a gate; fails the test if it cannot finish.
pub async fn finishes_while_held<T>(what: &str, work: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(HELD_WORK_LIMIT, work).await {
        Ok(value) => value,
        Err(_) => panic!("{what} waited for the held call"),
    }
}

/// A hook that sleeps, then allows.
pub struct SlowHook(pub Duration);

#[async_trait]
impl Hook for SlowHook {
    async fn handle(
        &self,
        _trigger: HookTrigger,
        _event: &RoomEvent,
        _ctx: &RoomContext,
    ) -> Result<HookResult, HookError> {
        tokio::time::sleep(self.0).await;
        Ok(HookResult::allow())
    }
}

/// Records which triggers fired, with the event's text or system code.
#[derive(Default)]
pub struct TriggerLog(pub Mutex<Vec<(HookTrigger, String)>>);

#[async_trait]
impl Hook for TriggerLog {
    async fn handle(
        &self,
        trigger: HookTrigger,
        event: &RoomEvent,
        _ctx: &RoomContext,
    ) -> Result<HookResult, HookError> {
        let label = match &event.content {
            Content::Text { body, .. } => body.clone(),
            Content::System { code, .. } => code.clone().unwrap_or_default(),
            other => format!("{other:?}"),
        };
        self.0.lock().unwrap().push((trigger, label));
        Ok(HookResult::allow())
    }
}

pub fn text_caps() -> ChannelCapabilities {
    ChannelCapabilities::default()
}

pub fn rich_caps() -> ChannelCapabilities {
    ChannelCapabilities {
        media_types: [
            "text",
            "rich",
            "media",
            "location",
            "audio",
            "video",
            "template",
            "composite",
        ]
        .map(String::from)
        .to_vec(),
        ..ChannelCapabilities::default()
    }
}

pub struct Setup {
    pub kit: RoomKit,
    pub store: Arc<dyn ConversationStore>,
}

pub fn setup() -> Setup {
    setup_with(|b| b)
}

pub fn setup_with(
    configure: impl FnOnce(roomkit_kit::KitBuilder) -> roomkit_kit::KitBuilder,
) -> Setup {
    let store: Arc<dyn ConversationStore> = Arc::new(MemoryStore::new());
    let kit = configure(RoomKit::builder(Arc::clone(&store))).build();
    Setup { kit, store }
}

impl Setup {
    /// Registers a transport channel with a recording provider.
    pub fn transport(
        &self,
        id: &str,
        channel_type: &str,
        caps: ChannelCapabilities,
    ) -> Arc<RecordingProvider> {
        let provider = Arc::new(RecordingProvider::default());
        self.kit
            .register_channel(Arc::new(TransportChannel::new(
                id,
                channel_type,
                caps,
                provider.clone(),
            )))
            .unwrap();
        provider
    }

    /// A room with these channels attached with default options.
    /// Returns the index the room's next event gets: each attach stores a `channel_attached`
    /// record first.
    pub async fn room(&self, id: &str, channels: &[&str]) -> u64 {
        self.kit
            .create_room(RoomOptions {
                id: Some(id.into()),
                ..RoomOptions::default()
            })
            .await
            .unwrap();
        for channel in channels {
            self.kit
                .attach_channel(id, channel, AttachOptions::default())
                .await
                .unwrap();
        }
        channels.len() as u64
    }

    /// A text message into a room.
    pub async fn say(
        &self,
        room: &str,
        channel: &str,
        sender: &str,
        body: &str,
    ) -> roomkit_kit::InboundResult {
        self.kit
            .process_inbound(InboundMessage::text(channel, sender, body).in_room(room))
            .await
            .unwrap()
    }
}

/// Waits until `check` holds (for effects of background tasks). The 30 s limit only turns
/// "never" into a failure: it returns as soon as the check holds.
pub async fn eventually(mut check: impl FnMut() -> bool) {
    for _ in 0..6_000 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(check(), "condition not met within 30 s");
}
