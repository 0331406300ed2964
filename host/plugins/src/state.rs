//! What a plugin instance's store holds, and the linker of everything a plugin may import: each
//! interface of [`crate::imports`] is linked with a function that borrows its view out of
//! [`PluginState`].

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use roomkit_tls::TrustedRoots;
use wasmtime::component::{Linker, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::imports::host::HostImports;
use crate::imports::http::HttpPolicy;
use crate::imports::room_context::RoomContextImports;
use crate::imports::{host, http, room_context, wasi};
use crate::info::PluginInfo;
use crate::kv_space::KvSpace;
use crate::limits::Limiter;
use crate::plugin_log::{InstanceLog, PluginLog};
use crate::settings::Settings;
use crate::stats::PluginStats;

/// The state of one plugin instance's store.
pub struct PluginState {
    pub(crate) info: Arc<PluginInfo>,
    /// The log of this instance (`log`, stdout, stderr), under the plugin's budget.
    pub(crate) log: Arc<InstanceLog>,
    /// The plugin's key-value space (shared by its instances).
    kv: Arc<KvSpace>,
    wasi: WasiCtx,
    /// Resources of every interface (lent room contexts, WASI and HTTP handles).
    pub(crate) table: ResourceTable,
    pub(crate) limiter: Limiter,
    http: WasiHttpCtx,
    policy: HttpPolicy,
    /// When the call in progress must stop (set when the instance is lent to a call); the
    /// epoch callback interrupts the guest once it has passed.
    pub(crate) deadline: Instant,
    /// The engine's cancellation flag ([`crate::PluginEngine::cancel_calls`]).
    pub(crate) cancelled: Arc<AtomicBool>,
    /// The settings of the channel the call in progress is made for (its `config` table).
    pub(crate) channel: Option<Arc<Settings>>,
}

impl PluginState {
    pub(crate) fn new(
        info: Arc<PluginInfo>,
        stats: Arc<PluginStats>,
        log: &Arc<PluginLog>,
        kv: Arc<KvSpace>,
        roots: TrustedRoots,
        cancelled: Arc<AtomicBool>,
    ) -> Self {
        let log = Arc::new(InstanceLog::new(Arc::clone(log)));
        PluginState {
            limiter: Limiter::new(info.manifest.memory_mb),
            policy: HttpPolicy::new(Arc::clone(&info), stats, roots),
            deadline: Instant::now() + info.manifest.timeout(),
            cancelled,
            channel: None,
            info,
            wasi: wasi::context(&log),
            log,
            kv,
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
        }
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

fn host_view(state: &mut PluginState) -> HostImports<'_> {
    HostImports {
        info: &state.info,
        channel: state.channel.as_deref(),
        log: &state.log,
        kv: &state.kv,
    }
}

fn room_context_view(state: &mut PluginState) -> RoomContextImports<'_> {
    RoomContextImports {
        table: &mut state.table,
    }
}

/// Links every interface a plugin of any kind may import. The worlds share these interfaces,
/// so one linker serves them all.
pub(crate) fn add_to_linker(linker: &mut Linker<PluginState>) -> wasmtime::Result<()> {
    wasi::add_to_linker(linker)?;
    http::add_to_linker(linker)?;
    host::add_to_linker(linker, host_view)?;
    room_context::add_to_linker(linker, room_context_view)
}
