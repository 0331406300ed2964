//! Token buckets (SPEC §3): per channel, `max_per_second | per_minute | per_hour`, starting
//! full. Outbound deliveries wait for a token; the kit-level inbound limit refuses instead.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use roomkit_model::RateLimit;
use tokio::time::Instant;

#[derive(Debug)]
struct Bucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    refilled: Instant,
}

impl Bucket {
    fn new(count: f64, period: Duration) -> Self {
        let capacity = count.max(1.0);
        Bucket {
            capacity,
            per_second: capacity / period.as_secs_f64(),
            tokens: capacity,
            refilled: Instant::now(),
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.refilled = now;
    }

    /// How long until a token is there (zero when one is).
    fn wait(&self) -> Duration {
        if self.tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - self.tokens) / self.per_second)
        }
    }
}

/// One bucket per limit that is set; a token is taken from all of them at once.
#[derive(Debug)]
pub struct TokenBucket {
    buckets: Mutex<Vec<Bucket>>,
}

impl TokenBucket {
    /// Buckets for every limit set in `limit`, full.
    pub fn new(limit: &RateLimit) -> Self {
        let mut buckets = Vec::new();
        for (count, seconds) in [
            (limit.max_per_second, 1),
            (limit.max_per_minute, 60),
            (limit.max_per_hour, 3600),
        ] {
            if let Some(count) = count.filter(|c| *c > 0.0) {
                buckets.push(Bucket::new(count, Duration::from_secs(seconds)));
            }
        }
        TokenBucket {
            buckets: Mutex::new(buckets),
        }
    }

    /// Takes a token if every bucket has one; otherwise how long to wait.
    fn take(&self) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let mut wait = Duration::ZERO;
        for bucket in buckets.iter_mut() {
            bucket.refill(now);
            wait = wait.max(bucket.wait());
        }
        if wait > Duration::ZERO {
            return Err(wait);
        }
        for bucket in buckets.iter_mut() {
            bucket.tokens -= 1.0;
        }
        Ok(())
    }

    /// Takes a token now, or returns false.
    pub fn try_acquire(&self) -> bool {
        self.take().is_ok()
    }

    /// Waits for a token; never gives up.
    pub async fn acquire(&self) {
        while let Err(wait) = self.take() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// Buckets by channel id, created from a limit on first use.
#[derive(Debug, Default)]
pub struct RateLimiters {
    buckets: Mutex<HashMap<String, Arc<TokenBucket>>>,
}

impl RateLimiters {
    /// The bucket of a channel (created from `limit` the first time).
    pub fn get(&self, channel_id: &str, limit: &RateLimit) -> Arc<TokenBucket> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(
            buckets
                .entry(channel_id.to_owned())
                .or_insert_with(|| Arc::new(TokenBucket::new(limit))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn per_second(n: f64) -> RateLimit {
        RateLimit {
            max_per_second: Some(n),
            ..RateLimit::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_bucket_starts_full_and_refills_continuously() {
        let bucket = TokenBucket::new(&per_second(2.0));
        assert!(bucket.try_acquire());
        assert!(bucket.try_acquire());
        assert!(!bucket.try_acquire());
        tokio::time::advance(Duration::from_millis(500)).await;
        assert!(bucket.try_acquire());
        assert!(!bucket.try_acquire());
    }

    #[tokio::test(start_paused = true)]
    async fn acquire_waits_for_each_token_and_never_drops() {
        let bucket = Arc::new(TokenBucket::new(&per_second(4.0)));
        let start = Instant::now();
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let bucket = Arc::clone(&bucket);
                tokio::spawn(async move { bucket.acquire().await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap_or_default();
        }
        // 4 at once, then 4 more at 4 per second.
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn every_set_limit_applies() {
        let bucket = TokenBucket::new(&RateLimit {
            max_per_second: Some(10.0),
            max_per_minute: Some(3.0),
            max_per_hour: None,
        });
        assert!((0..3).all(|_| bucket.try_acquire()));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(!bucket.try_acquire(), "the minute limit still holds");
        tokio::time::advance(Duration::from_secs(20)).await;
        assert!(bucket.try_acquire());
    }

    #[test]
    fn limiters_keep_one_bucket_per_channel() {
        let limiters = RateLimiters::default();
        let a = limiters.get("a", &per_second(1.0));
        assert!(Arc::ptr_eq(&a, &limiters.get("a", &per_second(99.0))));
        assert!(!Arc::ptr_eq(&a, &limiters.get("b", &per_second(1.0))));
    }
}
