//! A hook plugin (the `hook` world): registered with the kit on its manifest's triggers,
//! with its priority, filters, timeout and fail policy. Instances, limits and statistics are
//! the shared [`Runtime`]'s.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use roomkit_kit::{Hook, HookError, HookResult, HookSpec, HookTrigger, RoomContext, RoomKit};
use roomkit_model::RoomEvent;
use roomkit_store::ConversationStore;

use crate::bindings::hook::Hook as HookWorld;
use crate::convert::{event_to_wit, hook_result_from_wit, trigger};
use crate::engine::PluginEngine;
use crate::runtime::{PluginStats, Runtime, StatsSnapshot};
use crate::state::PluginInfo;
use crate::{CallFailure, Manifest, Result};

/// A hook plugin, ready to call.
pub struct WasmPlugin {
    runtime: Runtime<HookWorld>,
}

impl std::fmt::Debug for WasmPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmPlugin")
            .field("name", &self.runtime.info.name)
            .finish_non_exhaustive()
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
        Ok(WasmPlugin {
            runtime: Runtime::load(engine, path, store)?,
        })
    }

    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.runtime.info.name
    }

    /// The plugin's manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.runtime.info.manifest
    }

    /// What the host knows about it (name, manifest, version).
    pub fn info(&self) -> &PluginInfo {
        &self.runtime.info
    }

    /// Call counters.
    pub fn stats(&self) -> &PluginStats {
        &self.runtime.stats
    }

    /// The counters now, with the number of warm instances.
    pub fn snapshot(&self) -> StatsSnapshot {
        self.runtime.snapshot()
    }

    /// Registers the plugin as a global hook on each of its triggers. The kit's own timeout is
    /// set a little above the runtime's outer deadline, so the plugin's precise deadline error
    /// wins.
    /// Returns the hook names used, for [`unregister`](Self::unregister).
    pub fn register(self: &Arc<Self>, kit: &RoomKit) -> Vec<String> {
        let manifest = &self.runtime.info.manifest;
        let mut names = Vec::with_capacity(manifest.triggers.len());
        for &trigger in &manifest.triggers {
            let name = if manifest.triggers.len() == 1 {
                self.runtime.info.name.clone()
            } else {
                format!(
                    "{}:{}",
                    self.runtime.info.name,
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
                .timeout(self.runtime.outer_deadline() + std::time::Duration::from_millis(500));
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

    /// Calls the plugin's `handle` export.
    pub async fn call(
        &self,
        hook_trigger: HookTrigger,
        event: &RoomEvent,
        ctx: &RoomContext,
    ) -> Result<HookResult> {
        let (hook_trigger, wit_event) = (trigger(hook_trigger), event_to_wit(event));
        self.runtime
            .call(
                "handle",
                Some(ctx),
                move |warm, ctx| {
                    Box::pin(async move {
                        let ctx = ctx.ok_or_else(|| wasmtime::format_err!("no room context"))?;
                        warm.exports
                            .call_handle(&mut warm.store, hook_trigger, &wit_event, ctx)
                            .await
                    })
                },
                |answer| match answer {
                    Ok(result) => {
                        hook_result_from_wit(event, result).map_err(CallFailure::Returned)
                    }
                    Err(message) => Err(CallFailure::Returned(message)),
                },
            )
            .await
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
        self.call(trigger, event, ctx).await.map_err(|e| match &e {
            crate::Error::Call {
                cause: CallFailure::Deadline(_),
                ..
            } => HookError::timeout(e.to_string()),
            _ => HookError::new(e.to_string()),
        })
    }
}
