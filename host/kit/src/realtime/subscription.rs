//! A subscriber's bounded queue: the [`Subscription`] reads it, a [`SubscriptionFeed`] (held by
//! the backend) fills it. When the queue is full the oldest event is dropped and counted.
//!
//! Once the feed ends the subscription (unsubscribe or close), [`Subscription::recv`] still
//! hands over the events already queued, then returns `None`; nothing more is accepted.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use roomkit_model::EphemeralEvent;
use tokio::sync::Notify;

#[derive(Debug, Default)]
struct Slots {
    events: VecDeque<EphemeralEvent>,
    ended: bool,
}

#[derive(Debug)]
struct Queue {
    slots: Mutex<Slots>,
    capacity: usize,
    notify: Notify,
    dropped: AtomicU64,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A room subscription; events arrive through [`recv`](Self::recv) in publish order.
///
/// Dropping it runs its drop hook: for [`InMemoryRealtime`](super::InMemoryRealtime) that
/// unsubscribes it, so a later `unsubscribe` of its id returns false.
pub struct Subscription {
    /// Its id, for unsubscribing.
    pub id: String,
    /// The room whose events it receives.
    pub room_id: String,
    queue: Arc<Queue>,
    on_drop: Option<Box<dyn FnOnce() + Send + Sync>>,
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .field("room_id", &self.room_id)
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}

impl Subscription {
    /// A subscription whose queue holds at most `capacity` events (at least 1), and the feed a
    /// backend fills it through.
    pub fn new(
        id: impl Into<String>,
        room_id: impl Into<String>,
        capacity: usize,
    ) -> (Subscription, SubscriptionFeed) {
        let queue = Arc::new(Queue {
            slots: Mutex::new(Slots::default()),
            capacity: capacity.max(1),
            notify: Notify::new(),
            dropped: AtomicU64::new(0),
        });
        let subscription = Subscription {
            id: id.into(),
            room_id: room_id.into(),
            queue: Arc::clone(&queue),
            on_drop: None,
        };
        (subscription, SubscriptionFeed { queue })
    }

    /// Runs `hook` once when the subscription is dropped (a backend forgets it there).
    pub fn on_drop(mut self, hook: impl FnOnce() + Send + Sync + 'static) -> Self {
        self.on_drop = Some(Box::new(hook));
        self
    }

    /// The next event, waiting for one; `None` once the subscription has ended and its queue
    /// is drained.
    pub async fn recv(&mut self) -> Option<EphemeralEvent> {
        loop {
            {
                let mut slots = self.queue.lock();
                if let Some(event) = slots.events.pop_front() {
                    return Some(event);
                }
                if slots.ended {
                    return None;
                }
            }
            // A push or end between the unlock and this await leaves a permit, so no wake-up
            // is lost.
            self.queue.notify.notified().await;
        }
    }

    /// The next event if one is queued, without waiting.
    pub fn try_recv(&mut self) -> Option<EphemeralEvent> {
        self.queue.lock().events.pop_front()
    }

    /// How many events were dropped because this subscriber fell behind.
    pub fn dropped(&self) -> u64 {
        self.queue.dropped.load(Ordering::Relaxed)
    }

    /// How many events are queued.
    pub fn pending(&self) -> usize {
        self.queue.lock().events.len()
    }

    /// Whether it was ended (unsubscribed or the backend closed); queued events may remain.
    pub fn is_ended(&self) -> bool {
        self.queue.lock().ended
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.queue.lock().ended = true;
        if let Some(hook) = self.on_drop.take() {
            hook();
        }
    }
}

/// The sending side of a [`Subscription`], held by a realtime backend.
#[derive(Debug, Clone)]
pub struct SubscriptionFeed {
    queue: Arc<Queue>,
}

impl SubscriptionFeed {
    /// Queues an event, dropping the oldest queued one if the queue is full; never waits.
    /// Returns false (and queues nothing) once the subscription has ended.
    pub fn push(&self, event: EphemeralEvent) -> bool {
        {
            let mut slots = self.queue.lock();
            if slots.ended {
                return false;
            }
            if slots.events.len() >= self.queue.capacity {
                slots.events.pop_front();
                self.queue.dropped.fetch_add(1, Ordering::Relaxed);
            }
            slots.events.push_back(event);
        }
        self.queue.notify.notify_one();
        true
    }

