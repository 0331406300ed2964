//! What a plugin's store holds, and the host side of the imports every plugin gets (`host`,
//! `room-context`, `wasi:http` through [`crate::http`]). No filesystem, environment or sockets:
//! the WASI context grants nothing.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use roomkit_kit::RoomContext;
use roomkit_store::ConversationStore;
use wasmtime::component::{Resource, ResourceTable};
use wasmtime::{StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::Manifest;
use crate::bindings::hook::roomkit::plugin::types;
use crate::bindings::{host, room_context, wit};
use crate::convert::{binding_to_wit, event_to_wit};
use crate::http::HttpPolicy;
use crate::runtime::PluginStats;

/// The longest log line a plugin may write; longer ones are cut.
const MAX_LOG_BYTES: usize = 4096;
/// The largest value a plugin may keep under one key.
const MAX_KV_VALUE_BYTES: usize = 64 * 1024;

/// What the host knows about a loaded plugin.
#[derive(Debug)]
pub struct PluginInfo {
    /// The plugin's name (its file stem).
    pub name: String,
    /// Its manifest.
    pub manifest: Manifest,
    /// Where its key-value space lives (none: the plugin gets an error when it uses it).
    pub store: Option<Arc<dyn ConversationStore>>,
    /// The SHA-256 of its wasm, in hex: which version is loaded.
    pub version: String,
}

/// The room context lent to a plugin for one call.
pub struct RoomCtx {
    pub(crate) ctx: RoomContext,
}

/// The state of one plugin instance's store.
pub struct PluginState {
    pub(crate) info: Arc<PluginInfo>,
    wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) limits: StoreLimits,
    http: WasiHttpCtx,
    policy: HttpPolicy,
    /// When the call in progress must stop (set when the instance is lent to a call); the
    /// epoch callback interrupts the guest once it has passed.
    pub(crate) deadline: Instant,
    /// The engine's cancellation flag ([`crate::PluginEngine::cancel_calls`]).
    pub(crate) cancelled: Arc<AtomicBool>,
}

impl PluginState {
    pub(crate) fn new(
        info: Arc<PluginInfo>,
        stats: Arc<PluginStats>,
        roots: roomkit_tls::TrustedRoots,
        cancelled: Arc<AtomicBool>,
    ) -> Self {
        let memory = info.manifest.memory_mb.saturating_mul(1024 * 1024);
        PluginState {
            limits: StoreLimitsBuilder::new()
                .memory_size(usize::try_from(memory).unwrap_or(usize::MAX))
                .instances(16)
                .tables(16)
                .table_elements(100_000)
                .trap_on_grow_failure(true)
                .build(),
            policy: HttpPolicy::new(Arc::clone(&info), stats, roots),
            deadline: Instant::now() + info.manifest.timeout(),
            cancelled,
            info,
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
        }
    }

    fn kv_store(&self) -> wasmtime::Result<&Arc<dyn ConversationStore>> {
        self.info.store.as_ref().ok_or_else(|| {
            wasmtime::format_err!("this host has no store for plugin key-value data")
        })
    }
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for PluginState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.policy,
        }
    }
}

impl types::Host for PluginState {}

impl host::Host for PluginState {
    async fn log(&mut self, level: host::Level, message: String) -> wasmtime::Result<()> {
        let mut message = message;
        if message.len() > MAX_LOG_BYTES {
            let mut cut = MAX_LOG_BYTES;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
        }
        let plugin = self.info.name.as_str();
        match level {
            host::Level::Trace => tracing::trace!(plugin, "{message}"),
            host::Level::Debug => tracing::debug!(plugin, "{message}"),
            host::Level::Info => tracing::info!(plugin, "{message}"),
            host::Level::Warn => tracing::warn!(plugin, "{message}"),
            host::Level::Error => tracing::error!(plugin, "{message}"),
        }
        Ok(())
    }

    async fn config(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.info.manifest.config.get(&key).cloned())
    }

    async fn kv_get(&mut self, key: String) -> wasmtime::Result<Option<Vec<u8>>> {
        let store = Arc::clone(self.kv_store()?);
        Ok(store.kv_get(&self.info.name, &key).await?)
    }

    async fn kv_set(&mut self, key: String, value: Vec<u8>) -> wasmtime::Result<()> {
        if value.len() > MAX_KV_VALUE_BYTES {
            wasmtime::bail!(
                "kv-set: value of {} bytes is over the {MAX_KV_VALUE_BYTES}-byte limit",
                value.len()
            );
        }
        let store = Arc::clone(self.kv_store()?);
        Ok(store.kv_set(&self.info.name, &key, &value).await?)
    }

    async fn kv_delete(&mut self, key: String) -> wasmtime::Result<bool> {
        let store = Arc::clone(self.kv_store()?);
        Ok(store.kv_delete(&self.info.name, &key).await?)
    }
}

impl room_context::Host for PluginState {}

impl room_context::HostContext for PluginState {
    async fn room(&mut self, this: Resource<RoomCtx>) -> wasmtime::Result<wit::RoomView> {
        let room = &self.table.get(&this)?.ctx.room;
        Ok(wit::RoomView {
            id: room.id.clone(),
            organization_id: room.organization_id.clone(),
            status: room.status.as_str().to_owned(),
            event_count: room.event_count,
            metadata: serde_json::to_string(&room.metadata)?,
        })
    }

    async fn bindings(
        &mut self,
        this: Resource<RoomCtx>,
    ) -> wasmtime::Result<Vec<wit::BindingView>> {
        let bindings = &self.table.get(&this)?.ctx.bindings;
        Ok(bindings.iter().map(binding_to_wit).collect())
    }

    async fn recent_events(
        &mut self,
        this: Resource<RoomCtx>,
        limit: u32,
    ) -> wasmtime::Result<Vec<wit::RoomEvent>> {
        let ctx = self.table.get(&this)?.ctx.clone();
        let events = ctx.recent_events().await?;
        let skip = events.len().saturating_sub(limit as usize);
        Ok(events[skip..].iter().map(event_to_wit).collect())
    }

    async fn drop(&mut self, this: Resource<RoomCtx>) -> wasmtime::Result<()> {
        self.table.delete(this)?;
        Ok(())
    }
}
