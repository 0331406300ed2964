//! Delivery resilience (SPEC §3): circuit breakers, token-bucket rate limits and retries.

mod circuit_breaker;
mod rate_limit;
mod retry;

pub use circuit_breaker::{Admission, CircuitBreaker, CircuitBreakers, Transition};
pub use rate_limit::{RateLimiters, TokenBucket};
pub use retry::{Retryable, retry_delay, with_retry};
