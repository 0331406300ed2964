//! One wasmtime engine for all plugins: async calls, fuel for CPU budgets, epochs for wall-clock
//! deadlines, and the pooling allocator where the machine allows it.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use roomkit_tls::TrustedRoots;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::bindings::hook::Hook;
use crate::cache::CompiledCache;
use crate::state::PluginState;
use crate::{Error, Result};

/// How often the engine's epoch advances; deadlines are counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// The shared engine and linker.
#[derive(Clone)]
pub struct PluginEngine {
    pub(crate) engine: Engine,
    pub(crate) linker: Arc<Linker<PluginState>>,
    pooling: bool,
    cache: Option<CompiledCache>,
    compilations: Arc<AtomicU64>,
    /// What plugins' outbound HTTPS trusts.
    pub(crate) roots: TrustedRoots,
}

impl std::fmt::Debug for PluginEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginEngine")
            .field("pooling", &self.pooling)
            .finish_non_exhaustive()
    }
}

fn config(pooling: bool) -> Config {
    let mut config = Config::new();
    config.consume_fuel(true);
    config.epoch_interruption(true);
    config.wasm_component_model(true);
    if pooling {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(256);
        pool.total_core_instances(512);
        pool.total_memories(512);
        pool.total_tables(512);
        pool.max_memory_size(256 << 20);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

impl PluginEngine {
    /// An engine with the pooling allocator when the machine allows it, on-demand otherwise,
    /// and a thread that advances its epoch every [`EPOCH_TICK`].
    pub fn new() -> Result<Self> {
        let (engine, pooling) = match Engine::new(&config(true)) {
            Ok(engine) => (engine, true),
            Err(err) => {
                tracing::info!(%err, "pooling allocator unavailable; allocating on demand");
                let engine =
                    Engine::new(&config(false)).map_err(|e| Error::Engine(e.to_string()))?;
                (engine, false)
            }
        };
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(|e| Error::Engine(format!("linking WASI: {e}")))?;
        // Every plugin may import wasi:http; the send hook (crate::http) enforces allowed_hosts.
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
            .map_err(|e| Error::Engine(format!("linking wasi:http: {e}")))?;
        // The hook world imports every roomkit interface the other worlds import (they share
        // them through `with` in bindings.rs), so linking it once serves all five worlds.
        Hook::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)
            .map_err(|e| Error::Engine(format!("linking the host interfaces: {e}")))?;
        let weak = engine.weak();
        std::thread::Builder::new()
            .name("roomkit-epoch".into())
            .spawn(move || {
                while let Some(engine) = weak.upgrade() {
                    engine.increment_epoch();
                    drop(engine);
                    std::thread::sleep(EPOCH_TICK);
                }
            })
            .map_err(|e| Error::Engine(format!("starting the epoch thread: {e}")))?;
        Ok(PluginEngine {
            engine,
            linker: Arc::new(linker),
            pooling,
            cache: None,
            compilations: Arc::new(AtomicU64::new(0)),
            roots: TrustedRoots::webpki(),
        })
    }

    /// The same engine, keeping compiled components in `dir` so that a second start compiles
    /// nothing. Use a directory of the host's own, not the plugin directory.
    pub fn with_cache(mut self, dir: &Path) -> Result<Self> {
        self.cache = Some(
            CompiledCache::new(dir, &self.engine)
                .map_err(|e| Error::Engine(format!("cache directory {}: {e}", dir.display())))?,
        );
        Ok(self)
    }

    /// The same engine, its plugins' outbound HTTPS trusting `roots` (the webpki roots by
    /// default). Plugins loaded afterwards use them.
    pub fn with_trusted_roots(mut self, roots: TrustedRoots) -> Self {
        self.roots = roots;
        self
    }

    /// How many components this engine compiled (cache hits compile nothing).
    pub fn compilations(&self) -> u64 {
        self.compilations.load(Ordering::Relaxed)
    }

    /// The component for these bytes: from the cache when it is there, compiled otherwise.
    pub(crate) fn component(&self, wasm: &[u8]) -> wasmtime::Result<Component> {
        if let Some(cache) = &self.cache {
            if let Some(component) = cache.load(&self.engine, wasm) {
                return Ok(component);
            }
            self.compilations.fetch_add(1, Ordering::Relaxed);
            cache.store(&self.engine, wasm)?;
            if let Some(component) = cache.load(&self.engine, wasm) {
                return Ok(component);
            }
        }
        self.compilations.fetch_add(1, Ordering::Relaxed);
        Component::new(&self.engine, wasm)
    }

    /// Whether instances come from the pooling allocator.
    pub fn pooling(&self) -> bool {
        self.pooling
    }

    /// Epoch ticks for a wall-clock limit (at least one).
    pub(crate) fn ticks(timeout: Duration) -> u64 {
        (timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64 + 1
    }
}
