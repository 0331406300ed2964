//! A circuit breaker per channel: 5 consecutive failures open it; after 60 s one half-open
//! probe is let through; its success closes the breaker, its failure opens it again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// Failures in a row that open a breaker.
pub const FAILURE_THRESHOLD: u32 = 5;
/// How long an open breaker refuses before it lets a probe through.
pub const RECOVERY_TIMEOUT: Duration = Duration::from_secs(60);

/// Whether a delivery may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Closed: deliver.
    Allowed,
    /// Half-open: this delivery is the probe.
    Probe,
    /// Open: do not deliver.
    Refused,
}

/// A change of state the caller reports as a framework event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// circuit_breaker_opened
    Opened,
    /// circuit_breaker_closed
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed { failures: u32 },
    Open { since: Instant },
    HalfOpen,
}

/// One channel's breaker.
#[derive(Debug)]
pub struct CircuitBreaker {
    state: Mutex<State>,
    threshold: u32,
    recovery: Duration,
}

impl Default for CircuitBreaker {
    fn default() -> Self {
        Self::new(FAILURE_THRESHOLD, RECOVERY_TIMEOUT)
    }
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(threshold: u32, recovery: Duration) -> Self {
        CircuitBreaker {
            state: Mutex::new(State::Closed { failures: 0 }),
            threshold: threshold.max(1),
            recovery,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks to deliver now.
    pub fn allow(&self) -> Admission {
        let mut state = self.state();
        match *state {
            State::Closed { .. } => Admission::Allowed,
            State::Open { since } if since.elapsed() >= self.recovery => {
                *state = State::HalfOpen;
                Admission::Probe
            }
            State::Open { .. } | State::HalfOpen => Admission::Refused,
        }
    }

    /// Reports a delivery that worked.
    pub fn record_success(&self) -> Option<Transition> {
        let mut state = self.state();
        let was_closed = matches!(*state, State::Closed { .. });
        *state = State::Closed { failures: 0 };
        (!was_closed).then_some(Transition::Closed)
    }

    /// Reports a delivery that failed.
    pub fn record_failure(&self) -> Option<Transition> {
        let mut state = self.state();
        match *state {
            State::Closed { failures } if failures + 1 >= self.threshold => {
                *state = State::Open {
                    since: Instant::now(),
                };
                Some(Transition::Opened)
            }
            State::Closed { failures } => {
                *state = State::Closed {
                    failures: failures + 1,
                };
                None
            }
            State::HalfOpen => {
                *state = State::Open {
                    since: Instant::now(),
                };
                Some(Transition::Opened)
            }
            State::Open { .. } => None,
        }
    }
}

/// Breakers by channel id, created on first use.
#[derive(Debug, Default)]
pub struct CircuitBreakers {
    breakers: Mutex<HashMap<String, Arc<CircuitBreaker>>>,
}

impl CircuitBreakers {
    /// The breaker of a channel.
    pub fn get(&self, channel_id: &str) -> Arc<CircuitBreaker> {
        let mut breakers = self.breakers.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(breakers.entry(channel_id.to_owned()).or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn circuit_breaker_opens_then_probes_once_then_closes() {
        let breaker = CircuitBreaker::default();
        for _ in 0..4 {
            assert_eq!(breaker.allow(), Admission::Allowed);
            assert_eq!(breaker.record_failure(), None);
        }
        assert_eq!(breaker.record_failure(), Some(Transition::Opened));
        assert_eq!(breaker.allow(), Admission::Refused);
        tokio::time::advance(Duration::from_secs(59)).await;
        assert_eq!(breaker.allow(), Admission::Refused);
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(breaker.allow(), Admission::Probe);
        assert_eq!(breaker.allow(), Admission::Refused, "only one probe");
        assert_eq!(breaker.record_success(), Some(Transition::Closed));
        assert_eq!(breaker.allow(), Admission::Allowed);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_probe_opens_again_and_a_success_resets_the_count() {
        let breaker = CircuitBreaker::new(2, Duration::from_secs(10));
        breaker.record_failure();
        assert_eq!(breaker.record_success(), None);
        assert_eq!(breaker.record_failure(), None, "count was reset");
        assert_eq!(breaker.record_failure(), Some(Transition::Opened));
        tokio::time::advance(Duration::from_secs(10)).await;
        assert_eq!(breaker.allow(), Admission::Probe);
        assert_eq!(breaker.record_failure(), Some(Transition::Opened));
        assert_eq!(breaker.allow(), Admission::Refused);
    }
}
