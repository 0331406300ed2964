//! The RoomKit plugin runtime: WebAssembly components (WIT package `roomkit:plugin@0.2.0`,
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

//!
//! Modules depend on each other without cycles (`make lint` checks it), in layers: plain data
//! (`error`, `manifest`, `info`, `stats`, `plugin_log`, `kv_space`, `allowed_hosts`, `limits`,
//! `breaker`), the shared WIT
//! interfaces (`bindings`, `convert`), the host side of each imported interface (`imports`),
//! the store's state and linker (`state`), the engine (`engine`, `cache`), the call runtime
//! every kind uses (`runtime`), one module per plugin kind (`hook`, `resolver`, `router`,
//! `provider`, `ai`), the kind table (`kinds`), and the directory with its handles
//! (`loaded`, `handle`, `directory`).

mod ai;
mod allowed_hosts;
mod bindings;
mod breaker;
mod cache;
mod convert;
mod directory;
mod engine;
mod error;
mod handle;
mod hook;
mod imports;
mod info;
mod kinds;
mod kv_space;
mod limits;
mod loaded;
mod manifest;
mod plugin_log;
mod provider;
mod resolver;
mod router;
mod runtime;
pub mod settings;
mod state;
mod stats;

pub use ai::{AiInfo, AiProviderHandle, WasmAiProvider};
pub use directory::{LoadStatus, PluginDirectory, PluginLimits, PluginStatus, ScanReport};
pub use engine::{Ceilings, EPOCH_TICK, PluginEngine};
pub use error::{CallFailure, Error, Result};
pub use handle::PluginHandle;
pub use hook::WasmPlugin;
pub use info::PluginInfo;
pub use manifest::{
    CONTRACT, CONTRACT_VERSION, IDENTITY_HOOK_WORLD, InstancePolicy, KvQuota, LogBudget,
    MAX_WARM_INSTANCES, Manifest, PluginKind, is_identity_trigger,
};
pub use provider::{
    ChannelProvider, MAX_STATUS_UPDATES, MAX_WEBHOOK_ANSWER_BYTES, ParsedWebhook, ProviderHandle,
    WasmProvider, WebhookAnswer, WebhookRequest,
};
pub use resolver::{IdentityResolverHandle, WasmIdentityResolver};
pub use router::{InboundRouterHandle, Route, WasmInboundRouter};
pub use settings::{ConfigValue, Settings};
pub use stats::{PluginStats, StatsSnapshot};
