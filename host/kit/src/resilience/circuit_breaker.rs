//! A circuit breaker per channel (SPEC §3): `failure_threshold` (5) consecutive failed
//! deliveries open it; after `recovery_timeout` (60 s) exactly one half-open probe is let
//! through while every other delivery is refused; the probe's success closes the breaker and
//! its failure opens it again for another `recovery_timeout`.
//!
//! Time is [`tokio::time::Instant`], so tests drive it with `tokio::time::pause()`; the `_at`
//! variants take the instant explicitly. A probe that never reports back (its delivery was
//! cancelled) does not wedge the breaker: once `recovery_timeout` has passed since the probe
//! was granted, the next caller becomes a new probe.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

/// Failures in a row that open a breaker, by default.
pub const DEFAULT_FAILURE_THRESHOLD: u32 = 5;
/// How long an open breaker refuses before it lets a probe through, by default.
pub const DEFAULT_RECOVERY_TIMEOUT: Duration = Duration::from_secs(60);

/// Whether a delivery may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Closed: deliver.
    Allowed,
    /// Half-open: deliver; this delivery is the probe whose outcome decides the state.
    Probe,
    /// Open, or half-open with a probe outstanding: do not deliver (`circuit_breaker_open`).
    Refused,
}

impl Admission {
    /// Whether the delivery may go ahead (allowed or probe).
    pub fn is_allowed(self) -> bool {
        !matches!(self, Admission::Refused)
    }
}

/// A change of state the caller reports as a framework event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The breaker opened: emit `circuit_breaker_opened`.
    Opened,
    /// The breaker closed: emit `circuit_breaker_closed`.
    Closed,
}

/// The observable state of a breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    /// Deliveries go ahead.
    Closed,
    /// Deliveries are refused (the recovery timeout may have passed; the next
    /// [`CircuitBreaker::allow`] then turns it half-open).
    Open,
    /// One probe is out; everything else is refused until it reports.
    HalfOpen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed { failures: u32 },
    Open { since: Instant },
    HalfOpen { probe_since: Instant },
}

/// One channel's breaker; thread-safe behind `&self`.
#[derive(Debug)]
pub struct CircuitBreaker {
    state: Mutex<State>,
    failure_threshold: u32,
    recovery_timeout: Duration,
}

impl Default for CircuitBreaker {
    fn default() -> Self {
        Self::new(DEFAULT_FAILURE_THRESHOLD, DEFAULT_RECOVERY_TIMEOUT)
    }
}

impl CircuitBreaker {
    /// A closed breaker that opens after `failure_threshold` consecutive failures (at least 1)
    /// and probes `recovery_timeout` after opening.
    pub fn new(failure_threshold: u32, recovery_timeout: Duration) -> Self {
        CircuitBreaker {
            state: Mutex::new(State::Closed { failures: 0 }),
            failure_threshold: failure_threshold.max(1),
            recovery_timeout,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The failures in a row that open it.
    pub fn failure_threshold(&self) -> u32 {
        self.failure_threshold
    }

    /// How long it stays open before a probe.
    pub fn recovery_timeout(&self) -> Duration {
        self.recovery_timeout
    }

    /// Its current state.
    pub fn state(&self) -> CircuitState {
        match *self.lock() {
            State::Closed { .. } => CircuitState::Closed,
            State::Open { .. } => CircuitState::Open,
            State::HalfOpen { .. } => CircuitState::HalfOpen,
        }
    }

    /// Consecutive failures counted while closed (0 when open or half-open).
    pub fn consecutive_failures(&self) -> u32 {
        match *self.lock() {
            State::Closed { failures } => failures,
            State::Open { .. } | State::HalfOpen { .. } => 0,
        }
    }

    /// Asks to deliver now; see [`allow_at`](Self::allow_at).
    pub fn allow(&self) -> Admission {
        self.allow_at(Instant::now())
    }

    /// Asks to deliver at `now`: closed → allowed; open → refused until `recovery_timeout`
    /// has passed since opening, then exactly one caller gets [`Admission::Probe`] and the
    /// others are refused until the probe reports (or `recovery_timeout` passes again).
    pub fn allow_at(&self, now: Instant) -> Admission {
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => Admission::Allowed,
            State::Open { since } | State::HalfOpen { probe_since: since }
                if now.saturating_duration_since(since) >= self.recovery_timeout =>
            {
                *state = State::HalfOpen { probe_since: now };
                Admission::Probe
            }
            State::Open { .. } | State::HalfOpen { .. } => Admission::Refused,
        }
    }

    /// Reports a delivery that worked: the failure count resets, and an open or half-open
    /// breaker closes (returning [`Transition::Closed`]).
    pub fn record_success(&self) -> Option<Transition> {
        let mut state = self.lock();
        let was_closed = matches!(*state, State::Closed { .. });
        *state = State::Closed { failures: 0 };
        (!was_closed).then_some(Transition::Closed)
    }

    /// Reports a delivery that failed now; see [`record_failure_at`](Self::record_failure_at).
    pub fn record_failure(&self) -> Option<Transition> {
        self.record_failure_at(Instant::now())
    }

    /// Reports a delivery that failed at `now`: the `failure_threshold`-th consecutive failure
    /// opens a closed breaker and a failed probe re-opens a half-open one (both returning
    /// [`Transition::Opened`]); a failure while already open changes nothing.
    pub fn record_failure_at(&self, now: Instant) -> Option<Transition> {
        let mut state = self.lock();
        match *state {
            State::Closed { failures } if failures + 1 >= self.failure_threshold => {
                *state = State::Open { since: now };
                Some(Transition::Opened)
            }
            State::Closed { failures } => {
                *state = State::Closed {
                    failures: failures + 1,
                };
                None
            }
            State::HalfOpen { .. } => {
                *state = State::Open { since: now };
                Some(Transition::Opened)
            }
            State::Open { .. } => None,
        }
    }
}

/// Breakers by channel id, created on first use with the registry's settings.
#[derive(Debug)]
pub struct CircuitBreakers {
    breakers: Mutex<HashMap<String, Arc<CircuitBreaker>>>,
    failure_threshold: u32,
    recovery_timeout: Duration,
}

impl Default for CircuitBreakers {
    fn default() -> Self {
        Self::with_settings(DEFAULT_FAILURE_THRESHOLD, DEFAULT_RECOVERY_TIMEOUT)
    }
}

impl CircuitBreakers {
    /// A registry whose breakers open after `failure_threshold` failures and probe after
    /// `recovery_timeout`.
    pub fn with_settings(failure_threshold: u32, recovery_timeout: Duration) -> Self {
        CircuitBreakers {
            breakers: Mutex::new(HashMap::new()),
            failure_threshold,
            recovery_timeout,
        }
    }

