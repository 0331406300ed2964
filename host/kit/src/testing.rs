//! Test doubles for code built on the kit (enable the `testing` feature): a recording
//! transport provider that can be told to fail or to be slow, and a kit over a memory store with
//! a source channel and a recording sink. They are for tests; nothing in the host uses them.
#![allow(clippy::expect_used)] // test support: a failed setup is a broken test

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use roomkit_model::{ChannelBinding, ChannelCapabilities, Content, RoomEvent};
use roomkit_store::{ConversationStore, MemoryStore};

use crate::{
    AttachOptions, DeliveryError, KitBuilder, Provider, ProviderResult, RoomKit, RoomOptions,
    TransportChannel,
};

/// A provider that records what it was sent and can be told to fail or to be slow.
#[derive(Debug, Default)]
pub struct RecordingProvider {
    sent: Mutex<Vec<RoomEvent>>,
    failures_left: AtomicU32,
    fail_always: AtomicBool,
    permanent: AtomicBool,
    delay_ms: AtomicU32,
    calls: AtomicU32,
    held: Gate,
}

/// A gate that tests close and open: whatever passes through it while closed waits until it is
/// opened. Tests use it to keep a call running for as long as they need, instead of a sleep
/// whose length a busy machine could outrun.
#[derive(Debug)]
pub struct Gate(tokio::sync::watch::Sender<bool>);

impl Default for Gate {
    fn default() -> Self {
        Gate(tokio::sync::watch::Sender::new(true))
    }
}

impl Gate {
    /// A closed gate.
    pub fn closed() -> Self {
        Gate(tokio::sync::watch::Sender::new(false))
    }

    /// Opens it: every waiter goes on, and later passes do not wait.
    pub fn open(&self) {
        self.0.send_replace(true);
    }

    /// Closes it.
    pub fn close(&self) {
        self.0.send_replace(false);
    }

    /// Waits until it is open.
    pub async fn pass(&self) {
        let mut open = self.0.subscribe();
        let _ = open.wait_for(|open| *open).await;
    }
}

impl RecordingProvider {
    /// The events it was sent, in order.
    pub fn sent(&self) -> Vec<RoomEvent> {
        self.sent.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The bodies of the events it was sent (the `Debug` form of non-text content).
    pub fn bodies(&self) -> Vec<String> {
        self.sent()
            .iter()
            .map(|e| match &e.content {
                Content::Text { body, .. } => body.clone(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    /// How many times `send` was called, failed calls included.
    pub fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }

    /// Fails the next `n` calls.
    pub fn fail_next(&self, n: u32) {
        self.failures_left.store(n, Ordering::SeqCst);
    }

    /// Fails every call while `on`.
    pub fn fail_always(&self, on: bool) {
        self.fail_always.store(on, Ordering::SeqCst);
    }

    /// Makes failures permanent (not retryable).
    pub fn permanent_failures(&self) {
        self.permanent.store(true, Ordering::SeqCst);
    }

    /// Waits `ms` before answering each call.
    pub fn delay(&self, ms: u32) {
        self.delay_ms.store(ms, Ordering::SeqCst);
    }

    /// The gate each call passes before answering (open by default): close it to hold calls
    /// until the test opens it.
    pub fn gate(&self) -> &Gate {
        &self.held
    }
}

#[async_trait]
impl Provider for RecordingProvider {
    fn name(&self) -> &str {
        "recording"
    }

    async fn send(
        &self,
        event: &RoomEvent,
        _binding: &ChannelBinding,
    ) -> Result<ProviderResult, DeliveryError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.held.pass().await;
        let delay = self.delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(u64::from(delay))).await;
        }
        let fail = self.fail_always.load(Ordering::SeqCst)
            || self
                .failures_left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
        if fail {
            return Err(if self.permanent.load(Ordering::SeqCst) {
                DeliveryError::permanent("recipient rejected")
            } else {
                DeliveryError::retryable("provider unavailable")
            });
        }
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        sent.push(event.clone());
        Ok(ProviderResult {
            provider_message_id: Some(format!("pm-{}", sent.len())),
        })
    }
}

/// A kit over a memory store, built by `build` (to set a resolver or a router), with room `r`
/// bound to a source channel `sms` and a channel `sink` whose provider records what it gets.
pub async fn kit_with_sink(
    build: impl FnOnce(KitBuilder) -> KitBuilder,
) -> (RoomKit, Arc<dyn ConversationStore>, Arc<RecordingProvider>) {
    let store: Arc<dyn ConversationStore> = Arc::new(MemoryStore::new());
    let kit = build(RoomKit::builder(Arc::clone(&store))).build();
    let sink = Arc::new(RecordingProvider::default());
    for (id, provider) in [
        ("sms", Arc::new(RecordingProvider::default())),
        ("sink", Arc::clone(&sink)),
    ] {
        kit.register_channel(Arc::new(TransportChannel::new(
            id,
            "sms",
            ChannelCapabilities::default(),
            provider,
        )))
        .expect("a fresh kit has no channels");
    }
    kit.create_room(RoomOptions {
        id: Some("r".into()),
        ..RoomOptions::default()
    })
    .await
    .expect("room r");
    for channel in ["sms", "sink"] {
        kit.attach_channel("r", channel, AttachOptions::default())
            .await
            .expect("binding");
    }
    (kit, store, sink)
}
