//! Integration tests of the orchestrator, one module per area of SPEC §2 and §3. Each test is
//! named after the rule it pins.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod concurrency;
mod delivery;
mod durability;
mod hooks;
mod identity;
mod intelligence;
mod people;
mod pipeline;
mod realtime;
mod rooms;
mod rules;
mod sources;
mod support;
