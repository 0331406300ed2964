//! The hub: which connected client joined which room on which WebSocket channel, and the bounded
//! queue of every client. Handing a frame to a client never waits: a full queue drops the frame
//! and counts a failure; `max_failures` failures in a row evict the client.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{mpsc, watch};

use crate::config::WebSocketConfig;

/// Counters of the hub for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct HubStats {
    pub(crate) clients: usize,
    pub(crate) evictions: u64,
    pub(crate) dropped_frames: u64,
}

/// One connected client.
#[derive(Debug)]
pub(crate) struct Client {
    pub(crate) id: u64,
    queue: mpsc::Sender<Utf8Bytes>,
    failures: AtomicU32,
    evicted: std::sync::atomic::AtomicBool,
    /// Set to true once the client must go (evicted, or its socket ended).
    gone: watch::Sender<bool>,
}

impl Client {
    /// Resolves once the client must go.
    pub(crate) async fn gone(&self) {
        let mut rx = self.gone.subscribe();
        let _ = rx.wait_for(|gone| *gone).await;
    }

    /// Whether the hub evicted it for being slow.
    pub(crate) fn was_evicted(&self) -> bool {
        self.evicted.load(Ordering::Relaxed)
    }

    pub(crate) fn is_gone(&self) -> bool {
        *self.gone.borrow()
    }

    /// Ends the client's session (its reader and writer stop).
    pub(crate) fn end(&self) {
        self.gone.send_replace(true);
    }

    /// A write went through: the failure streak is over.
    pub(crate) fn succeeded(&self) {
        self.failures.store(0, Ordering::Relaxed);
    }
}

#[derive(Debug, Default)]
struct Members {
    clients: HashMap<u64, Arc<Client>>,
    /// (room id, channel id) → clients joined there.
    rooms: HashMap<(String, String), BTreeSet<u64>>,
    /// Ids of the WebSocket channels this hub serves.
    channels: HashSet<String>,
}

/// Connected clients and their rooms.
#[derive(Debug)]
pub(crate) struct Hub {
    config: WebSocketConfig,
    next_id: AtomicU64,
    members: Mutex<Members>,
    evictions: AtomicU64,
    dropped_frames: AtomicU64,
}

