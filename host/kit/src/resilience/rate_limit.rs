//! Token buckets (SPEC §3): per channel, `max_per_second | max_per_minute | max_per_hour`.
//!
//! Every limit that is set gets its own bucket and all of them apply: a token is taken from
//! every bucket at once or from none. A bucket holds `count` tokens (at least one, so a
//! fractional limit such as 0.5 per minute still lets one through every 120 s), starts full and
//! refills continuously at `count` per period. Limits that are not positive finite numbers are
//! ignored; a [`RateLimit`] with none left never limits.
//!
//! Outbound deliveries [`acquire`](TokenBucket::acquire) a token, waiting as long as it takes
//! (nothing is dropped); the kit-level inbound limit uses
//! [`try_acquire`](TokenBucket::try_acquire) and refuses with `rate_limited` instead. Time is
//! [`tokio::time::Instant`], so paused tokio time drives the buckets in tests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use roomkit_model::RateLimit;
use tokio::time::Instant;

/// Slack for floating-point refill arithmetic: a bucket this close to a whole token has one.
const EPSILON: f64 = 1e-9;

#[derive(Debug)]
struct Bucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    refilled: Instant,
}

impl Bucket {
    fn new(count: f64, period: Duration, now: Instant) -> Self {
        let capacity = count.max(1.0);
        Bucket {
            capacity,
            per_second: count / period.as_secs_f64(),
            tokens: capacity,
            refilled: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.refilled = now;
    }

    /// How long until a whole token is there (zero when one is).
    fn wait(&self) -> Duration {
        if self.tokens + EPSILON >= 1.0 {
            return Duration::ZERO;
        }
        let seconds = (1.0 - self.tokens) / self.per_second;
        Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX)
    }
}

/// A channel's rate limiter: one bucket per limit that is set, taken from all at once.
#[derive(Debug)]
pub struct TokenBucket {
    limit: RateLimit,
    buckets: Mutex<Vec<Bucket>>,
}

impl TokenBucket {
    /// Full buckets for every limit set in `limit`.
    pub fn new(limit: &RateLimit) -> Self {
        let now = Instant::now();
        let buckets = [
            (limit.max_per_second, 1),
            (limit.max_per_minute, 60),
            (limit.max_per_hour, 3600),
        ]
        .into_iter()
        .filter_map(|(count, seconds)| {
            count
                .filter(|c| c.is_finite() && *c > 0.0)
                .map(|c| Bucket::new(c, Duration::from_secs(seconds), now))
        })
        .collect();
        TokenBucket {
            limit: limit.clone(),
            buckets: Mutex::new(buckets),
        }
    }

    /// The limit it was made from.
    pub fn limit(&self) -> &RateLimit {
        &self.limit
    }

