//! The `RoomKit` API (seed 001): one value that owns the store, the channels, the hooks and the
//! realtime backend, and runs the pipeline.

pub(crate) mod bindings;
mod people;
mod receipts;
mod rooms;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use roomkit_model::{EphemeralEvent, EphemeralEventType, FrameworkEventType, Metadata, now};
use roomkit_store::ConversationStore;
use tokio::sync::mpsc;

use crate::channel::Channel;
use crate::framework::{FrameworkBus, FrameworkEvent};
use crate::hooks::{Hook, HookEngine, HookSpec, IdentityHook};
use crate::identity::IdentityResolver;
use crate::lanes::Lanes;
use crate::locks::{InMemoryLockManager, RoomLockManager};
use crate::realtime::{InMemoryRealtime, RealtimeBackend, Subscription};
use crate::resilience::{CircuitBreakers, RateLimiters};
use crate::routing::{DefaultInboundRouter, InboundRouter};
use crate::transcode::{ContentTranscoder, DefaultTranscoder};
use crate::{Error, KitConfig, Result};

pub use bindings::AttachOptions;
pub use people::{ParticipantUpdate, TaskUpdate};
pub use receipts::{RECEIPT_INDEX, ReceiptOutcome, StatusUpdate};
pub use rooms::RoomOptions;
pub(crate) use rooms::lifecycle_event;

/// The orchestrator. Cheap to clone; clones share everything.
#[derive(Clone, Debug)]
pub struct RoomKit {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Arc<dyn ConversationStore>,
    pub(crate) config: KitConfig,
    pub(crate) channels: RwLock<HashMap<String, Arc<dyn Channel>>>,
    pub(crate) hooks: Arc<HookEngine>,
    pub(crate) bus: Arc<FrameworkBus>,
    pub(crate) identity: Option<Arc<dyn IdentityResolver>>,
    pub(crate) router: Arc<dyn InboundRouter>,
    pub(crate) locks: Arc<dyn RoomLockManager>,
    pub(crate) realtime: Arc<dyn RealtimeBackend>,
    pub(crate) transcoder: Arc<dyn ContentTranscoder>,
    pub(crate) lanes: Lanes,
    pub(crate) breakers: CircuitBreakers,
    pub(crate) outbound_limits: RateLimiters,
    pub(crate) inbound_limits: RateLimiters,
    pub(crate) sources: crate::sources::Sources,
    pub(crate) closed: AtomicBool,
    /// Permits of passes delivering after an early answer.
    pub(crate) background: Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoomKit")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Builds a [`RoomKit`]; every part has a default.
pub struct KitBuilder {
    store: Arc<dyn ConversationStore>,
    config: KitConfig,
    identity: Option<Arc<dyn IdentityResolver>>,
    router: Arc<dyn InboundRouter>,
    locks: Arc<dyn RoomLockManager>,
    realtime: Arc<dyn RealtimeBackend>,
    transcoder: Arc<dyn ContentTranscoder>,
}

impl std::fmt::Debug for KitBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KitBuilder")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl KitBuilder {
    /// Limits and defaults.
    pub fn config(mut self, config: KitConfig) -> Self {
        self.config = config;
        self
    }

    /// Resolves inbound senders.
    pub fn identity_resolver(mut self, resolver: Arc<dyn IdentityResolver>) -> Self {
        self.identity = Some(resolver);
        self
    }

    /// Routes messages without a room id.
    pub fn inbound_router(mut self, router: Arc<dyn InboundRouter>) -> Self {
        self.router = router;
        self
    }

    /// Serialises work per room (default: in-process locks).
    pub fn lock_manager(mut self, locks: Arc<dyn RoomLockManager>) -> Self {
        self.locks = locks;
        self
    }

    /// Carries ephemeral events (default: in-process).
    pub fn realtime(mut self, realtime: Arc<dyn RealtimeBackend>) -> Self {
        self.realtime = realtime;
        self
    }

    /// Converts content for targets.
    pub fn transcoder(mut self, transcoder: Arc<dyn ContentTranscoder>) -> Self {
        self.transcoder = transcoder;
        self
    }

