//! Integration tests of the store: one binary, one module per concern.

mod concurrency;
mod contract;
mod crash;
mod model;
mod support;
