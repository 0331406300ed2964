//! The API driven over real TCP on 127.0.0.1:0, against a kit on the in-memory store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bindings;
mod channels;
mod connections;
mod errors;
mod events;
mod metrics;
mod openapi;
mod people;
mod rooms;
mod sources;
mod support;
mod webhooks;
mod websocket;
