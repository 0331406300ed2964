//! Retries (SPEC §3): after a failed attempt, retry k (k = 0, 1, 2, …) waits
//! `min(base_delay · exponential_baseᵏ, max_delay)`; at most `max_retries` retries follow the
//! first attempt, and an error that is not retryable is not retried.
//!
//! Sleeping uses `tokio::time::sleep`, so paused tokio time makes the delays exact in tests.

use std::future::Future;
use std::time::Duration;

use roomkit_model::RetryPolicy;

/// Errors that say whether trying again may help.
pub trait Retryable {
    /// Whether another attempt may succeed.
    fn is_retryable(&self) -> bool;
}

/// The delay before retry `attempt` (0 for the first retry): `min(base · expᵏ, max)`.
///
/// Degenerate policies never panic: a negative result is zero, a non-finite product is the
/// maximum, and a delay beyond what [`Duration`] holds is [`Duration::MAX`].
pub fn retry_delay(policy: &RetryPolicy, attempt: u32) -> Duration {
    let exponent = i32::try_from(attempt).unwrap_or(i32::MAX);
    let uncapped = policy.base_delay_seconds * policy.exponential_base.powi(exponent);
    let seconds = if uncapped.is_nan() {
        policy.max_delay_seconds
    } else {
        uncapped.min(policy.max_delay_seconds)
    };
    if seconds.is_nan() || seconds <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX)
}

