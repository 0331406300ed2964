//! What every plugin kind shares: loading a component against its world, the pool of warm
//! instances, the limits of a call (fuel, epoch deadline, `StoreLimits`), poisoning an instance
//! after a trap or limit hit, and call statistics. The kind modules (`hook.rs`, `resolver.rs`,
//! `router.rs`, `provider.rs`, `ai.rs`) name their world and convert arguments and results;
//! every call of every kind goes through [`Runtime::call`].

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use roomkit_kit::RoomContext;
use roomkit_store::ConversationStore;
use sha2::{Digest, Sha256};
use wasmtime::component::{InstancePre, Resource};
use wasmtime::{Store, Trap, UpdateDeadline};

use crate::bindings::RoomCtx;
use crate::breaker::Breaker;
use crate::engine::PluginEngine;
use crate::error::{CallFailure, Error, Result};
use crate::info::{PluginInfo, plugin_name};
use crate::kv_space::KvSpace;
use crate::limits::LimitHit;
use crate::manifest::{CONTRACT, CONTRACT_VERSION, InstancePolicy, Manifest, PluginKind};
use crate::plugin_log::PluginLog;
use crate::settings::{Settings, redact_all};
use crate::state::PluginState;
use crate::stats::{Counted, PluginStats, StatsSnapshot};

/// Runs `future` to its end on a thread of its own, with a small runtime of its own: loading is
/// synchronous (the directory compiles on the blocking pool) and may be called from inside a
/// runtime, where blocking on a future is not allowed.
pub(crate) fn run_to_end<F>(future: F) -> Result<F::Output, CallFailure>
where
    F: Future + Send,
    F::Output: Send,
{
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| CallFailure::Host(format!("starting a runtime: {e}")))?;
                Ok(runtime.block_on(future))
            })
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// The future of one export call, borrowing the instance it runs in.
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A WIT world the host can instantiate: its pre-instance and its typed exports.
pub(crate) trait World: Sized + Send + 'static {
    /// The checked, ready-to-instantiate component.
    type Pre: Send + Sync + 'static;
    /// The manifest kind that asks for this world.
    const KIND: PluginKind;
    /// Checks the component's exports against the world.
    fn pre(pre: InstancePre<PluginState>) -> wasmtime::Result<Self::Pre>;
    /// A new instance.
    fn instantiate<'a>(
        pre: &'a Self::Pre,
        store: &'a mut Store<PluginState>,
    ) -> impl Future<Output = wasmtime::Result<Self>> + Send + 'a;
}

/// Implements [`World`] for a world's generated export type: `world!(Exports, ExportsPre<PluginState>,
/// PluginKind::Kind)`.
macro_rules! world {
    ($world:ty, $pre:ty, $kind:expr) => {
        impl $crate::runtime::World for $world {
            type Pre = $pre;
            const KIND: $crate::manifest::PluginKind = $kind;
            fn pre(
                pre: wasmtime::component::InstancePre<$crate::state::PluginState>,
            ) -> wasmtime::Result<Self::Pre> {
                <$pre>::new(pre)
            }
            fn instantiate<'a>(
                pre: &'a Self::Pre,
                store: &'a mut wasmtime::Store<$crate::state::PluginState>,
            ) -> impl std::future::Future<Output = wasmtime::Result<Self>> + Send + 'a {
                pre.instantiate_async(store)
            }
        }
    };
}
pub(crate) use world;

pub(crate) struct Warm<W> {
    pub(crate) store: Store<PluginState>,
    pub(crate) exports: W,
}

/// The version of the `roomkit:plugin` contract an import names when it is not the one this
/// host serves (`roomkit:plugin/host@0.1.0` → `0.1.0`).
fn foreign_contract<'a>(imports: impl Iterator<Item = &'a str>) -> Option<String> {
    imports
        .filter_map(|name| name.strip_prefix("roomkit:plugin/"))
        .filter_map(|rest| rest.split_once('@').map(|(_, version)| version))
        .find(|version| *version != CONTRACT_VERSION)
        .map(str::to_owned)
}

