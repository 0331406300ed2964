//! End-to-end tests of the `roomkit` binary: each test deploys `examples/support-desk` in a
//! temporary directory (the real configuration and plugin manifests, the built plugins, the
//! webhook provider pointed at an in-test sink), starts `roomkit serve` on a free port and acts
//! as its clients: the customer-side system (signed webhooks in, signed deliveries out), agents
//! on the WebSocket API and an operator on the REST API. `config` starts the binary on
//! configurations of its own (where settings come from) and `completions` runs it once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bad_input;
mod completions;
mod config;
mod conversation;
mod paging;
mod reload;
mod shutdown;
mod sms;
mod support;
mod tls;
