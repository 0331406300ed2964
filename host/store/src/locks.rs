//! Striped per-room locks: commits and read-modify-writes of one room run one at a time, so
//! index assignment never races, while rooms on other stripes proceed in parallel. Each stripe
//! guards a value (the sled backend keeps its per-room counters there). The locks are only held
//! for synchronous work, never across an `.await`.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::{Mutex, MutexGuard};

const STRIPES: usize = 256;

#[derive(Debug)]
pub(crate) struct Striped<T> {
    stripes: Vec<Mutex<T>>,
    hasher: RandomState,
}

impl<T: Default> Striped<T> {
    pub(crate) fn new() -> Self {
        Striped {
            stripes: (0..STRIPES).map(|_| Mutex::new(T::default())).collect(),
            hasher: RandomState::new(),
        }
    }

    /// Locks the stripe of `room_id`.
    pub(crate) fn lock(&self, room_id: &str) -> MutexGuard<'_, T> {
        let stripe = (self.hasher.hash_one(room_id) as usize) % STRIPES;
        // A poisoned stripe only means another thread panicked while holding it; the data it
        // guards is a cache of what is on disk, so carrying on is safe.
        self.stripes[stripe]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