/// A loaded component of world `W` with its warm instances.
pub(crate) struct Runtime<W: World> {
    pub(crate) info: Arc<PluginInfo>,
    engine: PluginEngine,
    pre: W::Pre,
    pool: Mutex<Vec<Warm<W>>>,
    pub(crate) stats: Arc<PluginStats>,
    log: Arc<PluginLog>,
    kv: Arc<KvSpace>,
    breaker: Breaker,
}

impl<W: World> Runtime<W> {
    /// Compiles a component and checks it against `W`'s world. The name comes from the file
    /// stem, the manifest from `NAME.toml` beside it; its kind must be `W`'s.
    pub(crate) fn load(
        engine: &PluginEngine,
        path: &Path,
        store: Option<Arc<dyn ConversationStore>>,
    ) -> Result<Self> {
        let name = plugin_name(path);
        let manifest = Manifest::for_component(path, &name)?;
        if let Some(reason) = engine.ceilings().refuse(&manifest) {
            return Err(Error::Manifest {
                plugin: name,
                path: path.with_extension("toml").display().to_string(),
                reason,
            });
        }
        let load_error = |reason: String| Error::Load {
            plugin: name.clone(),
            path: path.display().to_string(),
            reason,
        };
        if manifest.kind != W::KIND {
            return Err(load_error(format!(
                "its manifest says kind = \"{}\", but it was loaded as {}",
                manifest.kind.as_str(),
                W::KIND.as_str()
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| load_error(e.to_string()))?;
        let component = engine
            .component(&bytes)
            .map_err(|e| load_error(format!("not a valid component: {e:#}")))?;
        let world = W::KIND.world();
        let component_type = component.component_type();
        let imports = component_type.imports(&engine.engine);
        if let Some(other) = foreign_contract(imports.map(|(name, _)| name)) {
            return Err(load_error(format!(
                "was built against roomkit:plugin@{other}, but this host serves {CONTRACT} \
                 (expected world {world}): rebuild it with the SDK of {CONTRACT}"
            )));
        }
        let pre = engine.linker.instantiate_pre(&component).map_err(|e| {
            load_error(format!(
                "imports something the host does not offer (expected world {world}; \
                 another world or an unsupported roomkit:plugin version?): {e:#}"
            ))
        })?;
        let pre = W::pre(pre).map_err(|e| {
            let exports: Vec<String> = component
                .component_type()
                .exports(&engine.engine)
                .map(|(name, _)| name.to_owned())
                .collect();
            load_error(format!(
                "is not a {world} component (manifest kind = \"{}\"): {e:#}; it exports [{}]",
                W::KIND.as_str(),
                exports.join(", ")
            ))
        })?;
        let version: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let breaker = Breaker::new(
            manifest.breaker_threshold,
            Duration::from_millis(manifest.breaker_cooldown_ms),
        );
        let stats = Arc::new(PluginStats::default());
        let log = Arc::new(PluginLog::new(&name, manifest.log, Arc::clone(&stats)));
        let plugin = name.clone();
        // One thread with a runtime of its own for the asynchronous part of loading: measuring
        // the key-value space and making the first instance.
        let loaded = run_to_end(async move {
            let kv = KvSpace::open(&name, store.clone(), manifest.kv)
                .await
                .map_err(|e| e.to_string())?;
            let runtime = Runtime {
                breaker,
                log,
                kv: Arc::new(kv),
                info: Arc::new(PluginInfo {
                    name,
                    manifest,
                    store,
                    version,
                }),
                engine: engine.clone(),
                pre,
                pool: Mutex::new(Vec::new()),
                stats,
            };
            runtime.first_instance().await?;
            Ok(runtime)
        });
        loaded
            .map_err(|failure| failure.to_string())
            .and_then(|runtime| runtime)
            .map_err(|reason| Error::Load {
                plugin,
                path: path.display().to_string(),
                reason,
            })
    }

    /// Instantiates the component once, so that limits it cannot run under (a `memory_mb`
    /// below what its initial memory needs, a start function out of fuel) refuse it at load
    /// rather than fail every call. The instance is kept warm (policy `reuse`).
    async fn first_instance(&self) -> Result<(), String> {
        let lease = self.lease().await.map_err(|failure| {
            let manifest = &self.info.manifest;
            let limit = match &failure {
                CallFailure::Memory(_) => format!(" under memory_mb = {}", manifest.memory_mb),
                CallFailure::OutOfFuel(_) => format!(" with fuel = {}", manifest.fuel),
                CallFailure::Deadline(_) => {
                    format!(" within timeout_ms = {}", manifest.timeout_ms)
                }
                _ => String::new(),
            };
            format!("it cannot be instantiated{limit}: {failure}")
        })?;
        lease.keep();
        Ok(())
    }

    /// The checked component.
    pub(crate) fn pre(&self) -> &W::Pre {
        &self.pre
    }

    fn lock_pool(&self) -> std::sync::MutexGuard<'_, Vec<Warm<W>>> {
        self.pool.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The counters now.
    pub(crate) fn snapshot(&self) -> StatsSnapshot {
        let suspended_ms = self.suspended().map_or(0, |(remaining, _)| {
            u64::try_from(remaining.as_millis())
                .unwrap_or(u64::MAX)
                .max(1)
        });
        let (kv_keys, kv_bytes) = self.kv.usage();
        StatsSnapshot {
            kv_keys,
            kv_bytes,
            ..self
                .stats
                .snapshot(self.lock_pool().len() as u64, suspended_ms)
        }
    }

    /// What a failed call reports: out of fuel, deadline, memory, a trap, or the host's
    /// cancellation.
    pub(crate) fn classify(&self, err: &wasmtime::Error) -> CallFailure {
        let manifest = &self.info.manifest;
        match err.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => CallFailure::OutOfFuel(manifest.fuel),
            Some(Trap::Interrupt) if self.engine.is_cancelled() => CallFailure::Cancelled,
            Some(Trap::Interrupt) => CallFailure::Deadline(manifest.timeout_ms),
            _ => match err.downcast_ref::<LimitHit>() {
                Some(LimitHit::Memory { limit, .. }) => CallFailure::Memory(*limit as u64),
                Some(hit @ (LimitHit::Table { .. } | LimitHit::Refused(_))) => {
                    CallFailure::Trap(hit.to_string())
                }
                None => CallFailure::Trap(format!("{err:#}")),
            },
        }
    }

    /// The deadline the host enforces around a whole call, whatever the guest does: half as
    /// long again as the manifest's `timeout_ms`. The guest's own deadline (checked at every
    /// epoch tick while wasm runs) fires first; this one cuts a call that waits in the host
    /// (a slow HTTP answer, a sleep, a store that does not answer).
    pub(crate) fn outer_deadline(&self) -> Duration {
        self.info.manifest.timeout().saturating_mul(3) / 2
    }

    /// An instance with its fuel refilled and its deadline set to `timeout_ms` from now: a
    /// warm one when the policy allows, a new one otherwise.
    pub(crate) async fn lease(&self) -> Result<Lease<'_, W>, CallFailure> {
        let manifest = &self.info.manifest;
        let host = |e: wasmtime::Error| CallFailure::Host(e.to_string());
        let deadline = Instant::now() + manifest.timeout();
        let pooled = if manifest.instance == InstancePolicy::Reuse {
            self.lock_pool().pop()
        } else {
            None
        };
        let mut warm = match pooled {
            Some(warm) => warm,
            None => {
                let mut store = Store::new(
                    &self.engine.engine,
                    PluginState::new(
                        Arc::clone(&self.info),
                        Arc::clone(&self.stats),
                        &self.log,
                        Arc::clone(&self.kv),
                        self.engine.roots.clone(),
                        Arc::clone(&self.engine.cancelled),
                    ),
                );
                store.limiter(|state| &mut state.limiter);
                store.set_fuel(manifest.fuel).map_err(host)?;
                store.data_mut().deadline = deadline;
                // Every epoch tick while wasm runs: stop at the deadline or when the host
                // cancels its calls, otherwise give the thread back to the async runtime, so
                // that a guest that computes costs its own task's share and not a worker.
                store.epoch_deadline_callback(|store| {
                    let state = store.data();
                    if state.cancelled.load(Ordering::Relaxed) || Instant::now() >= state.deadline {
                        Ok(UpdateDeadline::Interrupt)
                    } else {
                        Ok(UpdateDeadline::YieldCustom(
                            1,
                            Box::pin(tokio::task::yield_now()),
                        ))
                    }
                });
                store.set_epoch_deadline(1);
                self.stats.instantiations.fetch_add(1, Ordering::Relaxed);
                let exports = W::instantiate(&self.pre, &mut store)
                    .await
                    .map_err(|e| self.classify(&e))?;
                Warm { store, exports }
            }
        };
        warm.store.set_fuel(manifest.fuel).map_err(host)?;
        warm.store.data_mut().deadline = deadline;
        warm.store.data_mut().channel = None;
        warm.store
            .data()
            .log
            .start_call(self.secrets(None).map(str::to_owned).collect());
        warm.store.set_epoch_deadline(1);
        Ok(Lease {
            runtime: self,
            warm: Some(warm),
        })
    }

    /// Counts a call that returned normally as failed: a provider's own delivery error, which
    /// travels as a value so that its `retryable` survives.
    pub(crate) fn count_failure(&self) {
        self.stats.failures.fetch_add(1, Ordering::Relaxed);
    }

    /// One call of an export, the same for every kind: an instance is leased (with `ctx`
    /// lent to it when given), `export` calls into it, a trap or limit hit is classified and
    /// drops the instance, a normal return puts it back, and `interpret` turns the export's
    /// answer into the caller's. All of it runs under [`observe`](Self::observe): counted,
    /// timed, bounded by the outer deadline, errors naming the plugin and `function`.
    pub(crate) async fn call<A, R>(
        &self,
        function: &'static str,
        ctx: Option<&RoomContext>,
        export: impl for<'w> FnOnce(
            &'w mut Warm<W>,
            Option<Resource<RoomCtx>>,
        ) -> BoxFuture<'w, wasmtime::Result<A>>
        + Send,
        interpret: impl FnOnce(A) -> Result<R, CallFailure> + Send,
    ) -> Result<R>
    where
        A: Send,
    {
        self.call_for(function, ctx, None, export, interpret).await
    }

