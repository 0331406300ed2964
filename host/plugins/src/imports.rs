//! The host side of what plugins import, one module per interface: each has a view type
//! borrowing the parts of the store's state it needs, its `Host` implementation, and an
//! `add_to_linker` taking a function from the state to the view (wasmtime's
//! `wasi-config` pattern). [`crate::state`] owns the state and links them all.
//!
//! - [`host`]: `roomkit:plugin/host` (log, config, key-value) and the type-only `types`.
//! - [`room_context`]: `roomkit:plugin/room-context`, the room lent to a call.
//! - [`http`]: `wasi:http`, only to the manifest's allowed hosts.
//! - [`wasi`]: the WASI context, which grants no file, environment or socket.

pub(crate) mod host;
pub(crate) mod http;
pub(crate) mod room_context;
pub(crate) mod wasi;
