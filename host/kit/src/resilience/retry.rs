//! Retries (SPEC §3): delay k = min(base · exponential_baseᵏ, max); non-retryable errors are
//! not retried.

use std::future::Future;
use std::time::Duration;

use roomkit_model::RetryPolicy;

/// Errors that say whether trying again may help.
pub trait Retryable {
    /// Whether to try again.
    fn is_retryable(&self) -> bool;
}

/// The delay before retry `attempt` (0 for the first retry).
pub fn retry_delay(policy: &RetryPolicy, attempt: u32) -> Duration {
    let exponent = i32::try_from(attempt).unwrap_or(i32::MAX);
    let seconds = (policy.base_delay_seconds * policy.exponential_base.powi(exponent))
        .min(policy.max_delay_seconds)
        .max(0.0);
    if seconds.is_finite() {
        Duration::from_secs_f64(seconds)
    } else {
        Duration::from_secs_f64(policy.max_delay_seconds.max(0.0))
    }
}

/// Runs `op` until it succeeds, fails for good, or `max_retries` retries are spent; returns
/// the last outcome and how many attempts were made. Without a policy it tries once.
pub async fn with_retry<F, Fut, T, E>(
    policy: Option<&RetryPolicy>,
    mut op: F,
) -> (Result<T, E>, u32)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Retryable,
{
    let mut attempts = 0;
    loop {
        attempts += 1;
        let outcome = op().await;
        let retry = match (&outcome, policy) {
            (Err(err), Some(policy)) if err.is_retryable() && attempts <= policy.max_retries => {
                retry_delay(policy, attempts - 1)
            }
            _ => return (outcome, attempts),
        };
        tokio::time::sleep(retry).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Failure(bool);

    impl Retryable for Failure {
        fn is_retryable(&self) -> bool {
            self.0
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

    #[test]
    fn delays_grow_exponentially_up_to_the_maximum() {
        let delays: Vec<u64> = (0..5)
            .map(|k| retry_delay(&policy(5), k).as_secs())
            .collect();
        assert_eq!(delays, vec![1, 2, 4, 5, 5]);
    }

    #[tokio::test(start_paused = true)]
    async fn retries_sleep_between_attempts_and_stop_after_max_retries() {
        let start = tokio::time::Instant::now();
        let (outcome, attempts) =
            with_retry(Some(&policy(3)), || async { Err::<(), _>(Failure(true)) }).await;
        assert!(outcome.is_err());
        assert_eq!(attempts, 4);
        assert_eq!(start.elapsed(), Duration::from_secs(1 + 2 + 4));
    }

    #[tokio::test(start_paused = true)]
    async fn non_retryable_errors_and_missing_policies_try_once() {
        let (_, attempts) =
            with_retry(Some(&policy(3)), || async { Err::<(), _>(Failure(false)) }).await;
        assert_eq!(attempts, 1);
        let (_, attempts) = with_retry(None, || async { Err::<(), _>(Failure(true)) }).await;
        assert_eq!(attempts, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn success_after_a_failure_counts_both_attempts() {
        let mut calls = 0;
        let (outcome, attempts) = with_retry(Some(&policy(3)), || {
            calls += 1;
            let fail = calls == 1;
            async move { if fail { Err(Failure(true)) } else { Ok(7) } }
        })
        .await;
        assert_eq!(outcome.ok(), Some(7));
        assert_eq!(attempts, 2);
    }
}