    /// `text` with the secrets of the manifest and of `channel` masked.
    pub(crate) fn redact(&self, channel: Option<&Settings>, text: &str) -> String {
        redact_all(text, self.secrets(channel))
    }

    /// The secret values of the manifest and of `channel`'s settings.
    fn secrets<'s>(&'s self, channel: Option<&'s Settings>) -> impl Iterator<Item = &'s str> {
        let manifest = self.info.manifest.settings.secret_values();
        manifest.chain(channel.into_iter().flat_map(Settings::secret_values))
    }

    /// [`call`](Self::call) made for a channel: while it runs, the plugin's `config` import
    /// answers from `channel` first, and the channel's secrets are masked in its log lines
    /// and errors (as the manifest's always are).
    pub(crate) async fn call_for<A, R>(
        &self,
        function: &'static str,
        ctx: Option<&RoomContext>,
        channel: Option<&Arc<Settings>>,
        export: impl for<'w> FnOnce(
            &'w mut Warm<W>,
            Option<Resource<RoomCtx>>,
        ) -> BoxFuture<'w, wasmtime::Result<A>>
        + Send,
        interpret: impl FnOnce(A) -> Result<R, CallFailure> + Send,
    ) -> Result<R>
    where
        A: Send,
    {
        let redact = |failure: CallFailure| {
            let secrets: Vec<&str> = self.secrets(channel.map(|c| &**c)).collect();
            if secrets.is_empty() {
                failure
            } else {
                failure.redacted(|text| redact_all(text, secrets.iter().copied()))
            }
        };
        self.observe(function, async {
            let mut lease = self.lease().await.map_err(redact)?;
            if let Some(channel) = channel {
                let warm = lease.warm()?;
                warm.store.data_mut().channel = Some(Arc::clone(channel));
                let secrets = self.secrets(Some(channel)).map(str::to_owned).collect();
                warm.store.data().log.start_call(secrets);
            }
            let lent = ctx.map(|ctx| lease.lend(ctx)).transpose()?;
            let borrowed = lent
                .as_ref()
                .map(|lent| Resource::<RoomCtx>::new_borrow(lent.rep()));
            let warm = lease.warm()?;
            // A trap or a limit poisons the instance: the lease drops it.
            let answer = export(warm, borrowed)
                .await
                .map_err(|e| redact(self.classify(&e)))?;
            if let Some(lent) = lent {
                lease.take_back(lent);
            }
            lease.keep();
            interpret(answer).map_err(redact)
        })
        .await
    }

    /// Runs one call: counts it, times it, cuts it at the [outer
    /// deadline](Self::outer_deadline), and names the plugin and function in its error. A call
    /// whose future is dropped before it ends (cut by this deadline, or by a caller's own, such
    /// as the pipeline's `process_timeout`) counts as failed.
    pub(crate) async fn observe<R>(
        &self,
        function: &'static str,
        call: impl Future<Output = Result<R, CallFailure>>,
    ) -> Result<R> {
        let error = |cause| Error::Call {
            plugin: self.info.name.clone(),
            function,
            cause,
        };
        if self.engine.is_cancelled() {
            return Err(error(CallFailure::Cancelled));
        }
        if let Err(suspended) = self.breaker.admit() {
            self.stats.suspended.fetch_add(1, Ordering::Relaxed);
            return Err(error(suspended));
        }
        let mut counted = Counted::start(&self.stats);
        let outcome = match tokio::time::timeout(self.outer_deadline(), call).await {
            Ok(outcome) => outcome,
            Err(_) if self.engine.is_cancelled() => Err(CallFailure::Cancelled),
            Err(_) => Err(CallFailure::Deadline(self.info.manifest.timeout_ms)),
        };
        counted.finish(outcome.is_ok());
        if let Some(failures) = self.breaker.record(outcome.as_ref().map(|_| ())) {
            let manifest = &self.info.manifest;
            let last = outcome.as_ref().err().map(ToString::to_string);
            tracing::warn!(
                plugin = %self.info.name,
                function,
                failures,
                cooldown_ms = manifest.breaker_cooldown_ms,
                "plugin {}: suspended for {} ms after {failures} failures in a row \
                 (the last in {function}: {}); calls fail at once meanwhile",
                self.info.name,
                manifest.breaker_cooldown_ms,
                last.unwrap_or_default()
            );
        }
        outcome.map_err(error)
    }

    /// While the circuit breaker suspends the plugin: how long it still lasts and the failures
    /// in a row that opened it.
    pub(crate) fn suspended(&self) -> Option<(Duration, u32)> {
        self.breaker.suspended()
    }
}