    /// Whether no usable limit is set, so every acquire succeeds at once.
    pub fn is_unlimited(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Bucket>> {
        self.buckets.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a token from every bucket if each has one; otherwise how long to wait.
    fn take(&self, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.lock();
        let mut wait = Duration::ZERO;
        for bucket in buckets.iter_mut() {
            bucket.refill(now);
            wait = wait.max(bucket.wait());
        }
        if wait > Duration::ZERO {
            return Err(wait);
        }
        for bucket in buckets.iter_mut() {
            bucket.tokens = (bucket.tokens - 1.0).max(0.0);
        }
        Ok(())
    }

    /// Takes a token now, or returns false without taking anything.
    pub fn try_acquire(&self) -> bool {
        self.take(Instant::now()).is_ok()
    }

    /// Waits until a token is available and takes it; never gives up. Concurrent callers each
    /// get their own token. Cancelling the wait takes nothing.
    pub async fn acquire(&self) {
        while let Err(wait) = self.take(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
    }
}

/// Token buckets by channel id, created from a limit on first use.
#[derive(Debug, Default)]
pub struct RateLimiters {
    buckets: Mutex<HashMap<String, Arc<TokenBucket>>>,
}

impl RateLimiters {
    /// The bucket of a channel, created full from `limit` the first time. When a later call
    /// passes a different limit (the binding was updated) a new, full bucket replaces the old.
    pub fn get(&self, channel_id: &str, limit: &RateLimit) -> Arc<TokenBucket> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        match buckets.get(channel_id) {
            Some(bucket) if bucket.limit() == limit => Arc::clone(bucket),
            _ => {
                let bucket = Arc::new(TokenBucket::new(limit));
                buckets.insert(channel_id.to_owned(), Arc::clone(&bucket));
                bucket
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn limit(second: Option<f64>, minute: Option<f64>, hour: Option<f64>) -> RateLimit {
        RateLimit {
            max_per_second: second,
            max_per_minute: minute,
            max_per_hour: hour,
        }
    }

    fn per_second(n: f64) -> RateLimit {
        limit(Some(n), None, None)
    }

    fn take_all(bucket: &TokenBucket) -> usize {
        std::iter::from_fn(|| bucket.try_acquire().then_some(()))
            .take(10_000)
            .count()
    }

    #[tokio::test(start_paused = true)]
    async fn the_bucket_starts_full() {
        let bucket = TokenBucket::new(&per_second(3.0));
        assert_eq!(take_all(&bucket), 3);
        assert!(!bucket.is_unlimited());
    }

    #[tokio::test(start_paused = true)]
    async fn the_bucket_refills_continuously_up_to_its_capacity() {
        let bucket = TokenBucket::new(&per_second(4.0));
        assert_eq!(take_all(&bucket), 4);
        tokio::time::advance(Duration::from_millis(249)).await;
        assert!(!bucket.try_acquire());
        tokio::time::advance(Duration::from_millis(1)).await;
        assert_eq!(take_all(&bucket), 1);
        tokio::time::advance(Duration::from_secs(10)).await;
        assert_eq!(take_all(&bucket), 4, "capped at capacity");
    }

    #[tokio::test(start_paused = true)]
    async fn acquire_waits_exactly_until_the_next_token() {
        let bucket = TokenBucket::new(&per_second(4.0));
        take_all(&bucket);
        let start = Instant::now();
        bucket.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_millis(250));
        assert!(!bucket.try_acquire());
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_acquirers_each_wait_for_their_own_token() {
        let bucket = Arc::new(TokenBucket::new(&per_second(4.0)));
        let start = Instant::now();
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let bucket = Arc::clone(&bucket);
                tokio::spawn(async move {
                    bucket.acquire().await;
                    start.elapsed().as_millis()
                })
            })
            .collect();
        let mut times = Vec::new();
        for task in tasks {
            times.push(task.await.unwrap());
        }
        times.sort_unstable();
        assert_eq!(times, vec![0, 0, 0, 0, 250, 500, 750, 1000]);
    }

    #[tokio::test(start_paused = true)]
    async fn every_set_limit_applies() {
        let bucket = TokenBucket::new(&limit(Some(10.0), Some(3.0), None));
        assert_eq!(take_all(&bucket), 3);
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(!bucket.try_acquire(), "the minute limit still holds");
        tokio::time::advance(Duration::from_secs(19)).await;
        assert_eq!(take_all(&bucket), 1, "one token per 20 s");
    }

    #[tokio::test(start_paused = true)]
    async fn an_hourly_limit_waits_for_its_share_of_the_hour() {
        let bucket = TokenBucket::new(&limit(None, None, Some(2.0)));
        assert_eq!(take_all(&bucket), 2);
        let start = Instant::now();
        bucket.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_secs(1800));
    }

    #[tokio::test(start_paused = true)]
    async fn a_fractional_limit_holds_one_token_and_refills_at_its_rate() {
        let bucket = TokenBucket::new(&limit(None, Some(0.5), None));
        assert_eq!(take_all(&bucket), 1);
        let start = Instant::now();
        bucket.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_secs(120));
    }

    #[tokio::test(start_paused = true)]
    async fn unset_zero_negative_and_nan_limits_never_limit() {
        for unlimited in [
            RateLimit::default(),
            limit(Some(0.0), Some(-1.0), Some(f64::NAN)),
            per_second(f64::INFINITY),
        ] {
            let bucket = TokenBucket::new(&unlimited);
            assert!(bucket.is_unlimited());
            assert_eq!(take_all(&bucket), 10_000);
            bucket.acquire().await;
        }
    }

    #[test]
    fn concurrent_try_acquire_never_over_admits() {
        let bucket = Arc::new(TokenBucket::new(&limit(None, None, Some(5.0))));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let bucket = Arc::clone(&bucket);
                std::thread::spawn(move || bucket.try_acquire())
            })
            .collect();
        let admitted = threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .filter(|admitted| *admitted)
            .count();
        assert_eq!(admitted, 5);
    }

    #[tokio::test(start_paused = true)]
    async fn limiters_keep_one_bucket_per_channel_and_limit() {
        let limiters = RateLimiters::default();
        let sms = limiters.get("sms", &per_second(1.0));
        assert!(Arc::ptr_eq(&sms, &limiters.get("sms", &per_second(1.0))));
        assert!(!Arc::ptr_eq(&sms, &limiters.get("email", &per_second(1.0))));
        assert!(sms.try_acquire());
        assert!(!limiters.get("sms", &per_second(1.0)).try_acquire());
        assert!(limiters.get("email", &per_second(1.0)).try_acquire());
    }

    #[tokio::test(start_paused = true)]
    async fn a_changed_limit_replaces_the_channels_bucket() {
        let limiters = RateLimiters::default();
        let old = limiters.get("sms", &per_second(1.0));
        assert!(old.try_acquire());
        let new = limiters.get("sms", &per_second(2.0));
        assert!(!Arc::ptr_eq(&old, &new));
        assert_eq!(new.limit(), &per_second(2.0));
        assert_eq!(take_all(&new), 2);
    }
}
