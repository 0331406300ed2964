//! Plugin runtime tests: a real component (plugins/test-hook) loaded as a hook, friendly and
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! hostile, driven through the orchestrator.

#[path = "../support/build_fixture.rs"]
mod build_fixture;
mod fixtures;
mod hooks;
mod hostile;
mod loading;
mod reload;
