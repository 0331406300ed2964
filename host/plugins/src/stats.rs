//! A plugin's call counters, and the guard that counts one call.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use serde::Serialize;

/// Counters of a plugin's calls (of one loaded version).
#[derive(Debug, Default)]
pub struct PluginStats {
    /// Calls made.
    pub calls: AtomicU64,
    /// Calls that failed (trap, limit, returned error, host error).
    pub failures: AtomicU64,
    /// Instances created.
    pub instantiations: AtomicU64,
    /// Time spent in calls, in microseconds.
    pub call_micros: AtomicU64,
    /// Outbound HTTP requests the plugin made to allowed hosts.
    pub http_requests: AtomicU64,
    /// Outbound HTTP requests refused because the host is not in `allowed_hosts`.
    pub http_denied: AtomicU64,
    /// Calls refused without entering the plugin because it was suspended.
    pub suspended: AtomicU64,
    /// Log lines (from `log`, stdout or stderr) dropped because its log budget was spent.
    pub log_dropped: AtomicU64,
}

/// A copy of a plugin's counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct StatsSnapshot {
    /// Calls made.
    pub calls: u64,
    /// Calls that failed.
    pub failures: u64,
    /// Instances created.
    pub instantiations: u64,
    /// Warm instances waiting in the pool now.
    pub warm_instances: u64,
    /// Time spent in calls, in microseconds.
    pub call_micros: u64,
    /// Outbound HTTP requests to allowed hosts.
    pub http_requests: u64,
    /// Outbound HTTP requests refused.
    pub http_denied: u64,
    /// Calls refused while the plugin was suspended (they did not enter it).
    pub suspended_calls: u64,
    /// How long its circuit breaker still suspends it, in milliseconds (0: not suspended).
    pub suspended_ms: u64,
    /// Log lines dropped over its log budget.
    pub log_dropped: u64,
    /// Keys in its key-value space.
    pub kv_keys: u64,
    /// Bytes of keys and values in its key-value space.
    pub kv_bytes: u64,
}

impl PluginStats {
    /// The counters now; the pool, the breaker and the key-value space fill in what they know.
    pub(crate) fn snapshot(&self, warm_instances: u64, suspended_ms: u64) -> StatsSnapshot {
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            calls: load(&self.calls),
            failures: load(&self.failures),
            instantiations: load(&self.instantiations),
            warm_instances,
            call_micros: load(&self.call_micros),
            http_requests: load(&self.http_requests),
            http_denied: load(&self.http_denied),
            suspended_calls: load(&self.suspended),
            suspended_ms,
            log_dropped: load(&self.log_dropped),
            kv_keys: 0,
            kv_bytes: 0,
        }
    }
}

/// Counts one call in a plugin's stats, as failed unless [`finish`](Counted::finish) says
/// otherwise: a call abandoned by its caller (its future dropped) is a failure too.
pub(crate) struct Counted<'a> {
    stats: &'a PluginStats,
    started: Instant,
    finished: bool,
}

impl<'a> Counted<'a> {
    pub(crate) fn start(stats: &'a PluginStats) -> Self {
        stats.calls.fetch_add(1, Ordering::Relaxed);
        Counted {
            stats,
            started: Instant::now(),
            finished: false,
        }
    }

    pub(crate) fn finish(&mut self, ok: bool) {
        self.finished = true;
        self.record(ok);
    }

    fn record(&self, ok: bool) {
        let micros = u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.stats.call_micros.fetch_add(micros, Ordering::Relaxed);
        if !ok {
            self.stats.failures.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.record(false);
        }
    }
}