    /// The kit.
    pub fn build(self) -> RoomKit {
        let bus = Arc::new(FrameworkBus::new());
        let background = Arc::new(tokio::sync::Semaphore::new(
            self.config.max_background_passes,
        ));
        RoomKit {
            inner: Arc::new(Inner {
                store: self.store,
                config: self.config,
                channels: RwLock::new(HashMap::new()),
                hooks: Arc::new(HookEngine::new(Arc::clone(&bus))),
                bus,
                identity: self.identity,
                router: self.router,
                locks: self.locks,
                realtime: self.realtime,
                transcoder: self.transcoder,
                lanes: Lanes::default(),
                breakers: CircuitBreakers::default(),
                outbound_limits: RateLimiters::default(),
                inbound_limits: RateLimiters::default(),
                sources: Default::default(),
                closed: AtomicBool::new(false),
                background,
            }),
        }
    }
}

impl RoomKit {
    /// A builder over `store`.
    pub fn builder(store: Arc<dyn ConversationStore>) -> KitBuilder {
        KitBuilder {
            store,
            config: KitConfig::default(),
            identity: None,
            router: Arc::new(DefaultInboundRouter),
            locks: Arc::new(InMemoryLockManager::new()),
            realtime: Arc::new(InMemoryRealtime::new()),
            transcoder: Arc::new(DefaultTranscoder),
        }
    }

    /// A kit with every default over `store`.
    pub fn new(store: Arc<dyn ConversationStore>) -> Self {
        Self::builder(store).build()
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn ConversationStore> {
        &self.inner.store
    }

    /// The limits in force.
    pub fn config(&self) -> &KitConfig {
        &self.inner.config
    }

    // --- channels -----------------------------------------------------------------------------

    /// Registers a channel; a channel with the same id is [`Error::ChannelExists`].
    pub fn register_channel(&self, channel: Arc<dyn Channel>) -> Result<()> {
        roomkit_model::validate_id("channel id", channel.id())?;
        let mut channels = self.inner.channels_mut();
        let id = channel.id().to_owned();
        if channels.contains_key(&id) {
            return Err(Error::ChannelExists(id));
        }
        channels.insert(id, channel);
        Ok(())
    }

    /// Removes a channel from the registry; returns whether it was there.
    pub fn unregister_channel(&self, channel_id: &str) -> bool {
        self.inner.channels_mut().remove(channel_id).is_some()
    }

    /// A registered channel (its type, category and capabilities for the API layer).
    pub fn get_channel(&self, channel_id: &str) -> Option<Arc<dyn Channel>> {
        self.inner.channels_ref().get(channel_id).cloned()
    }

    /// Ids of the registered channels, sorted.
    pub fn channel_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.inner.channels_ref().keys().cloned().collect();
        ids.sort();
        ids
    }

    // --- hooks --------------------------------------------------------------------------------

    /// Adds a hook for every room (replacing one of the same name).
    pub fn add_hook(&self, spec: HookSpec, hook: Arc<dyn Hook>) {
        self.inner.hooks.add(spec, hook);
    }

    /// Removes a global hook; returns whether it existed.
    pub fn remove_hook(&self, name: &str) -> bool {
        self.inner.hooks.remove(name)
    }

    /// Adds a hook for one room.
    pub fn add_room_hook(&self, room_id: &str, spec: HookSpec, hook: Arc<dyn Hook>) {
        self.inner.hooks.add_room(room_id, spec, hook);
    }

    /// Removes a room's hook; returns whether it existed.
    pub fn remove_room_hook(&self, room_id: &str, name: &str) -> bool {
        self.inner.hooks.remove_room(room_id, name)
    }

    /// Adds an identity hook (ON_IDENTITY_AMBIGUOUS or ON_IDENTITY_UNKNOWN).
    pub fn add_identity_hook(&self, spec: HookSpec, hook: Arc<dyn IdentityHook>) {
        self.inner.hooks.add_identity(spec, hook);
    }

    /// Removes an identity hook; returns whether it existed.
    pub fn remove_identity_hook(&self, name: &str) -> bool {
        self.inner.hooks.remove_identity(name)
    }

    // --- framework events ---------------------------------------------------------------------

    /// Receives framework events of these types (all when `None`).
    pub fn on(&self, types: Option<&[FrameworkEventType]>) -> mpsc::Receiver<FrameworkEvent> {
        self.inner.bus.subscribe(types)
    }

