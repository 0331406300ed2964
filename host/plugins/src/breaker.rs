//! A circuit breaker per loaded plugin version: after `breaker_threshold` calls in a row that
//! trapped, hit a limit or ran past their deadline, the plugin is suspended for
//! `breaker_cooldown_ms`: calls fail at once with `suspended`, without entering the guest, and
//! the caller applies its fail policy. When the cool-down is over, calls go in again; the
//! first one that fails suspends it again at once, the first one that ends normally closes
//! the breaker. A reload makes a new version with a closed breaker.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::CallFailure;

#[derive(Debug, Default)]
struct State {
    /// Failures in a row since the last normal end.
    consecutive: u32,
    /// While suspended: until when, and how many failures opened it.
    open: Option<(Instant, u32)>,
}

/// One plugin version's breaker.
#[derive(Debug)]
pub(crate) struct Breaker {
    /// 0: never suspend.
    threshold: u32,
    cooldown: Duration,
    state: Mutex<State>,
}

/// A failure that speaks of the plugin's health: the guest trapped, used up a limit or did not
/// finish in time. An error the plugin returns, a host error and a cancellation do not count.
fn counts(failure: &CallFailure) -> bool {
    matches!(
        failure,
        CallFailure::OutOfFuel(_)
            | CallFailure::Deadline(_)
            | CallFailure::Memory(_)
            | CallFailure::Trap(_)
    )
}

impl Breaker {
    pub(crate) fn new(threshold: u32, cooldown: Duration) -> Self {
        Breaker {
            threshold,
            cooldown,
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a call may enter the plugin now; `Suspended` when it may not.
    pub(crate) fn admit(&self) -> Result<(), CallFailure> {
        let mut state = self.lock();
        let Some((until, failures)) = state.open else {
            return Ok(());
        };
        let now = Instant::now();
        if now < until {
            return Err(CallFailure::Suspended {
                failures,
                remaining_ms: u64::try_from((until - now).as_millis())
                    .unwrap_or(u64::MAX)
                    .max(1),
            });
        }
        // Cool-down over: calls go in, and one more failure suspends it again.
        state.open = None;
        state.consecutive = self.threshold.saturating_sub(1);
        Ok(())
    }

    /// Records how a call that entered the plugin ended. Returns the number of failures in a
    /// row when this one suspended the plugin (for the one warning per suspension).
    pub(crate) fn record(&self, outcome: Result<(), &CallFailure>) -> Option<u32> {
        if self.threshold == 0 {
            return None;
        }
        let mut state = self.lock();
        match outcome {
            Err(failure) if counts(failure) => {
                state.consecutive = state.consecutive.saturating_add(1);
                if state.consecutive >= self.threshold && state.open.is_none() {
                    let failures = state.consecutive;
                    state.open = Some((Instant::now() + self.cooldown, failures));
                    return Some(failures);
                }
                None
            }
            Err(_) => None,
            Ok(()) => {
                state.consecutive = 0;
                None
            }
        }
    }

    /// While suspended: how long it still lasts, and the failures that opened it.
    pub(crate) fn suspended(&self) -> Option<(Duration, u32)> {
        let state = self.lock();
        let (until, failures) = state.open?;
        let remaining = until.checked_duration_since(Instant::now())?;
        Some((remaining, failures))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEADLINE: CallFailure = CallFailure::Deadline(100);

    #[test]
    fn consecutive_failures_open_it_and_a_normal_end_in_between_starts_over() {
        let breaker = Breaker::new(3, Duration::from_secs(3600));
        assert_eq!(breaker.record(Err(&DEADLINE)), None);
        assert_eq!(breaker.record(Err(&DEADLINE)), None);
        assert_eq!(breaker.record(Ok(())), None);
        assert_eq!(breaker.record(Err(&CallFailure::Trap("x".into()))), None);
        assert_eq!(breaker.record(Err(&DEADLINE)), None);
        assert!(breaker.admit().is_ok());
        assert_eq!(breaker.record(Err(&DEADLINE)), Some(3));
        match breaker.admit() {
            Err(CallFailure::Suspended {
                failures: 3,
                remaining_ms,
            }) => assert!(remaining_ms > 0),
            other => panic!("{other:?}"),
        }
        assert_eq!(breaker.suspended().map(|(_, n)| n), Some(3));
    }

    #[test]
    fn returned_errors_host_errors_and_cancellations_do_not_count() {
        let breaker = Breaker::new(1, Duration::from_secs(3600));
        for failure in [
            CallFailure::Returned("no".into()),
            CallFailure::Host("store".into()),
            CallFailure::Cancelled,
        ] {
            assert_eq!(breaker.record(Err(&failure)), None);
            assert!(breaker.admit().is_ok());
        }
        assert_eq!(breaker.record(Err(&CallFailure::OutOfFuel(5))), Some(1));
        assert!(breaker.admit().is_err());
    }

    #[test]
    fn after_the_cool_down_one_failure_suspends_it_again_and_a_success_closes_it() {
        let breaker = Breaker::new(2, Duration::ZERO);
        breaker.record(Err(&DEADLINE));
        assert_eq!(breaker.record(Err(&DEADLINE)), Some(2));
        // A zero cool-down is over at once.
        assert!(breaker.admit().is_ok());
        assert_eq!(breaker.record(Err(&DEADLINE)), Some(2));
        assert!(breaker.admit().is_ok());
        assert_eq!(breaker.record(Ok(())), None);
        assert_eq!(
            breaker.record(Err(&DEADLINE)),
            None,
            "closed: it starts over"
        );
    }

    #[test]
    fn a_threshold_of_zero_never_suspends() {
        let breaker = Breaker::new(0, Duration::from_secs(3600));
        for _ in 0..10 {
            assert_eq!(breaker.record(Err(&DEADLINE)), None);
        }
        assert!(breaker.admit().is_ok());
        assert!(breaker.suspended().is_none());
    }
}
