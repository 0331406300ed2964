//! Realtime ephemeral events (SPEC §3 "Realtime"): typing, presence, read receipts, reactions
//! and custom signals, published to the subscribers of a room and never stored.
//!
//! Subscribers of a room get its events in publish order (concurrent publishers are ordered by
//! the backend's lock, the same way for every subscriber). Each subscriber has a bounded queue
//! (default [`DEFAULT_QUEUE_CAPACITY`]); a slow subscriber loses its oldest events, counted by
//! [`Subscription::dropped`], and publishing never waits for it. Events of other rooms are
//! never delivered.
//!
//! Ending a subscription — [`RealtimeBackend::unsubscribe`], [`RealtimeBackend::close`], or
//! dropping the [`Subscription`] — stops new events; `recv` still hands over what was queued
//! before, then returns `None`. [`InMemoryRealtime::close`](RealtimeBackend::close) is final:
//! later publishes are ignored and later subscriptions start ended.

mod subscription;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use async_trait::async_trait;
use roomkit_model::{EphemeralEvent, new_id};

pub use subscription::{Subscription, SubscriptionFeed};

/// The default bound of a subscriber's queue.
pub const DEFAULT_QUEUE_CAPACITY: usize = 100;

/// Carries ephemeral events between publishers and room subscribers.
#[async_trait]
pub trait RealtimeBackend: Send + Sync {
    /// Sends an event to the subscribers of `event.room_id`; never waits for slow ones.
    async fn publish(&self, event: EphemeralEvent);
    /// Starts receiving a room's events; the subscription's id is fresh.
    async fn subscribe(&self, room_id: &str) -> Subscription;
    /// Ends a subscription; returns whether it existed (a second call returns false).
    async fn unsubscribe(&self, subscription_id: &str) -> bool;
    /// Ends every subscription.
    async fn close(&self);
}

#[derive(Debug, Default)]
struct Registry {
    /// room id → subscription ids, in subscription order.
    rooms: HashMap<String, Vec<String>>,
    /// subscription id → (room id, feed).
    feeds: HashMap<String, (String, SubscriptionFeed)>,
    closed: bool,
}

impl Registry {
    /// Forgets a subscription and returns its feed.
    fn remove(&mut self, subscription_id: &str) -> Option<SubscriptionFeed> {
        let (room_id, feed) = self.feeds.remove(subscription_id)?;
        if let Some(ids) = self.rooms.get_mut(&room_id) {
            ids.retain(|id| id != subscription_id);
            if ids.is_empty() {
                self.rooms.remove(&room_id);
            }
        }
        Some(feed)
    }
}

fn lock(registry: &Mutex<Registry>) -> MutexGuard<'_, Registry> {
    registry.lock().unwrap_or_else(|p| p.into_inner())
}

/// Realtime within one process: a registry of subscriber queues.
#[derive(Debug)]
pub struct InMemoryRealtime {
    registry: Arc<Mutex<Registry>>,
    capacity: usize,
}

impl Default for InMemoryRealtime {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemoryRealtime {
    /// Subscriber queues of [`DEFAULT_QUEUE_CAPACITY`] events.
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_QUEUE_CAPACITY)
    }

    /// Subscriber queues of `capacity` events (at least 1).
    pub fn with_capacity(capacity: usize) -> Self {
        InMemoryRealtime {
            registry: Arc::new(Mutex::new(Registry::default())),
            capacity: capacity.max(1),
        }
    }

    /// The bound of each subscriber's queue.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many live subscriptions a room has.
    pub fn subscriber_count(&self, room_id: &str) -> usize {
        lock(&self.registry).rooms.get(room_id).map_or(0, Vec::len)
    }
}

#[async_trait]
impl RealtimeBackend for InMemoryRealtime {
    async fn publish(&self, event: EphemeralEvent) {
        // Pushing under the registry lock gives every subscriber the same order even with
        // concurrent publishers; a push never waits.
        let registry = lock(&self.registry);
        let Some(ids) = registry.rooms.get(&event.room_id) else {
            return;
        };
        for id in ids {
            if let Some((_, feed)) = registry.feeds.get(id) {
                feed.push(event.clone());
            }
        }
    }