/// Runs `op` until it succeeds, fails with an error that is not retryable, or `max_retries`
/// retries are spent, sleeping [`retry_delay`] between attempts. Returns the last outcome and
/// how many attempts were made (at least 1). Without a policy it tries once.
pub async fn with_retry<F, Fut, T, E>(
    policy: Option<&RetryPolicy>,
    mut op: F,
) -> (Result<T, E>, u32)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Retryable,
{
    let mut attempts: u32 = 0;
    loop {
        attempts = attempts.saturating_add(1);
        let outcome = op().await;
        let retries_done = attempts - 1;
        let delay = match (&outcome, policy) {
            (Err(err), Some(policy)) if err.is_retryable() && retries_done < policy.max_retries => {
                retry_delay(policy, retries_done)
            }
            _ => return (outcome, attempts),
        };
        tokio::time::sleep(delay).await;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tokio::time::Instant;

    #[derive(Debug, PartialEq)]
    struct Failure {
        retryable: bool,
        attempt: u32,
    }

    impl Retryable for Failure {
        fn is_retryable(&self) -> bool {
            self.retryable
        }
    }

    fn policy(max_retries: u32) -> RetryPolicy {
        RetryPolicy {
            max_retries,
            base_delay_seconds: 1.0,
            max_delay_seconds: 5.0,
            exponential_base: 2.0,
        }
    }

    /// Runs `with_retry` where attempt n (1-based) yields `outcome(n)`; returns the outcome,
    /// the attempt count and the elapsed time at each attempt (paused time, in ms).
    async fn run(
        policy: Option<&RetryPolicy>,
        outcome: impl Fn(u32) -> Result<u32, Failure>,
    ) -> (Result<u32, Failure>, u32, Vec<u128>) {
        let start = Instant::now();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let (result, attempts) = with_retry(policy, || {
            let mut calls = calls.lock().unwrap();
            calls.push(start.elapsed().as_millis());
            let result = outcome(u32::try_from(calls.len()).unwrap());
            async move { result }
        })
        .await;
        let calls = calls.lock().unwrap().clone();
        (result, attempts, calls)
    }

    fn always_failing(attempt: u32) -> Result<u32, Failure> {
        Err(Failure {
            retryable: true,
            attempt,
        })
    }

    #[test]
    fn delays_grow_exponentially_up_to_the_maximum() {
        let delays: Vec<Duration> = (0..5).map(|k| retry_delay(&policy(5), k)).collect();
        let secs = |s: &[u64]| {
            s.iter()
                .map(|s| Duration::from_secs(*s))
                .collect::<Vec<_>>()
        };
        assert_eq!(delays, secs(&[1, 2, 4, 5, 5]));
    }

    #[test]
    fn the_default_policy_doubles_from_one_second_up_to_a_minute() {
        let policy = RetryPolicy::default();
        let delays: Vec<u64> = [0, 1, 2, 5, 6, 40]
            .iter()
            .map(|k| retry_delay(&policy, *k).as_secs())
            .collect();
        assert_eq!(delays, vec![1, 2, 4, 32, 60, 60]);
    }

    #[test]
    fn fractional_delays_keep_their_milliseconds() {
        let policy = RetryPolicy {
            max_retries: 3,
            base_delay_seconds: 0.25,
            max_delay_seconds: 1.5,
            exponential_base: 3.0,
        };
        let delays: Vec<u128> = (0..4)
            .map(|k| retry_delay(&policy, k).as_millis())
            .collect();
        assert_eq!(delays, vec![250, 750, 1500, 1500]);
    }

    #[test]
    fn degenerate_policies_never_panic() {
        let odd = |base: f64, max: f64, exp: f64| RetryPolicy {
            max_retries: 1,
            base_delay_seconds: base,
            max_delay_seconds: max,
            exponential_base: exp,
        };
        assert_eq!(retry_delay(&odd(-1.0, 5.0, 2.0), 0), Duration::ZERO);
        assert_eq!(
            retry_delay(&odd(1.0, f64::NAN, 2.0), 0),
            Duration::from_secs(1)
        );
        assert_eq!(
            retry_delay(&odd(f64::NAN, 7.0, 2.0), 3),
            Duration::from_secs(7)
        );
        assert_eq!(retry_delay(&odd(1.0, 1e300, 10.0), 400), Duration::MAX);
        assert_eq!(
            retry_delay(&odd(1.0, 9.0, 2.0), u32::MAX),
            Duration::from_secs(9)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn retries_sleep_exactly_the_computed_delays_between_attempts() {
        let (outcome, attempts, at) = run(Some(&policy(5)), always_failing).await;
        assert_eq!(
            outcome,
            Err(Failure {
                retryable: true,
                attempt: 6
            })
        );
        assert_eq!(attempts, 6, "the first attempt and five retries");
        assert_eq!(at, vec![0, 1_000, 3_000, 7_000, 12_000, 17_000]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_non_retryable_error_is_not_retried() {
        let (outcome, attempts, at) = run(Some(&policy(3)), |attempt| {
            Err(Failure {
                retryable: false,
                attempt,
            })
        })
        .await;
        assert_eq!(outcome.unwrap_err().attempt, 1);
        assert_eq!((attempts, at), (1, vec![0]));
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_policy_only_one_attempt_is_made() {
        let (outcome, attempts, at) = run(None, always_failing).await;
        assert!(outcome.is_err());
        assert_eq!((attempts, at), (1, vec![0]));
    }

    #[tokio::test(start_paused = true)]
    async fn zero_max_retries_means_one_attempt() {
        let (_, attempts, at) = run(Some(&policy(0)), always_failing).await;
        assert_eq!((attempts, at), (1, vec![0]));
    }

    #[tokio::test(start_paused = true)]
    async fn a_success_after_failures_stops_retrying_and_counts_every_attempt() {
        let (outcome, attempts, at) = run(Some(&policy(5)), |attempt| {
            if attempt < 3 {
                always_failing(attempt)
            } else {
                Ok(attempt * 10)
            }
        })
        .await;
        assert_eq!(outcome, Ok(30));
        assert_eq!(attempts, 3);
        assert_eq!(at, vec![0, 1_000, 3_000]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_retryable_error_followed_by_a_permanent_one_stops_there() {
        let (outcome, attempts, _) = run(Some(&policy(5)), |attempt| {
            Err(Failure {
                retryable: attempt == 1,
                attempt,
            })
        })
        .await;
        assert_eq!(outcome.unwrap_err().attempt, 2);
        assert_eq!(attempts, 2);
    }
}
