//! Retries (SPEC §3): after a failed attempt, retry k (k = 0, 1, 2, …) waits
//! `min(base_delay · exponential_baseᵏ, max_delay)`, less a random share of at most `jitter`
//! of it (so that deliveries failed together do not retry together); at most `max_retries`
//! retries follow the first attempt, and an error that is not retryable is not retried. When
//! the error says how long the service asked to wait (`Retry-After`), the retry waits at least
//! that long (at most [`MAX_RETRY_AFTER`]).
//!
//! Sleeping uses `tokio::time::sleep`, so paused tokio time makes the delays exact in tests.

use std::future::Future;
use std::time::Duration;

use roomkit_model::RetryPolicy;

/// The longest `Retry-After` honoured: a service asking for more is retried after this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Errors that say whether trying again may help.
pub trait Retryable {
    /// Whether another attempt may succeed.
    fn is_retryable(&self) -> bool;

    /// How long the other side asked to wait before trying again, if it said.
    fn retry_after(&self) -> Option<Duration> {
        None
    }
}

/// `delay` less a random share of at most `jitter` (0..=1) of it.
pub fn jittered(delay: Duration, jitter: f64) -> Duration {
    if jitter.is_nan() || jitter <= 0.0 {
        return delay;
    }
    delay.mul_f64(1.0 - jitter.min(1.0) * fastrand::f64())
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
                let planned = jittered(retry_delay(policy, retries_done), policy.jitter);
                let asked = err.retry_after().unwrap_or_default().min(MAX_RETRY_AFTER);
                planned.max(asked)
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
            jitter: 0.0,
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
            jitter: 0.0,
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
            jitter: 0.0,
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

    /// A failure that asks to wait `wait_ms` before the next attempt.
    #[derive(Debug, PartialEq)]
    struct Throttled {
        wait_ms: u64,
    }

    impl Retryable for Throttled {
        fn is_retryable(&self) -> bool {
            true
        }

        fn retry_after(&self) -> Option<Duration> {
            Some(Duration::from_millis(self.wait_ms))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_after_longer_than_the_planned_delay_is_waited_and_a_shorter_one_is_not() {
        let start = Instant::now();
        let at = Arc::new(Mutex::new(Vec::new()));
        let waits = [3_500, 100, 7_200_000];
        let (_, attempts) = with_retry(Some(&policy(3)), || {
            let mut at = at.lock().unwrap();
            at.push(start.elapsed().as_millis());
            let wait_ms = waits.get(at.len() - 1).copied().unwrap_or(0);
            async move { Err::<(), _>(Throttled { wait_ms }) }
        })
        .await;
        assert_eq!(attempts, 4);
        // 3.5 s asked (1 s planned), then 2 s planned (0.1 s asked), then two hours asked:
        // capped at an hour.
        assert_eq!(
            *at.lock().unwrap(),
            vec![0, 3_500, 5_500, 5_500 + 3_600_000]
        );
    }

    #[test]
    fn jitter_takes_at_most_its_share_off_and_varies() {
        let delay = Duration::from_millis(1_000);
        let samples: Vec<Duration> = (0..200).map(|_| jittered(delay, 0.2)).collect();
        assert!(
            samples
                .iter()
                .all(|d| *d <= delay && *d >= Duration::from_millis(800))
        );
        let distinct: std::collections::BTreeSet<_> = samples.iter().collect();
        assert!(
            distinct.len() > 100,
            "{} distinct delays of 200",
            distinct.len()
        );
        assert_eq!(jittered(delay, 0.0), delay);
        assert_eq!(jittered(delay, f64::NAN), delay);
    }

    #[test]
    fn the_default_policy_has_jitter() {
        assert!((RetryPolicy::default().jitter - 0.2).abs() < f64::EPSILON);
        let policy: RetryPolicy = serde_json::from_str(
            r#"{"max_retries":1,"base_delay_seconds":1,"max_delay_seconds":2,"exponential_base":2}"#,
        )
        .unwrap();
        assert!((policy.jitter - 0.2).abs() < f64::EPSILON);
    }
}
