//! Plugin runtime tests: real components (plugins/test-hook and plugins/fixtures/*) loaded as
//! hooks, identity resolvers, inbound routers, providers and AI providers, friendly and
//! hostile, driven directly and through the orchestrator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ai;
mod breaker;
#[path = "../support/build_fixture.rs"]
mod build_fixture;
mod deadlines;
mod first_party;
mod fixtures;
mod hooks;
mod hostile;
mod http;
mod identity_hooks;
mod kv_quota;
mod loading;
mod log_capture;
mod logging;
mod provider;
mod reload;
mod resolver;
mod router;
