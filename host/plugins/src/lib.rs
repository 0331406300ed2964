//! The RoomKit plugin runtime: WebAssembly components (WIT package `roomkit:plugin@0.1.0`,
//! see `wit/`) loaded as the orchestrator's hooks, identity resolvers, inbound routers,
//! providers and AI providers, sandboxed with a fuel budget (CPU), an epoch deadline (wall
//! clock) and memory, table and instance limits per call, and outbound HTTP only to the hosts
//! a plugin's manifest allows. A running guest yields to the async runtime at every epoch tick,
//! every call has an outer deadline the host enforces whatever the guest does, and manifests
//! are held to the host's [`Ceilings`].
//!
//! A plugin is `NAME.wasm` with an optional `NAME.toml` manifest beside it. Plugins get no
//! filesystem, environment or sockets: settings come through the `config` import, state through
//! a key-value space in the host's store. A trap or a limit hit is reported with the plugin's
//! name, the function and the cause, and never takes the host down.

mod ai;
mod bindings;
mod breaker;
mod cache;
mod convert;
mod directory;
mod engine;
mod error;
mod handle;
mod http;
mod manifest;
mod plugin;
mod provider;
mod resolver;
mod router;
mod runtime;
mod state;

pub use ai::{AiInfo, WasmAiProvider};
pub use directory::{LoadStatus, PluginDirectory, PluginLimits, PluginStatus, ScanReport};
pub use engine::{Ceilings, EPOCH_TICK, PluginEngine};
pub use error::{CallFailure, Error, Result};
pub use handle::{
    AiProviderHandle, IdentityResolverHandle, InboundRouterHandle, PluginHandle, ProviderHandle,
};
pub use manifest::{InstancePolicy, MAX_WARM_INSTANCES, Manifest, PluginKind};
pub use plugin::WasmPlugin;
pub use provider::{WasmProvider, WebhookRequest};
pub use resolver::WasmIdentityResolver;
pub use router::{Route, WasmInboundRouter};
pub use runtime::{PluginStats, StatsSnapshot};
pub use state::PluginInfo;
