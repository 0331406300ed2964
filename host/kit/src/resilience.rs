//! Delivery resilience (SPEC §2 step 15, §3): a circuit breaker per channel, token-bucket rate
//! limits per channel, and retries with exponential back-off.
//!
//! Each piece is independent and thread-safe; the delivery pipeline applies them in the order
//! breaker → rate limit → send with retries, and reports breaker transitions as the
//! `circuit_breaker_opened` / `circuit_breaker_closed` framework events.

mod circuit_breaker;
mod rate_limit;
mod retry;

pub use circuit_breaker::{
    Admission, CircuitBreaker, CircuitBreakers, CircuitState, DEFAULT_FAILURE_THRESHOLD,
    DEFAULT_RECOVERY_TIMEOUT, Transition,
};
pub use rate_limit::{RateLimiters, TokenBucket};
pub use retry::{Retryable, retry_delay, with_retry};
