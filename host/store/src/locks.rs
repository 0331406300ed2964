//! Striped per-room locks: commits and read-modify-writes of one room run one at a time, so
//! index assignment never races, while rooms on other stripes proceed in parallel. The locks are
//! only held for synchronous work, never across an `.await`.

use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Mutex, MutexGuard};

const STRIPES: usize = 256;

#[derive(Debug)]
pub(crate) struct RoomLocks {
    stripes: Vec<Mutex<()>>,
    hasher: std::collections::hash_map::RandomState,
}

impl RoomLocks {
    pub(crate) fn new() -> Self {
        RoomLocks {
            stripes: (0..STRIPES).map(|_| Mutex::new(())).collect(),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }

    pub(crate) fn lock(&self, room_id: &str) -> MutexGuard<'_, ()> {
        let mut hasher = self.hasher.build_hasher();
        room_id.hash(&mut hasher);
        let stripe = (hasher.finish() as usize) % STRIPES;
        // A poisoned stripe only means another thread panicked while holding it; the data it
        // guards lives in the database, so carrying on is safe.
        self.stripes[stripe]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