/// An instance lent to one call. Dropping it without [`keep`](Lease::keep) drops the
/// instance: that is what happens after a trap or limit hit (the component model forbids
/// entering it again), so an error path cannot put a poisoned instance back by mistake.
pub(crate) struct Lease<'a, W: World> {
    runtime: &'a Runtime<W>,
    warm: Option<Warm<W>>,
}

impl<W: World> Lease<'_, W> {
    pub(crate) fn warm(&mut self) -> Result<&mut Warm<W>, CallFailure> {
        self.warm
            .as_mut()
            .ok_or_else(|| CallFailure::Host("instance already returned".into()))
    }

    /// Lends a room context to the instance for this call.
    pub(crate) fn lend(&mut self, ctx: &RoomContext) -> Result<Resource<RoomCtx>, CallFailure> {
        self.warm()?
            .store
            .data_mut()
            .table
            .push(RoomCtx { ctx: ctx.clone() })
            .map_err(|e| CallFailure::Host(e.to_string()))
    }

    /// Takes a lent room context back.
    pub(crate) fn take_back(&mut self, lent: Resource<RoomCtx>) {
        if let Ok(warm) = self.warm() {
            let _ = warm.store.data_mut().table.delete(lent);
        }
    }

    /// The call finished without a trap: the instance goes back to the pool (policy `reuse`).
    pub(crate) fn keep(mut self) {
        let runtime = self.runtime;
        if runtime.info.manifest.instance == InstancePolicy::Reuse
            && let Some(warm) = self.warm.take()
        {
            let mut pool = runtime.lock_pool();
            if pool.len() < runtime.info.manifest.warm_instances {
                pool.push(warm);
            }
        }
    }
}
