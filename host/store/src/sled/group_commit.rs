//! Group commit: writers register after their write and wait; one flusher thread flushes for
//! everyone who registered before the flush began. Concurrent writers share flushes, so the
//! flush cost is paid once per batch instead of once per write.
//!
//! Like PostgreSQL's `commit_delay`, the flusher waits briefly for stragglers when the previous
//! flush served several writers: it gathers until as many are waiting as last time, or until
//! [`MAX_GATHER`] has passed. A lone writer never waits.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::{Error, Result};

type Waiter = oneshot::Sender<Result<(), String>>;

/// The longest the flusher waits for more writers to join a flush.
pub(crate) const MAX_GATHER: Duration = Duration::from_millis(1);

#[derive(Debug)]
pub(crate) struct GroupCommit {
    shared: Arc<Shared>,
    flusher: Mutex<Option<JoinHandle<()>>>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    db: sled::Db,
}

#[derive(Debug, Default)]
struct State {
    waiters: Vec<Waiter>,
    shutdown: bool,
    flushes: u64,
    /// How many writers the previous flush served: how many to gather for the next one.
    target: usize,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl GroupCommit {
    pub(crate) fn start(db: sled::Db) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            db,
        });
        let for_thread = Arc::clone(&shared);
        let flusher = std::thread::Builder::new()
            .name("roomkit-group-commit".into())
            .spawn(move || run(&for_thread))?;
        Ok(GroupCommit {
            shared,
            flusher: Mutex::new(Some(flusher)),
        })
    }

    /// Resolves once everything written before the call is on disk.
    pub(crate) async fn durable(&self) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        let wake = {
            let mut state = self.shared.state();
            if state.shutdown {
                return Err(Error::Closed);
            }
            state.waiters.push(tx);
            state.waiters.len() == 1 || state.waiters.len() >= state.target
        };
        if wake {
            self.shared.wake.notify_one();
        }
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(reason)) => Err(Error::Backend(reason)),
            Err(_) => Err(Error::Closed),
        }
    }

    /// How many flushes have completed.
    pub(crate) fn flushes(&self) -> u64 {
        self.shared.state().flushes
    }

    /// Flushes what is pending and stops the flusher thread.
    pub(crate) fn stop(&self) {
        self.shared.state().shutdown = true;
        self.shared.wake.notify_one();
        let handle = self
            .flusher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(shared: &Shared) {
    let mut state = shared.state();
    loop {
        while state.waiters.is_empty() && !state.shutdown {
            state = shared.wake.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        if state.waiters.is_empty() {
            return; // shut down with nothing pending
        }
        if state.target > 1 {
            let deadline = Instant::now() + MAX_GATHER;
            while state.waiters.len() < state.target && !state.shutdown {
                let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                    break;
                };
                state = shared
                    .wake
                    .wait_timeout(state, left)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
        }
        let batch = std::mem::take(&mut state.waiters);
        state.target = batch.len();
        drop(state);
        let outcome = shared.db.flush().map(|_| ()).map_err(|e| e.to_string());
        if let Err(reason) = &outcome {
            tracing::error!(%reason, "group commit flush failed");
        }
        for waiter in batch {
            let _ = waiter.send(outcome.clone());
        }
        state = shared.state();
        state.flushes += 1;
    }
}