    /// The breaker of a channel, created closed the first time it is asked for.
    pub fn get(&self, channel_id: &str) -> Arc<CircuitBreaker> {
        let mut breakers = self.breakers.lock().unwrap_or_else(|p| p.into_inner());
        let breaker = breakers.entry(channel_id.to_owned()).or_insert_with(|| {
            Arc::new(CircuitBreaker::new(
                self.failure_threshold,
                self.recovery_timeout,
            ))
        });
        Arc::clone(breaker)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn fail_times(breaker: &CircuitBreaker, times: u32) -> Vec<Option<Transition>> {
        (0..times).map(|_| breaker.record_failure()).collect()
    }

    #[test]
    fn a_new_breaker_is_closed_and_allows_with_the_default_settings() {
        let breaker = CircuitBreaker::default();
        assert_eq!(breaker.state(), CircuitState::Closed);
        assert_eq!(breaker.allow(), Admission::Allowed);
        assert_eq!(breaker.failure_threshold(), 5);
        assert_eq!(breaker.recovery_timeout(), Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn five_consecutive_failures_open_the_breaker_once() {
        let breaker = CircuitBreaker::default();
        assert_eq!(fail_times(&breaker, 4), vec![None; 4]);
        assert_eq!(breaker.consecutive_failures(), 4);
        assert_eq!(breaker.allow(), Admission::Allowed);
        assert_eq!(breaker.record_failure(), Some(Transition::Opened));
        assert_eq!(breaker.state(), CircuitState::Open);
        assert_eq!(breaker.allow(), Admission::Refused);
        assert_eq!(breaker.record_failure(), None, "already open");
    }

    #[tokio::test(start_paused = true)]
    async fn a_success_resets_the_failure_count() {
        let breaker = CircuitBreaker::default();
        fail_times(&breaker, 4);
        assert_eq!(breaker.record_success(), None, "closed stays closed");
        assert_eq!(breaker.consecutive_failures(), 0);
        assert_eq!(fail_times(&breaker, 4), vec![None; 4]);
        assert_eq!(breaker.state(), CircuitState::Closed);
    }

    #[tokio::test(start_paused = true)]
    async fn an_open_breaker_refuses_until_the_recovery_timeout_then_probes_once() {
        let breaker = CircuitBreaker::default();
        fail_times(&breaker, 5);
        tokio::time::advance(Duration::from_millis(59_999)).await;
        assert_eq!(breaker.allow(), Admission::Refused);
        tokio::time::advance(Duration::from_millis(1)).await;
        assert_eq!(breaker.allow(), Admission::Probe);
        assert_eq!(breaker.state(), CircuitState::HalfOpen);
        assert_eq!(breaker.allow(), Admission::Refused, "only one probe");
        assert_eq!(breaker.allow(), Admission::Refused);
    }

    #[tokio::test(start_paused = true)]
    async fn a_successful_probe_closes_the_breaker() {
        let breaker = CircuitBreaker::default();
        fail_times(&breaker, 5);
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(breaker.allow(), Admission::Probe);
        assert_eq!(breaker.record_success(), Some(Transition::Closed));
        assert_eq!(breaker.state(), CircuitState::Closed);
        assert_eq!(breaker.allow(), Admission::Allowed);
        assert_eq!(fail_times(&breaker, 4), vec![None; 4], "count starts over");
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_probe_reopens_for_another_recovery_timeout() {
        let breaker = CircuitBreaker::new(2, Duration::from_secs(10));
        assert_eq!(
            fail_times(&breaker, 2),
            vec![None, Some(Transition::Opened)]
        );
        tokio::time::advance(Duration::from_secs(10)).await;
        assert_eq!(breaker.allow(), Admission::Probe);
        assert_eq!(breaker.record_failure(), Some(Transition::Opened));
        assert_eq!(breaker.state(), CircuitState::Open);
        tokio::time::advance(Duration::from_secs(9)).await;
        assert_eq!(breaker.allow(), Admission::Refused);
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(breaker.allow(), Admission::Probe);
    }

    #[test]
    fn a_probe_that_never_reports_is_replaced_after_the_recovery_timeout() {
        let breaker = CircuitBreaker::new(1, Duration::from_secs(10));
        let start = Instant::now();
        assert_eq!(breaker.record_failure_at(start), Some(Transition::Opened));
        let probe_at = start + Duration::from_secs(10);
        assert_eq!(breaker.allow_at(probe_at), Admission::Probe);
        assert_eq!(
            breaker.allow_at(probe_at + Duration::from_secs(9)),
            Admission::Refused
        );
        assert_eq!(
            breaker.allow_at(probe_at + Duration::from_secs(10)),
            Admission::Probe
        );
    }

    #[test]
    fn a_success_while_open_closes_the_breaker() {
        let breaker = CircuitBreaker::new(1, Duration::from_secs(60));
        assert_eq!(breaker.record_failure(), Some(Transition::Opened));
        assert_eq!(breaker.record_success(), Some(Transition::Closed));
        assert_eq!(breaker.allow(), Admission::Allowed);
    }

    #[test]
    fn a_zero_threshold_behaves_as_one() {
        let breaker = CircuitBreaker::new(0, Duration::from_secs(1));
        assert_eq!(breaker.failure_threshold(), 1);
        assert_eq!(breaker.record_failure(), Some(Transition::Opened));
    }

    #[test]
    fn admission_tells_whether_to_deliver() {
        assert!(Admission::Allowed.is_allowed());
        assert!(Admission::Probe.is_allowed());
        assert!(!Admission::Refused.is_allowed());
    }

    #[test]
    fn concurrent_callers_after_recovery_get_exactly_one_probe() {
        let breaker = Arc::new(CircuitBreaker::new(1, Duration::from_secs(10)));
        let start = Instant::now();
        breaker.record_failure_at(start);
        let later = start + Duration::from_secs(10);
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let breaker = Arc::clone(&breaker);
                std::thread::spawn(move || breaker.allow_at(later))
            })
            .collect();
        let admissions: Vec<Admission> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let probes = admissions
            .iter()
            .filter(|a| **a == Admission::Probe)
            .count();
        let refused = admissions
            .iter()
            .filter(|a| **a == Admission::Refused)
            .count();
        assert_eq!((probes, refused), (1, 15));
    }

    #[test]
    fn the_registry_keeps_one_breaker_per_channel_with_its_settings() {
        let breakers = CircuitBreakers::with_settings(2, Duration::from_secs(5));
        let sms = breakers.get("sms");
        assert!(Arc::ptr_eq(&sms, &breakers.get("sms")));
        assert!(!Arc::ptr_eq(&sms, &breakers.get("email")));
        assert_eq!(sms.failure_threshold(), 2);
        assert_eq!(sms.recovery_timeout(), Duration::from_secs(5));
        sms.record_failure();
        sms.record_failure();
        assert_eq!(breakers.get("sms").state(), CircuitState::Open);
        assert_eq!(breakers.get("email").state(), CircuitState::Closed);
        assert_eq!(CircuitBreakers::default().get("x").failure_threshold(), 5);
    }
}
