//! The RoomKit plugin runtime: WebAssembly components (WIT package `roomkit:plugin@0.1.0`,
//! see `wit/`) loaded as hooks of the orchestrator, sandboxed with a fuel budget (CPU), an
//! epoch deadline (wall clock) and memory, table and instance limits per call.
//!
//! A plugin is `NAME.wasm` with an optional `NAME.toml` manifest beside it. Plugins get no
//! filesystem, environment or sockets: settings come through the `config` import, state through
//! a key-value space in the host's store. A trap or a limit hit is reported with the plugin's
//! name, the function and the cause, and never takes the host down.

mod bindings;
mod cache;
mod convert;
mod directory;
mod engine;
mod error;
mod manifest;
mod plugin;
mod state;

pub use directory::{PluginDirectory, ScanReport};
pub use engine::{EPOCH_TICK, PluginEngine};
pub use error::{CallFailure, Error, Result};
pub use manifest::{InstancePolicy, Manifest, PluginKind};
pub use plugin::{PluginStats, WasmPlugin};
pub use state::PluginInfo;
