//! What the API shows about plugins. The host binary implements [`PluginCatalog`] over its
//! plugin runtime; this crate does not depend on that runtime.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The plugins the host runs, for `GET /v1/plugins` and `/metrics`.
pub trait PluginCatalog: Send + Sync {
    /// Every plugin the host knows, loaded or failed, sorted by name.
    fn plugins(&self) -> Vec<PluginInfo>;
}

/// One plugin as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PluginInfo {
    /// Its name (the file stem).
    pub name: String,
    /// Its world: `hook`, `identity-resolver`, `inbound-router`, `provider`, `ai-provider`.
    pub kind: String,
    /// Whether it serves.
    pub status: PluginStatus,
    /// The version serving (the manifest's version or the component's hash), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Why it failed to load (`failed`), or why its latest replacement was refused while the
    /// loaded version keeps serving (`loaded`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The limits of one call.
    pub limits: PluginLimits,
    /// Counters of the loaded version (they start over when a new version is loaded).
    pub stats: PluginCallStats,
}

/// Whether a plugin serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PluginStatus {
    /// Loaded and serving.
    Loaded,
    /// No version serves: its file failed to load. (A refused replacement of a loaded plugin
    /// leaves it `loaded`, with the refusal in `error`.)
    Failed,
    /// Loaded, but suspended by its circuit breaker after failing too often in a row: calls
    /// fail at once until the cool-down ends or a new version is loaded (`error` says so).
    Suspended,
}

/// The limits of one plugin call.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct PluginLimits {
    /// Wall-clock limit of one call.
    pub timeout_ms: u64,
    /// CPU budget of one call.
    pub fuel: u64,
    /// Memory limit of an instance.
    pub memory_mb: u64,
    /// How many idle instances it keeps warm (at most 64).
    #[schema(maximum = 64)]
    pub warm_instances: u64,
    /// `reuse` warm instances or a `fresh` one per call.
    #[serde(default)]
    #[schema(examples("reuse", "fresh"))]
    pub instance: String,
    /// Hosts it may call over HTTP (`allowed_hosts` of its manifest).
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// A failing hook call blocks the event instead of being skipped.
    #[serde(default)]
    pub fail_closed: bool,
    /// Keys its key-value space may hold (`[kv] max_keys`).
    #[serde(default)]
    pub kv_max_keys: u64,
    /// Bytes of keys and values its key-value space may hold (`[kv] max_bytes`).
    #[serde(default)]
    pub kv_max_bytes: u64,
}

/// Counters of a plugin's calls.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct PluginCallStats {
    /// Calls made.
    pub calls: u64,
    /// Calls that failed (trap, limit, returned error).
    pub failures: u64,
    /// Time spent in calls, summed, in microseconds (latency = this / calls).
    pub call_time_us: u64,
    /// Instances created (a trap or limit hit drops the instance it poisoned).
    #[serde(default)]
    pub instantiations: u64,
    /// Warm instances waiting in the pool now.
    #[serde(default)]
    pub warm_instances: u64,
    /// Outbound HTTP requests to allowed hosts.
    #[serde(default)]
    pub http_requests: u64,
    /// Outbound HTTP requests refused (no `allowed_hosts` entry admits them).
    #[serde(default)]
    pub http_denied: u64,
    /// Log lines (from `log`, stdout or stderr) dropped over the plugin's log budget.
    #[serde(default)]
    pub log_dropped: u64,
    /// Keys in its key-value space now.
    #[serde(default)]
    pub kv_keys: u64,
    /// Bytes of keys and values in its key-value space now.
    #[serde(default)]
    pub kv_bytes: u64,
}

/// A catalog for a host that runs no plugins.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPlugins;

impl PluginCatalog for NoPlugins {
    fn plugins(&self) -> Vec<PluginInfo> {
        Vec::new()
    }
}