impl Hub {
    pub(crate) fn new(config: WebSocketConfig) -> Self {
        Hub {
            config,
            next_id: AtomicU64::new(1),
            members: Mutex::new(Members::default()),
            evictions: AtomicU64::new(0),
            dropped_frames: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Members> {
        self.members.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn config(&self) -> &WebSocketConfig {
        &self.config
    }

    /// A new client and the receiving end of its queue.
    pub(crate) fn connect(&self) -> (Arc<Client>, mpsc::Receiver<Utf8Bytes>) {
        let (queue, rx) = mpsc::channel(self.config.queue_capacity.max(1));
        let client = Arc::new(Client {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            queue,
            failures: AtomicU32::new(0),
            evicted: std::sync::atomic::AtomicBool::new(false),
            gone: watch::Sender::new(false),
        });
        self.lock().clients.insert(client.id, Arc::clone(&client));
        (client, rx)
    }

    /// Forgets a client and every room it joined.
    pub(crate) fn disconnect(&self, client_id: u64) {
        let mut members = self.lock();
        if let Some(client) = members.clients.remove(&client_id) {
            client.end();
        }
        members.rooms.retain(|_, ids| {
            ids.remove(&client_id);
            !ids.is_empty()
        });
    }

    /// Ends every client's session.
    pub(crate) fn disconnect_all(&self) {
        let ids: Vec<u64> = self.lock().clients.keys().copied().collect();
        for id in ids {
            self.disconnect(id);
        }
    }

    pub(crate) fn add_channel(&self, channel_id: &str) {
        self.lock().channels.insert(channel_id.to_owned());
    }

    pub(crate) fn serves_channel(&self, channel_id: &str) -> bool {
        self.lock().channels.contains(channel_id)
    }

    pub(crate) fn forget_channel(&self, channel_id: &str) {
        let mut members = self.lock();
        members.channels.remove(channel_id);
        members
            .rooms
            .retain(|(_, channel), _| channel != channel_id);
    }

    pub(crate) fn join(&self, client_id: u64, room_id: &str, channel_id: &str) {
        self.lock()
            .rooms
            .entry((room_id.to_owned(), channel_id.to_owned()))
            .or_default()
            .insert(client_id);
    }

    pub(crate) fn leave(&self, client_id: u64, room_id: &str, channel_id: &str) {
        let mut members = self.lock();
        let key = (room_id.to_owned(), channel_id.to_owned());
        if let Some(ids) = members.rooms.get_mut(&key) {
            ids.remove(&client_id);
            if ids.is_empty() {
                members.rooms.remove(&key);
            }
        }
    }

    /// Hands a frame to every client joined to the room on the channel (but `except`); returns
    /// how many took it. Never waits.
    pub(crate) fn broadcast(
        &self,
        room_id: &str,
        channel_id: &str,
        frame: &Utf8Bytes,
        except: Option<u64>,
    ) -> usize {
        let targets: Vec<Arc<Client>> = {
            let members = self.lock();
            let key = (room_id.to_owned(), channel_id.to_owned());
            members
                .rooms
                .get(&key)
                .into_iter()
                .flatten()
                .filter(|id| Some(**id) != except)
                .filter_map(|id| members.clients.get(id).cloned())
                .collect()
        };
        targets
            .iter()
            .filter(|client| self.offer(client, frame.clone()))
            .count()
    }

    /// Queues a frame for a client without waiting; a full queue is a failure.
    pub(crate) fn offer(&self, client: &Client, frame: Utf8Bytes) -> bool {
        if client.is_gone() {
            return false;
        }
        match client.queue.try_send(frame) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.dropped_frames.fetch_add(1, Ordering::Relaxed);
                self.failed(client);
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Counts a failure (full queue, write timeout); evicts the client after too many in a row.
    /// Returns whether the client was evicted.
    pub(crate) fn failed(&self, client: &Client) -> bool {
        let streak = client.failures.fetch_add(1, Ordering::Relaxed) + 1;
        if streak >= self.config.max_failures.max(1) && !client.is_gone() {
            tracing::warn!(
                client = client.id,
                streak,
                "evicting a slow WebSocket client"
            );
            self.evictions.fetch_add(1, Ordering::Relaxed);
            client.evicted.store(true, Ordering::Relaxed);
            self.disconnect(client.id);
            return true;
        }
        false
    }

    pub(crate) fn client_count(&self) -> usize {
        self.lock().clients.len()
    }

    pub(crate) fn stats(&self) -> HubStats {
        HubStats {
            clients: self.client_count(),
            evictions: self.evictions.load(Ordering::Relaxed),
            dropped_frames: self.dropped_frames.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn hub(capacity: usize, max_failures: u32) -> Hub {
        Hub::new(WebSocketConfig {
            queue_capacity: capacity,
            max_failures,
            send_timeout: Duration::from_millis(10),
            ..WebSocketConfig::default()
        })
    }

    #[test]
    fn broadcast_reaches_only_clients_of_that_room_and_channel() {
        let hub = hub(8, 3);
        let (a, mut ra) = hub.connect();
        let (b, mut rb) = hub.connect();
        let (c, mut rc) = hub.connect();
        hub.join(a.id, "r1", "ws");
        hub.join(b.id, "r1", "ws");
        hub.join(c.id, "r1", "other");
        assert_eq!(hub.broadcast("r1", "ws", &"x".into(), Some(a.id)), 1);
        assert!(ra.try_recv().is_err());
        assert_eq!(rb.try_recv().unwrap().as_str(), "x");
        assert!(rc.try_recv().is_err());
    }

    #[test]
    fn a_client_whose_queue_stays_full_is_evicted() {
        let hub = hub(1, 3);
        let (slow, _keep_queue_open) = hub.connect();
        hub.join(slow.id, "r", "ws");
        assert_eq!(hub.broadcast("r", "ws", &"1".into(), None), 1);
        for _ in 0..3 {
            assert_eq!(hub.broadcast("r", "ws", &"more".into(), None), 0);
        }
        assert!(slow.is_gone());
        assert_eq!(hub.client_count(), 0);
        let stats = hub.stats();
        assert_eq!((stats.evictions, stats.dropped_frames), (1, 3));
    }
}