    /// Emits a framework event to its subscribers (for the layers above: the plugin host
    /// reports `plugin_loaded`, `plugin_reloaded` and `plugin_failed` this way).
    pub fn emit_framework_event(&self, event: FrameworkEvent) {
        self.inner.emit(|| event);
    }

    // --- realtime -----------------------------------------------------------------------------

    /// Publishes an ephemeral event to the room's subscribers; it is never stored.
    pub async fn publish_ephemeral(
        &self,
        room_id: &str,
        event_type: EphemeralEventType,
        user_id: &str,
        channel_id: Option<&str>,
        data: Metadata,
    ) {
        let event = EphemeralEvent {
            room_id: room_id.to_owned(),
            event_type,
            user_id: user_id.to_owned(),
            channel_id: channel_id.map(str::to_owned),
            data,
            timestamp: now(),
        };
        self.inner.realtime.publish(event).await;
    }

    /// `typing_start` (or `typing_stop` when `typing` is false).
    pub async fn publish_typing(&self, room_id: &str, user_id: &str, typing: bool) {
        let kind = if typing {
            EphemeralEventType::TypingStart
        } else {
            EphemeralEventType::TypingStop
        };
        self.publish_ephemeral(room_id, kind, user_id, None, Metadata::new())
            .await;
    }

    /// Presence: `online`, `away` or `offline`; anything else is refused.
    pub async fn publish_presence(&self, room_id: &str, user_id: &str, status: &str) -> Result<()> {
        let kind = match status {
            "online" => EphemeralEventType::PresenceOnline,
            "away" => EphemeralEventType::PresenceAway,
            "offline" => EphemeralEventType::PresenceOffline,
            _ => {
                return Err(Error::Invalid(roomkit_model::ValidationError::Empty(
                    "presence status (online, away or offline)",
                )));
            }
        };
        self.publish_ephemeral(room_id, kind, user_id, None, Metadata::new())
            .await;
        Ok(())
    }

    /// A read receipt for an event.
    pub async fn publish_read_receipt(&self, room_id: &str, user_id: &str, event_id: &str) {
        let mut data = Metadata::new();
        data.insert("event_id".into(), event_id.into());
        self.publish_ephemeral(
            room_id,
            EphemeralEventType::ReadReceipt,
            user_id,
            None,
            data,
        )
        .await;
    }

    /// Receives the room's ephemeral events.
    pub async fn subscribe_room(&self, room_id: &str) -> Subscription {
        self.inner.realtime.subscribe(room_id).await
    }

    /// Ends a subscription; returns whether it existed.
    pub async fn unsubscribe_room(&self, subscription_id: &str) -> bool {
        self.inner.realtime.unsubscribe(subscription_id).await
    }

    // --- lifecycle ----------------------------------------------------------------------------

    /// Refuses new work, closes the realtime backend and flushes the store.
    pub async fn close(&self) -> Result<()> {
        self.inner.closed.store(true, Ordering::SeqCst);
        for channel_id in self.list_sources().into_keys() {
            self.detach_source(&channel_id).await;
        }
        self.inner.realtime.close().await;
        self.inner.store.flush().await?;
        Ok(())
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::SeqCst)
    }
}

impl Inner {
    pub(crate) fn channels_ref(
        &self,
    ) -> std::sync::RwLockReadGuard<'_, HashMap<String, Arc<dyn Channel>>> {
        self.channels.read().unwrap_or_else(|p| p.into_inner())
    }

    fn channels_mut(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Arc<dyn Channel>>> {
        self.channels.write().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn channel(&self, channel_id: &str) -> Result<Arc<dyn Channel>> {
        self.channels_ref()
            .get(channel_id)
            .cloned()
            .ok_or_else(|| Error::ChannelNotRegistered(channel_id.to_owned()))
    }

    pub(crate) fn check_open(&self) -> Result<()> {
        if self.closed.load(Ordering::SeqCst) {
            Err(Error::Closed)
        } else {
            Ok(())
        }
    }

    /// Emits a framework event, building it only when someone listens.
    pub(crate) fn emit(&self, make: impl FnOnce() -> FrameworkEvent) {
        if self.bus.has_subscribers() {
            self.bus.emit(make());
        }
    }
}
