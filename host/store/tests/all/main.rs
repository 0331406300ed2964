//! Integration tests of the store: one binary, one module per concern.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod concurrency;
mod contract;
mod crash;
mod model;
mod support;
