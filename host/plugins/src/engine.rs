//! One wasmtime engine for all plugins: async calls, fuel for CPU budgets, epochs for wall-clock
//! deadlines and for yielding (a running guest gives its thread back to the async runtime every
//! [`EPOCH_TICK`]), the host's ceilings on what a manifest may ask for, and the pooling allocator
//! where the machine allows it.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use roomkit_tls::TrustedRoots;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::cache::CompiledCache;
use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::state::{self, PluginState};

/// How often the engine's epoch advances: a running guest yields to the async runtime and its
/// deadline is checked once per tick.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// The most memory any instance may have: wasm32's whole address space.
const MEMORY_MB_LIMIT: u64 = 4096;

/// The host's ceilings on the limits a manifest may ask for (`[limits]` of `roomkit.toml`):
/// a manifest over one is refused at load, with the limit named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ceilings {
    /// The largest `fuel` of a manifest.
    pub max_fuel: u64,
    /// The largest `timeout_ms` of a manifest.
    pub max_timeout_ms: u64,
    /// The largest `memory_mb` of a manifest (at most 4096, wasm32's address space).
    pub max_memory_mb: u64,
    /// The largest `[kv] max_keys` of a manifest.
    pub max_kv_keys: u64,
    /// The largest `[kv] max_bytes` of a manifest.
    pub max_kv_bytes: u64,
}

impl Default for Ceilings {
    /// 10^11 fuel (1,000 times the default budget; tens of seconds of CPU), 60 s, 256 MiB; a
    /// key-value space of at most 1,000,000 keys and 1 GiB.
    fn default() -> Self {
        Ceilings {
            max_fuel: 100_000_000_000,
            max_timeout_ms: 60_000,
            max_memory_mb: 256,
            max_kv_keys: 1_000_000,
            max_kv_bytes: 1024 * 1024 * 1024,
        }
    }
}

impl Ceilings {
    /// Why `manifest` asks for more than these ceilings allow, if it does.
    pub fn refuse(&self, manifest: &Manifest) -> Option<String> {
        let over = |key: &str, value: u64, ceiling: &str, max: u64| {
            (value > max).then(|| {
                format!(
                    "{key} = {value} is over the host's ceiling {ceiling} = {max} \
                     ([limits] in roomkit.toml)"
                )
            })
        };
        over("fuel", manifest.fuel, "max_fuel", self.max_fuel)
            .or_else(|| {
                over(
                    "timeout_ms",
                    manifest.timeout_ms,
                    "max_timeout_ms",
                    self.max_timeout_ms,
                )
            })
            .or_else(|| {
                over(
                    "memory_mb",
                    manifest.memory_mb,
                    "max_memory_mb",
                    self.max_memory_mb,
                )
            })
            .or_else(|| {
                over(
                    "[kv] max_keys",
                    manifest.kv.max_keys,
                    "max_kv_keys",
                    self.max_kv_keys,
                )
            })
            .or_else(|| {
                over(
                    "[kv] max_bytes",
                    manifest.kv.max_bytes,
                    "max_kv_bytes",
                    self.max_kv_bytes,
                )
            })
    }
}

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
    ceilings: Ceilings,
    /// Set by [`PluginEngine::cancel_calls`]: every running guest is interrupted at its next
    /// epoch tick, and no call starts any more.
    pub(crate) cancelled: Arc<AtomicBool>,
}

impl std::fmt::Debug for PluginEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginEngine")
            .field("pooling", &self.pooling)
            .finish_non_exhaustive()
    }
}

fn config(pooling: bool, max_memory_mb: u64) -> Config {
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
        pool.max_memory_size(usize::try_from(max_memory_mb << 20).unwrap_or(usize::MAX));
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

impl PluginEngine {
    /// An engine with the default [`Ceilings`]: see [`with_ceilings`](Self::with_ceilings).
    pub fn new() -> Result<Self> {
        Self::with_ceilings(Ceilings::default())
    }

    /// An engine with the pooling allocator when the machine allows it, on-demand otherwise,
    /// and a thread that advances its epoch every [`EPOCH_TICK`]. Manifests over `ceilings`
    /// are refused when they are loaded.
    pub fn with_ceilings(ceilings: Ceilings) -> Result<Self> {
        if ceilings.max_fuel == 0 || ceilings.max_timeout_ms == 0 || ceilings.max_memory_mb == 0 {
            return Err(Error::Engine(
                "max_fuel, max_timeout_ms and max_memory_mb must be positive".into(),
            ));
        }
        if ceilings.max_memory_mb > MEMORY_MB_LIMIT {
            return Err(Error::Engine(format!(
                "max_memory_mb = {} is over {MEMORY_MB_LIMIT} (wasm32's address space)",
                ceilings.max_memory_mb
            )));
        }
        let max_memory_mb = ceilings.max_memory_mb;
        let (engine, pooling) = match Engine::new(&config(true, max_memory_mb)) {
            Ok(engine) => (engine, true),
            Err(err) => {
                tracing::info!(%err, "pooling allocator unavailable; allocating on demand");
                let engine = Engine::new(&config(false, max_memory_mb))
                    .map_err(|e| Error::Engine(e.to_string()))?;
                (engine, false)
            }
        };
        let mut linker = Linker::new(&engine);
        state::add_to_linker(&mut linker)
            .map_err(|e| Error::Engine(format!("linking the plugin interfaces: {e:#}")))?;
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
            ceilings,
            cancelled: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The ceilings manifests are held to.
    pub fn ceilings(&self) -> Ceilings {
        self.ceilings
    }

    /// Cancels every plugin call, for good: running guests are interrupted at their next epoch
    /// tick and fail with `cancelled`, and calls that have not started fail at once. For a host
    /// that is shutting down and will not wait for its calls any longer.
    pub fn cancel_calls(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    /// Whether [`cancel_calls`](Self::cancel_calls) was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
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
}
