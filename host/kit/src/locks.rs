//! Per-room locks (SPEC §2 step 8), reentrant within one task tree: a pass that already holds
//! a room's lock may lock it again without deadlocking.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::sync::OwnedMutexGuard;

tokio::task_local! {
    static HELD: RefCell<Vec<String>>;
}

/// Runs `fut` in a lock scope, so that room locks taken inside it are reentrant. Nested scopes
/// share the outer one.
pub async fn lock_scope<F: Future>(fut: F) -> F::Output {
    if HELD.try_with(|_| ()).is_ok() {
        fut.await
    } else {
        new_scope(fut).await
    }
}

/// `fut` in a lock scope of its own (what [`lock_scope`] does outside any scope), built at
/// once: the caller decides, and the future is moved only once into the scope.
pub(crate) fn new_scope<F: Future>(fut: F) -> impl Future<Output = F::Output> {
    HELD.scope(RefCell::new(Vec::new()), fut)
}

/// Whether the current task runs inside a lock scope (a pass, or something a pass called).
pub(crate) fn in_lock_scope() -> bool {
    HELD.try_with(|_| ()).is_ok()
}

fn held(room_id: &str) -> bool {
    HELD.try_with(|h| h.borrow().iter().any(|r| r == room_id))
        .unwrap_or(false)
}

/// Serialises work on a room.
#[async_trait]
pub trait RoomLockManager: Send + Sync {
    /// Waits for the room's lock; released when the guard drops.
    async fn lock(&self, room_id: &str) -> RoomGuard;
}

type LockMap = Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>;

/// The held lock of a room (or a no-op when the lock was already held in this task).
#[must_use = "the lock is released when the guard drops"]
pub struct RoomGuard {
    held: Option<(String, OwnedMutexGuard<()>, LockMap)>,
}

impl std::fmt::Debug for RoomGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoomGuard")
            .field("room", &self.held.as_ref().map(|h| &h.0))
            .finish()
    }
}

impl RoomGuard {
    /// A guard for a lock this task already holds.
    pub fn reentrant() -> Self {
        RoomGuard { held: None }
    }

    /// Whether this guard only re-entered a lock held further up.
    pub fn is_reentrant(&self) -> bool {
        self.held.is_none()
    }
}

impl Drop for RoomGuard {
    fn drop(&mut self) {
        let Some((room_id, guard, map)) = self.held.take() else {
            return;
        };
        let _ = HELD.try_with(|h| {
            let mut h = h.borrow_mut();
            if let Some(at) = h.iter().rposition(|r| *r == room_id) {
                h.remove(at);
            }
        });
        let mutex = Arc::clone(OwnedMutexGuard::mutex(&guard));
        drop(guard);
        let mut locks = map.lock().unwrap_or_else(|p| p.into_inner());
        // Two references left — the map's and ours — means nobody waits: forget the room.
        if Arc::strong_count(&mutex) == 2 {
            locks.remove(&room_id);
        }
    }
}

/// Room locks for a single process.
#[derive(Debug, Default)]
pub struct InMemoryLockManager {
    locks: LockMap,
}

impl InMemoryLockManager {
    /// No room locked.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many rooms are locked or waited for (for tests).
    pub fn active_rooms(&self) -> usize {
        self.locks.lock().map(|l| l.len()).unwrap_or(0)
    }
}

#[async_trait]
impl RoomLockManager for InMemoryLockManager {
    async fn lock(&self, room_id: &str) -> RoomGuard {
        if held(room_id) {
            return RoomGuard::reentrant();
        }
        let mutex = {
            let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(locks.entry(room_id.to_owned()).or_default())
        };
        let guard = mutex.lock_owned().await;
        let _ = HELD.try_with(|h| h.borrow_mut().push(room_id.to_owned()));
        RoomGuard {
            held: Some((room_id.to_owned(), guard, Arc::clone(&self.locks))),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn room_lock_is_reentrant_within_a_lock_scope() {
        let locks = InMemoryLockManager::new();
        lock_scope(async {
            let outer = locks.lock("r").await;
            let inner = tokio::time::timeout(Duration::from_secs(30), locks.lock("r"))
                .await
                .unwrap();
            assert!(inner.is_reentrant());
            assert!(!outer.is_reentrant());
        })
        .await;
        assert_eq!(locks.active_rooms(), 0);
    }

    #[tokio::test]
    async fn another_task_waits_for_the_lock() {
        let locks = Arc::new(InMemoryLockManager::new());
        let guard = lock_scope(locks.lock("r")).await;
        let other = Arc::clone(&locks);
        let waiter = tokio::spawn(lock_scope(async move {
            let _g = other.lock("r").await;
        }));
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        drop(guard);
        tokio::time::timeout(Duration::from_secs(30), waiter)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(locks.active_rooms(), 0);
    }

    #[tokio::test]
    async fn different_rooms_do_not_wait_for_each_other() {
        let locks = InMemoryLockManager::new();
        let _a = lock_scope(locks.lock("a")).await;
        let b = tokio::time::timeout(Duration::from_secs(30), lock_scope(locks.lock("b"))).await;
        assert!(b.is_ok());
    }
}