    async fn subscribe(&self, room_id: &str) -> Subscription {
        let id = new_id();
        let (subscription, feed) = Subscription::new(id.clone(), room_id, self.capacity);
        let mut registry = lock(&self.registry);
        if registry.closed {
            feed.end();
            return subscription;
        }
        registry
            .rooms
            .entry(room_id.to_owned())
            .or_default()
            .push(id.clone());
        registry
            .feeds
            .insert(id.clone(), (room_id.to_owned(), feed));
        drop(registry);
        let weak: Weak<Mutex<Registry>> = Arc::downgrade(&self.registry);
        subscription.on_drop(move || {
            if let Some(registry) = weak.upgrade() {
                lock(&registry).remove(&id);
            }
        })
    }

    async fn unsubscribe(&self, subscription_id: &str) -> bool {
        let feed = lock(&self.registry).remove(subscription_id);
        feed.map(|feed| feed.end()).is_some()
    }

    async fn close(&self) {
        let mut registry = lock(&self.registry);
        registry.closed = true;
        registry.rooms.clear();
        for (_, (_, feed)) in registry.feeds.drain() {
            feed.end();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
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

    fn users(sub: &mut Subscription) -> Vec<String> {
        std::iter::from_fn(|| sub.try_recv().map(|e| e.user_id)).collect()
    }

    async fn publish_all(realtime: &InMemoryRealtime, room: &str, count: usize) {
        for n in 0..count {
            realtime.publish(typing(room, &format!("u{n}"))).await;
        }
    }

    #[tokio::test]
    async fn every_subscriber_of_a_room_gets_its_events_in_publish_order() {
        let realtime = InMemoryRealtime::new();
        let mut a = realtime.subscribe("r").await;
        let mut b = realtime.subscribe("r").await;
        publish_all(&realtime, "r", 3).await;
        assert_eq!(users(&mut a), vec!["u0", "u1", "u2"]);
        assert_eq!(users(&mut b), vec!["u0", "u1", "u2"]);
        assert_eq!(realtime.subscriber_count("r"), 2);
    }

    #[tokio::test]
    async fn events_of_other_rooms_are_not_delivered() {
        let realtime = InMemoryRealtime::new();
        let mut here = realtime.subscribe("r").await;
        let mut elsewhere = realtime.subscribe("s").await;
        realtime.publish(typing("r", "ana")).await;
        realtime.publish(typing("nobody-listens", "bob")).await;
        assert_eq!(users(&mut here), vec!["ana"]);
        assert_eq!(users(&mut elsewhere), Vec::<String>::new());
        assert_eq!(elsewhere.dropped(), 0);
    }

    #[tokio::test]
    async fn a_slow_subscriber_drops_the_oldest_events_without_affecting_others() {
        let realtime = InMemoryRealtime::with_capacity(3);
        let mut slow = realtime.subscribe("r").await;
        let mut fast = realtime.subscribe("r").await;
        let mut seen_fast = Vec::new();
        for n in 0..5 {
            realtime.publish(typing("r", &format!("u{n}"))).await;
            seen_fast.extend(users(&mut fast));
        }
        assert_eq!(users(&mut slow), vec!["u2", "u3", "u4"]);
        assert_eq!(slow.dropped(), 2);
        assert_eq!(seen_fast, vec!["u0", "u1", "u2", "u3", "u4"]);
        assert_eq!(fast.dropped(), 0);
    }

    #[tokio::test]
    async fn the_default_queue_keeps_the_newest_hundred_events() {
        let realtime = InMemoryRealtime::new();
        assert_eq!(realtime.capacity(), 100);
        let mut sub = realtime.subscribe("r").await;
        publish_all(&realtime, "r", 105).await;
        let kept = users(&mut sub);
        assert_eq!(kept.len(), 100);
        assert_eq!((kept[0].as_str(), kept[99].as_str()), ("u5", "u104"));
        assert_eq!(sub.dropped(), 5);
    }

    #[tokio::test]
    async fn publishing_never_waits_for_a_subscriber_that_does_not_read() {
        let realtime = InMemoryRealtime::with_capacity(10);
        let sub = realtime.subscribe("r").await;
        let published =
            tokio::time::timeout(Duration::from_secs(5), publish_all(&realtime, "r", 10_000)).await;
        assert!(published.is_ok());
        assert_eq!((sub.pending(), sub.dropped()), (10, 9_990));
    }

    #[tokio::test]
    async fn unsubscribe_returns_true_once_then_false() {
        let realtime = InMemoryRealtime::new();
        let sub = realtime.subscribe("r").await;
        assert!(realtime.unsubscribe(&sub.id).await);
        assert!(!realtime.unsubscribe(&sub.id).await);
        assert!(!realtime.unsubscribe("no-such-subscription").await);
        assert_eq!(realtime.subscriber_count("r"), 0);
    }

    #[tokio::test]
    async fn an_unsubscribed_subscription_drains_what_was_queued_then_ends() {
        let realtime = InMemoryRealtime::new();
        let mut sub = realtime.subscribe("r").await;
        realtime.publish(typing("r", "before")).await;
        realtime.unsubscribe(&sub.id).await;
        realtime.publish(typing("r", "after")).await;
        assert!(sub.is_ended());
        assert_eq!(sub.recv().await.unwrap().user_id, "before");
        assert_eq!(sub.recv().await, None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn recv_wakes_on_a_publish_from_another_task() {
        let realtime = Arc::new(InMemoryRealtime::new());
        let mut sub = realtime.subscribe("r").await;
        let receiver = tokio::spawn(async move {
            let first = sub.recv().await.map(|e| e.user_id);
            let second = sub.recv().await.map(|e| e.user_id);
            (first, second)
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        realtime.publish(typing("r", "late")).await;
        realtime.publish(typing("r", "later")).await;
        let got = tokio::time::timeout(Duration::from_secs(5), receiver).await;
        assert_eq!(
            got.unwrap().unwrap(),
            (Some("late".to_owned()), Some("later".to_owned()))
        );
    }

    #[tokio::test]
    async fn close_ends_every_subscription_and_is_final() {
        let realtime = InMemoryRealtime::new();
        let mut a = realtime.subscribe("r").await;
        let mut b = realtime.subscribe("s").await;
        realtime.publish(typing("r", "queued")).await;
        realtime.close().await;
        assert_eq!(a.recv().await.unwrap().user_id, "queued");
        assert_eq!(a.recv().await, None);
        assert_eq!(b.recv().await, None);
        assert!(!realtime.unsubscribe(&a.id).await);
        let mut late = realtime.subscribe("r").await;
        realtime.publish(typing("r", "ignored")).await;
        assert!(late.is_ended());
        assert_eq!(late.recv().await, None);
        assert_eq!(realtime.subscriber_count("r"), 0);
    }

    #[tokio::test]
    async fn dropping_a_subscription_unsubscribes_it() {
        let realtime = InMemoryRealtime::new();
        let sub = realtime.subscribe("r").await;
        let id = sub.id.clone();
        let _other = realtime.subscribe("r").await;
        drop(sub);
        assert_eq!(realtime.subscriber_count("r"), 1);
        assert!(!realtime.unsubscribe(&id).await);
    }

    #[tokio::test]
    async fn subscription_ids_are_fresh_uuids_and_carry_the_room() {
        let realtime = InMemoryRealtime::new();
        let a = realtime.subscribe("r").await;
        let b = realtime.subscribe("r").await;
        assert_ne!(a.id, b.id);
        assert_eq!(a.id.len(), 32);
        assert!(
            a.id.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(a.room_id, "r");
    }

    #[tokio::test]
    async fn the_backend_works_behind_a_trait_object_and_clamps_capacity() {
        let backend: Arc<dyn RealtimeBackend> = Arc::new(InMemoryRealtime::with_capacity(0));
        let mut sub = backend.subscribe("r").await;
        backend.publish(typing("r", "a")).await;
        backend.publish(typing("r", "b")).await;
        assert_eq!((users(&mut sub), sub.dropped()), (vec!["b".to_owned()], 1));
    }
}
