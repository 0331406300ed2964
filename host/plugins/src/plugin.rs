//! A loaded plugin: its compiled component, a pool of warm instances, and the calls into it
//! with fuel, deadline and memory limits. A trap or a limit hit poisons the instance it hit; the
//! next call gets a fresh one.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use roomkit_kit::{Hook, HookError, HookResult, HookSpec, HookTrigger, RoomContext, RoomKit};
use roomkit_model::RoomEvent;
use roomkit_store::ConversationStore;
use wasmtime::component::Resource;
use wasmtime::{Store, Trap};

use crate::bindings::{Hook as HookWorld, HookPre};
use crate::convert::{event_to_wit, hook_result_from_wit, trigger};
use crate::engine::PluginEngine;
use crate::state::{PluginInfo, PluginState, RoomCtx};
use crate::{CallFailure, Error, InstancePolicy, Manifest, Result};

/// How many warm instances a plugin keeps.
const POOL_SIZE: usize = 8;

struct Warm {
    store: Store<PluginState>,
    hook: HookWorld,
}

/// Counters of a plugin's calls.
#[derive(Debug, Default)]
pub struct PluginStats {
    /// Calls made.
    pub calls: AtomicU64,
    /// Calls that failed (trap, limit, returned error).
    pub failures: AtomicU64,
    /// Instances created.
    pub instantiations: AtomicU64,
}

/// A hook plugin, ready to call.
pub struct WasmPlugin {
    info: Arc<PluginInfo>,
    engine: PluginEngine,
    pre: HookPre<PluginState>,
    pool: Mutex<Vec<Warm>>,
    stats: PluginStats,
}

impl std::fmt::Debug for WasmPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmPlugin")
            .field("name", &self.info.name)
            .finish_non_exhaustive()
    }
}

fn classify(err: &wasmtime::Error, info: &PluginInfo) -> CallFailure {
    match err.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => CallFailure::OutOfFuel(info.manifest.fuel),
        Some(Trap::Interrupt) => CallFailure::Deadline(info.manifest.timeout_ms),
        _ => {
            let text = format!("{err:#}");
            if text.contains("memory") && (text.contains("limit") || text.contains("grow")) {
                CallFailure::Memory(info.manifest.memory_mb.saturating_mul(1024 * 1024))
            } else {
                CallFailure::Trap(text)
            }
        }
    }
}