    /// Ends the subscription: its receiver drains what is queued, then gets `None`.
    pub fn end(&self) {
        self.queue.lock().ended = true;
        self.queue.notify.notify_one();
    }

    /// Whether the subscription has ended (or was dropped).
    pub fn is_ended(&self) -> bool {
        self.queue.lock().ended
    }

    /// The most events the queue holds.
    pub fn capacity(&self) -> usize {
        self.queue.capacity
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use roomkit_model::{EphemeralEventType, Metadata, now};
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    fn event(user: &str) -> EphemeralEvent {
        EphemeralEvent {
            room_id: "r".into(),
            event_type: EphemeralEventType::PresenceOnline,
            user_id: user.into(),
            channel_id: None,
            data: Metadata::new(),
            timestamp: now(),
        }
    }

    fn drain(sub: &mut Subscription) -> Vec<String> {
        std::iter::from_fn(|| sub.try_recv().map(|e| e.user_id)).collect()
    }

    #[test]
    fn pushed_events_come_out_in_order() {
        let (mut sub, feed) = Subscription::new("s1", "r", 10);
        assert_eq!((sub.id.as_str(), sub.room_id.as_str()), ("s1", "r"));
        for user in ["a", "b", "c"] {
            assert!(feed.push(event(user)));
        }
        assert_eq!(sub.pending(), 3);
        assert_eq!(drain(&mut sub), vec!["a", "b", "c"]);
        assert_eq!(sub.try_recv(), None);
    }

    #[test]
    fn a_full_queue_drops_its_oldest_event_and_counts_it() {
        let (mut sub, feed) = Subscription::new("s1", "r", 2);
        for user in ["a", "b", "c", "d"] {
            feed.push(event(user));
        }
        assert_eq!(sub.dropped(), 2);
        assert_eq!(drain(&mut sub), vec!["c", "d"]);
        feed.push(event("e"));
        assert_eq!(drain(&mut sub), vec!["e"]);
        assert_eq!(sub.dropped(), 2, "nothing more was lost");
    }

    #[test]
    fn a_zero_capacity_holds_one_event() {
        let (mut sub, feed) = Subscription::new("s1", "r", 0);
        assert_eq!(feed.capacity(), 1);
        feed.push(event("a"));
        feed.push(event("b"));
        assert_eq!((drain(&mut sub), sub.dropped()), (vec!["b".to_owned()], 1));
    }

    #[tokio::test]
    async fn an_ended_subscription_drains_then_returns_none_and_refuses_more() {
        let (mut sub, feed) = Subscription::new("s1", "r", 10);
        feed.push(event("a"));
        feed.end();
        assert!(sub.is_ended() && feed.is_ended());
        assert!(!feed.push(event("b")));
        assert_eq!(sub.recv().await.unwrap().user_id, "a");
        assert_eq!(sub.recv().await, None);
        assert_eq!(sub.recv().await, None);
    }

    #[tokio::test]
    async fn recv_wakes_when_an_event_is_pushed_from_another_task() {
        let (mut sub, feed) = Subscription::new("s1", "r", 10);
        let waiter = tokio::spawn(async move { sub.recv().await.map(|e| e.user_id) });
        tokio::task::yield_now().await;
        feed.push(event("late"));
        let got = tokio::time::timeout(Duration::from_secs(5), waiter).await;
        assert_eq!(got.unwrap().unwrap(), Some("late".to_owned()));
    }

    #[tokio::test]
    async fn recv_wakes_with_none_when_the_subscription_ends_while_waiting() {
        let (mut sub, feed) = Subscription::new("s1", "r", 10);
        let waiter = tokio::spawn(async move { sub.recv().await });
        tokio::task::yield_now().await;
        feed.end();
        let got = tokio::time::timeout(Duration::from_secs(5), waiter).await;
        assert_eq!(got.unwrap().unwrap(), None);
    }

    #[test]
    fn dropping_a_subscription_runs_its_hook_once_and_ends_the_feed() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&runs);
        let (sub, feed) = Subscription::new("s1", "r", 10);
        let sub = sub.on_drop(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(runs.load(Ordering::SeqCst), 0);
        drop(sub);
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert!(feed.is_ended());
        assert!(!feed.push(event("a")));
    }
}
