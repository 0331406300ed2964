//! Realtime ephemeral events (typing, presence, read receipts): published to the subscribers of
//! a room in publish order and never stored. Each subscriber has a bounded queue; a slow one
//! loses its oldest events rather than slowing anyone down.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use roomkit_model::{EphemeralEvent, new_id};
use tokio::sync::Notify;

/// The default bound of a subscriber's queue.
pub const DEFAULT_QUEUE_CAPACITY: usize = 100;

/// Carries ephemeral events between publishers and room subscribers.
#[async_trait]
pub trait RealtimeBackend: Send + Sync {
    /// Sends an event to its room's subscribers.
    async fn publish(&self, event: EphemeralEvent);
    /// Starts receiving a room's events.
    async fn subscribe(&self, room_id: &str) -> Subscription;
    /// Ends a subscription; returns whether it existed.
    async fn unsubscribe(&self, subscription_id: &str) -> bool;
    /// Ends every subscription.
    async fn close(&self);
}

#[derive(Debug)]
struct Queue {
    events: Mutex<VecDeque<EphemeralEvent>>,
    capacity: usize,
    notify: Notify,
    closed: AtomicBool,
    dropped: AtomicU64,
}

impl Queue {
    fn push(&self, event: EphemeralEvent) {
        let mut events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        if events.len() >= self.capacity {
            events.pop_front();
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        events.push_back(event);
        drop(events);
        self.notify.notify_one();
    }

    fn pop(&self) -> Option<EphemeralEvent> {
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
    }

    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.notify.notify_one();
    }
}

/// A room subscription; events arrive through [`recv`](Self::recv).
#[derive(Debug)]
pub struct Subscription {
    /// Its id, for unsubscribing.
    pub id: String,
    queue: Arc<Queue>,
}

impl Subscription {
    /// The next event; `None` once the subscription ended and its queue is drained.
    pub async fn recv(&mut self) -> Option<EphemeralEvent> {
        loop {
            if let Some(event) = self.queue.pop() {
                return Some(event);
            }
            if self.queue.closed.load(Ordering::SeqCst) {
                return None;
            }
            self.queue.notify.notified().await;
        }
    }

    /// The next event if one is waiting.
    pub fn try_recv(&mut self) -> Option<EphemeralEvent> {
        self.queue.pop()
    }

    /// How many events were dropped because this subscriber fell behind.
    pub fn dropped(&self) -> u64 {
        self.queue.dropped.load(Ordering::Relaxed)
    }
}

#[derive(Debug, Default)]
struct Registry {
    /// room id → subscription ids
    rooms: HashMap<String, Vec<String>>,
    /// subscription id → (room id, queue)
    subscriptions: HashMap<String, (String, Arc<Queue>)>,
}

/// Realtime within one process.
#[derive(Debug)]
pub struct InMemoryRealtime {
    registry: Mutex<Registry>,
    capacity: usize,
}

impl Default for InMemoryRealtime {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemoryRealtime {
    /// Queues of [`DEFAULT_QUEUE_CAPACITY`].
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_QUEUE_CAPACITY)
    }

    /// Queues of `capacity` events (at least 1).
    pub fn with_capacity(capacity: usize) -> Self {
        InMemoryRealtime {
            registry: Mutex::new(Registry::default()),
            capacity: capacity.max(1),
        }
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl RealtimeBackend for InMemoryRealtime {
    async fn publish(&self, event: EphemeralEvent) {
        let queues: Vec<Arc<Queue>> = {
            let registry = self.registry();
            registry
                .rooms
                .get(&event.room_id)
                .into_iter()
                .flatten()
                .filter_map(|id| registry.subscriptions.get(id).map(|(_, q)| Arc::clone(q)))
                .collect()
        };
        for queue in queues {
            queue.push(event.clone());
        }
    }

    async fn subscribe(&self, room_id: &str) -> Subscription {
        let queue = Arc::new(Queue {
            events: Mutex::new(VecDeque::new()),
            capacity: self.capacity,
            notify: Notify::new(),
            closed: AtomicBool::new(false),
            dropped: AtomicU64::new(0),
        });
        let id = new_id();
        let mut registry = self.registry();
        registry
            .rooms
            .entry(room_id.to_owned())
            .or_default()
            .push(id.clone());
        registry
            .subscriptions
            .insert(id.clone(), (room_id.to_owned(), Arc::clone(&queue)));
        Subscription { id, queue }
    }

    async fn unsubscribe(&self, subscription_id: &str) -> bool {
        let mut registry = self.registry();
        let Some((room_id, queue)) = registry.subscriptions.remove(subscription_id) else {
            return false;
        };
        if let Some(ids) = registry.rooms.get_mut(&room_id) {
            ids.retain(|id| id != subscription_id);
            if ids.is_empty() {
                registry.rooms.remove(&room_id);
            }
        }
        queue.close();
        true
    }

    async fn close(&self) {
        let mut registry = self.registry();
        for (_, (_, queue)) in registry.subscriptions.drain() {
            queue.close();
        }
        registry.rooms.clear();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use roomkit_model::{EphemeralEventType, Metadata, now};
    use std::time::Duration;

    fn typing(room: &str, user: &str) -> EphemeralEvent {
        EphemeralEvent {
            room_id: room.into(),
            event_type: EphemeralEventType::TypingStart,
            user_id: user.into(),
            channel_id: None,
            data: Metadata::new(),
            timestamp: now(),
        }
    }

    #[tokio::test]
    async fn subscribers_get_their_rooms_events_in_publish_order() {
        let realtime = InMemoryRealtime::new();
        let mut a = realtime.subscribe("r").await;
        let mut other = realtime.subscribe("s").await;
        for user in ["u1", "u2", "u3"] {
            realtime.publish(typing("r", user)).await;
        }
        let users: Vec<String> = (0..3).map(|_| a.try_recv().unwrap().user_id).collect();
        assert_eq!(users, vec!["u1", "u2", "u3"]);
        assert!(other.try_recv().is_none());
    }

    #[tokio::test]
    async fn a_slow_subscriber_drops_the_oldest_events() {
        let realtime = InMemoryRealtime::with_capacity(3);
        let mut slow = realtime.subscribe("r").await;
        for n in 0..5 {
            realtime.publish(typing("r", &format!("u{n}"))).await;
        }
        let kept: Vec<String> = std::iter::from_fn(|| slow.try_recv().map(|e| e.user_id)).collect();
        assert_eq!(kept, vec!["u2", "u3", "u4"]);
        assert_eq!(slow.dropped(), 2);
    }

    #[tokio::test]
    async fn recv_wakes_on_publish_and_ends_after_unsubscribe() {
        let realtime = Arc::new(InMemoryRealtime::new());
        let mut sub = realtime.subscribe("r").await;
        let publisher = Arc::clone(&realtime);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            publisher.publish(typing("r", "late")).await;
        });
        let event = tokio::time::timeout(Duration::from_secs(1), sub.recv())
            .await
            .unwrap();
        assert_eq!(event.unwrap().user_id, "late");
        assert!(realtime.unsubscribe(&sub.id).await);
        assert!(!realtime.unsubscribe(&sub.id).await);
        assert!(sub.recv().await.is_none());
    }
}