impl WasmPlugin {
    /// Compiles and checks a component against the `hook` world. The name comes from the file
    /// stem; the manifest from `NAME.toml` beside it.
    pub fn load(
        engine: &PluginEngine,
        path: &Path,
        store: Option<Arc<dyn ConversationStore>>,
    ) -> Result<Self> {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "plugin".to_owned());
        let manifest = Manifest::for_component(path, &name)?;
        let load_error = |reason: String| Error::Load {
            plugin: name.clone(),
            path: path.display().to_string(),
            reason,
        };
        let bytes = std::fs::read(path).map_err(|e| load_error(e.to_string()))?;
        let component = engine
            .component(&bytes)
            .map_err(|e| load_error(format!("not a valid component: {e:#}")))?;
        let pre = engine
            .linker
            .instantiate_pre(&component)
            .map_err(|e| load_error(format!("imports something the host does not offer (wrong world or an unsupported roomkit:plugin version): {e:#}")))?;
        let pre = HookPre::new(pre)
            .map_err(|e| load_error(format!("is not a hook (roomkit:plugin/hook@0.1.0): {e:#}")))?;
        Ok(WasmPlugin {
            info: Arc::new(PluginInfo {
                name,
                manifest,
                store,
            }),
            engine: engine.clone(),
            pre,
            pool: Mutex::new(Vec::new()),
            stats: PluginStats::default(),
        })
    }

    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.info.name
    }

    /// The plugin's manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.info.manifest
    }

    /// Call counters.
    pub fn stats(&self) -> &PluginStats {
        &self.stats
    }

    /// Registers the plugin as a global hook on each of its triggers. The kit's own timeout is
    /// set a little above the plugin's deadline, so the precise deadline error wins.
    /// Returns the hook names used, for [`unregister`](Self::unregister).
    pub fn register(self: &Arc<Self>, kit: &RoomKit) -> Vec<String> {
        let manifest = &self.info.manifest;
        let mut names = Vec::with_capacity(manifest.triggers.len());
        for &trigger in &manifest.triggers {
            let name = if manifest.triggers.len() == 1 {
                self.info.name.clone()
            } else {
                format!(
                    "{}:{}",
                    self.info.name,
                    serde_json::to_value(trigger)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                )
            };
            names.push(name.clone());
            let mut spec = HookSpec::new(name, trigger)
                .priority(manifest.priority)
                .filter(manifest.filter())
                .timeout(manifest.timeout() + std::time::Duration::from_millis(500));
            if let Some(execution) = manifest.execution {
                spec.execution = execution;
            }
            if manifest.fail_closed {
                spec = spec.fail_closed();
            }
            kit.add_hook(spec, Arc::clone(self) as Arc<dyn Hook>);
        }
        names
    }

    async fn instance(&self) -> Result<Warm, CallFailure> {
        if self.info.manifest.instance == InstancePolicy::Reuse
            && let Some(warm) = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop()
        {
            return Ok(warm);
        }
        let mut store = Store::new(
            &self.engine.engine,
            PluginState::new(Arc::clone(&self.info)),
        );
        store.limiter(|state| &mut state.limits);
        store
            .set_fuel(self.info.manifest.fuel)
            .map_err(|e| CallFailure::Host(e.to_string()))?;
        store.epoch_deadline_trap();
        store.set_epoch_deadline(PluginEngine::ticks(self.info.manifest.timeout()));
        self.stats.instantiations.fetch_add(1, Ordering::Relaxed);
        let hook = self
            .pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| classify(&e, &self.info))?;
        Ok(Warm { store, hook })
    }

    /// Calls the plugin's `handle` export.
    pub async fn call(
        &self,
        hook_trigger: HookTrigger,
        event: &RoomEvent,
        ctx: &RoomContext,
    ) -> Result<HookResult> {
        self.stats.calls.fetch_add(1, Ordering::Relaxed);
        let outcome = self.call_inner(hook_trigger, event, ctx).await;
        if outcome.is_err() {
            self.stats.failures.fetch_add(1, Ordering::Relaxed);
        }
        outcome.map_err(|cause| Error::Call {
            plugin: self.info.name.clone(),
            function: "handle",
            cause,
        })
    }

    async fn call_inner(
        &self,
        hook_trigger: HookTrigger,
        event: &RoomEvent,
        ctx: &RoomContext,
    ) -> Result<HookResult, CallFailure> {
        let mut warm = self.instance().await?;
        let host = |e: wasmtime::Error| CallFailure::Host(e.to_string());
        warm.store.set_fuel(self.info.manifest.fuel).map_err(host)?;
        warm.store
            .set_epoch_deadline(PluginEngine::ticks(self.info.manifest.timeout()));
        let lent = warm
            .store
            .data_mut()
            .table
            .push(RoomCtx { ctx: ctx.clone() })
            .map_err(|e| CallFailure::Host(e.to_string()))?;
        let borrowed = Resource::<RoomCtx>::new_borrow(lent.rep());
        let answer = warm
            .hook
            .call_handle(
                &mut warm.store,
                trigger(hook_trigger),
                &event_to_wit(event),
                borrowed,
            )
            .await;
        let answer = match answer {
            Ok(answer) => answer,
            // A trap or a limit poisons the instance: it is dropped here, not pooled.
            Err(err) => return Err(classify(&err, &self.info)),
        };
        let _ = warm.store.data_mut().table.delete(lent);
        let result = match answer {
            Ok(result) => hook_result_from_wit(event, result).map_err(CallFailure::Returned),
            Err(message) => Err(CallFailure::Returned(message)),
        };
        if self.info.manifest.instance == InstancePolicy::Reuse {
            let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
            if pool.len() < POOL_SIZE {
                pool.push(warm);
            }
        }
        result
    }
}

#[async_trait]
impl Hook for WasmPlugin {
    async fn handle(
        &self,
        trigger: HookTrigger,
        event: &RoomEvent,
        ctx: &RoomContext,
    ) -> Result<HookResult, HookError> {
        self.call(trigger, event, ctx)
            .await
            .map_err(|e| HookError::new(e.to_string()))
    }
}
