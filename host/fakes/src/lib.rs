//! Fakes of the outside services RoomKit's providers talk to. Each fake is a real HTTP server on
//! 127.0.0.1 that speaks its service's documented wire format: it records every request a
//! provider makes (method, path, query, headers, exact body) and answers as the service does,
//! and it can build the webhooks the service sends, signed as the service signs them.
//!
//! [`FakeServer`] is the common part: a recording server whose answers a test programs.
//! The modules hold one service each: [`twilio`] (Programmable Messaging: the Messages
//! resource, signed inbound SMS/MMS and status callbacks).
//! The modules hold one service each: [`telnyx`] (Messaging API v2 and its Ed25519-signed
//! webhooks).
//!
//! ```no_run
//! # async fn example() {
//! use roomkit_fakes::{FakeServer, Reply};
//!
//! let server = FakeServer::start(|_request| Reply::json(201, r#"{"sid":"SM1"}"#)).await;
//! // … point the provider at server.url() and let it deliver …
//! let requests = server.requests();
//! assert_eq!(requests[0].method, "POST");
//! # }
//! ```

mod server;
pub mod sinch;
pub mod telnyx;
pub mod twilio;
pub mod voicemeup;

pub use server::{FakeServer, Recorded, Reply};
pub use twilio::FakeTwilio;
