//! Framework events (SPEC §1): observability signals that subscribers receive by type.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use roomkit_model::{FrameworkEventType, Metadata, Timestamp, now};
use serde::Serialize;
use tokio::sync::mpsc;

/// How many events a subscriber may have unread before new ones are dropped for it.
pub const SUBSCRIBER_CAPACITY: usize = 10_000;

/// One observability signal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameworkEvent {
    /// What happened.
    #[serde(rename = "type")]
    pub event_type: FrameworkEventType,
    /// The room it concerns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_id: Option<String>,
    /// The event it concerns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The channel it concerns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Details (reason, hook name, error, …).
    pub data: Metadata,
    /// When it happened.
    pub timestamp: Timestamp,
}

impl FrameworkEvent {
    /// An event of a type with nothing attached yet.
    pub fn new(event_type: FrameworkEventType) -> Self {
        FrameworkEvent {
            event_type,
            room_id: None,
            event_id: None,
            channel_id: None,
            data: Metadata::new(),
            timestamp: now(),
        }
    }

    /// The same event about a room.
    pub fn room(mut self, room_id: impl Into<String>) -> Self {
        self.room_id = Some(room_id.into());
        self
    }

    /// The same event about an event.
    pub fn event(mut self, event_id: impl Into<String>) -> Self {
        self.event_id = Some(event_id.into());
        self
    }

    /// The same event about a channel.
    pub fn channel(mut self, channel_id: impl Into<String>) -> Self {
        self.channel_id = Some(channel_id.into());
        self
    }

    /// The same event with a detail.
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.data.insert(key.to_owned(), value.into());
        self
    }
}

struct Subscriber {
    types: Option<HashSet<FrameworkEventType>>,
    sender: mpsc::Sender<FrameworkEvent>,
}

/// Fans framework events out to subscribers. Emitting never blocks: a subscriber that falls
/// [`SUBSCRIBER_CAPACITY`] events behind misses the newest ones (counted in
/// [`FrameworkBus::dropped`]).
#[derive(Default)]
pub struct FrameworkBus {
    subscribers: Mutex<Vec<Subscriber>>,
    /// The length of `subscribers`, readable without the lock.
    count: AtomicUsize,
    dropped: AtomicU64,
}

impl std::fmt::Debug for FrameworkBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameworkBus")
            .field("dropped", &self.dropped)
            .finish_non_exhaustive()
    }
}

impl FrameworkBus {
    /// A bus with no subscribers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Receives events of the given types (all types when `None`).
    pub fn subscribe(
        &self,
        types: Option<&[FrameworkEventType]>,
    ) -> mpsc::Receiver<FrameworkEvent> {
        let (sender, receiver) = mpsc::channel(SUBSCRIBER_CAPACITY);
        let subscriber = Subscriber {
            types: types.map(|t| t.iter().copied().collect()),
            sender,
        };
        let mut subscribers = self.lock();
        subscribers.push(subscriber);
        self.count.store(subscribers.len(), Ordering::Relaxed);
        receiver
    }

    /// Sends an event to every subscriber of its type.
    pub fn emit(&self, event: FrameworkEvent) {
        tracing::debug!(kind = ?event.event_type, room = ?event.room_id, "framework event");
        let mut subscribers = self.lock();
        subscribers.retain(|s| !s.sender.is_closed());
        self.count.store(subscribers.len(), Ordering::Relaxed);
        for subscriber in subscribers.iter() {
            if subscriber
                .types
                .as_ref()
                .is_some_and(|t| !t.contains(&event.event_type))
            {
                continue;
            }
            if subscriber.sender.try_send(event.clone()).is_err() {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Whether anyone listens (lets hot paths skip building events nobody reads).
    pub fn has_subscribers(&self) -> bool {
        self.count.load(Ordering::Relaxed) > 0
    }

    /// Events dropped because a subscriber was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Subscriber>> {
        self.subscribers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_receive_only_their_types_in_order() {
        let bus = FrameworkBus::new();
        let mut blocked = bus.subscribe(Some(&[FrameworkEventType::EventBlocked]));
        let mut all = bus.subscribe(None);
        bus.emit(FrameworkEvent::new(FrameworkEventType::RoomCreated).room("r"));
        bus.emit(FrameworkEvent::new(FrameworkEventType::EventBlocked).with("reason", "x"));
        let got = blocked.recv().await.unwrap();
        assert_eq!(got.event_type, FrameworkEventType::EventBlocked);
        assert_eq!(got.data["reason"], "x");
        assert!(blocked.try_recv().is_err());
        assert_eq!(
            all.recv().await.unwrap().event_type,
            FrameworkEventType::RoomCreated
        );
        assert_eq!(
            all.recv().await.unwrap().event_type,
            FrameworkEventType::EventBlocked
        );
    }

    #[tokio::test]
    async fn a_dropped_receiver_is_forgotten() {
        let bus = FrameworkBus::new();
        drop(bus.subscribe(None));
        bus.emit(FrameworkEvent::new(FrameworkEventType::RoomCreated));
        assert!(!bus.has_subscribers());
        assert_eq!(bus.dropped(), 0);
    }
}
