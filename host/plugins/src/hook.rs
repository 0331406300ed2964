//! A hook plugin (the `hook` world, or the `identity-hook` world, which adds
//! `handle-identity`): registered with the kit on its manifest's triggers, with its priority,
//! filters, timeout and fail policy. Instances, limits and statistics are the shared
//! [`Runtime`]'s.
//!
//! Which world a component targets is read from its exports when it is loaded: one that
//! exports `handle-identity` is instantiated as `identity-hook`, any other as `hook`. So a
//! component built before `identity-hook` existed loads and runs as it did; only a manifest that
//! names an identity trigger needs the new export, and one that names it without having it is
//! refused with both worlds named.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use roomkit_kit::{
    Hook, HookError, HookResult, HookSpec, HookTrigger, IdentityHook, IdentityHookResult,
    IdentityResult, InboundMessage, RoomContext, RoomKit,
};
use roomkit_model::RoomEvent;
use roomkit_store::ConversationStore;
use wasmtime::Store;
use wasmtime::component::{InstancePre, Resource};

use crate::bindings::{RoomCtx, hook, wit};
use crate::convert::{
    event_to_wit, hook_result_from_wit, identity_decision_from_wit, identity_result_to_wit,
    inbound_to_wit, trigger,
};
use crate::engine::PluginEngine;
use crate::error::{CallFailure, Error, Result};
use crate::info::PluginInfo;
use crate::loaded::LoadedPlugin;
use crate::manifest::{IDENTITY_HOOK_WORLD, Manifest, PluginKind, is_identity_trigger};
use crate::runtime::{Runtime, World};
use crate::state::PluginState;
use crate::stats::{PluginStats, StatsSnapshot};

/// The `identity-hook` world: the `hook` world (of [`crate::bindings`]) plus `handle-identity`.
mod identity_hook {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "identity-hook",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "roomkit:plugin/types": crate::bindings::hook::roomkit::plugin::types,
            "roomkit:plugin/host": crate::bindings::hook::roomkit::plugin::host,
            "roomkit:plugin/room-context": crate::bindings::hook::roomkit::plugin::room_context,
        },
    });
}

/// The export that makes a hook component an `identity-hook` one.
const HANDLE_IDENTITY: &str = "handle-identity";

/// A hook component checked against the world its exports say it targets.
pub(crate) enum HookPre {
    Plain(hook::HookPre<PluginState>),
    Identity(identity_hook::IdentityHookPre<PluginState>),
}

/// An instance of a hook component.
pub(crate) enum HookExports {
    Plain(hook::Hook),
    Identity(identity_hook::IdentityHook),
}

impl World for HookExports {
    type Pre = HookPre;
    const KIND: PluginKind = PluginKind::Hook;

    fn pre(pre: InstancePre<PluginState>) -> wasmtime::Result<HookPre> {
        let component = pre.component();
        let identity = component
            .component_type()
            .exports(component.engine())
            .any(|(name, _)| name == HANDLE_IDENTITY);
        if identity {
            identity_hook::IdentityHookPre::new(pre).map(HookPre::Identity)
        } else {
            hook::HookPre::new(pre).map(HookPre::Plain)
        }
    }

    async fn instantiate<'a>(
        pre: &'a HookPre,
        store: &'a mut Store<PluginState>,
    ) -> wasmtime::Result<Self> {
        Ok(match pre {
            HookPre::Plain(pre) => HookExports::Plain(pre.instantiate_async(store).await?),
            HookPre::Identity(pre) => HookExports::Identity(pre.instantiate_async(store).await?),
        })
    }
}

impl HookExports {
    async fn call_handle(
        &self,
        store: &mut Store<PluginState>,
        trigger: wit::HookTrigger,
        event: &wit::RoomEvent,
        ctx: Resource<RoomCtx>,
    ) -> wasmtime::Result<Result<wit::HookResult, String>> {
        match self {
            HookExports::Plain(exports) => exports.call_handle(store, trigger, event, ctx).await,
            HookExports::Identity(exports) => exports.call_handle(store, trigger, event, ctx).await,
        }
    }
}

/// A hook plugin, ready to call.
pub struct WasmPlugin {
    runtime: Runtime<HookExports>,
    /// It exports `handle-identity` (the `identity-hook` world).
    handles_identity: bool,
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
        let runtime: Runtime<HookExports> = Runtime::load(engine, path, store)?;
        let handles_identity = matches!(runtime.pre(), HookPre::Identity(_));
        let manifest = &runtime.info.manifest;
        if !handles_identity
            && let Some(&identity) = manifest.triggers.iter().find(|&&t| is_identity_trigger(t))
        {
            return Err(Error::Load {
                plugin: runtime.info.name.clone(),
                path: path.display().to_string(),
                reason: format!(
                    "its manifest names the trigger {}, which needs the export \
                     {HANDLE_IDENTITY} of the world {IDENTITY_HOOK_WORLD}, but it is a {} \
                     component without it (rebuild it against {IDENTITY_HOOK_WORLD}, or take \
                     the identity triggers out of its manifest)",
                    trigger_name(identity),
                    PluginKind::Hook.world(),
                ),
            });
        }
        Ok(WasmPlugin {
            runtime,
            handles_identity,
        })
    }

    /// Whether it exports `handle-identity` (the `identity-hook` world) and so can run on the
    /// identity triggers.
    pub fn handles_identity(&self) -> bool {
        self.handles_identity
    }

    /// The world the component targets: `roomkit:plugin/hook@0.2.0` or
    /// `roomkit:plugin/identity-hook@0.2.0`.
    pub fn world(&self) -> &'static str {
        if self.handles_identity {
            IDENTITY_HOOK_WORLD
        } else {
            PluginKind::Hook.world()
        }
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

    /// Registers the plugin as a global hook on each of its triggers: an identity hook
    /// (`kit.add_identity_hook`) on the identity triggers, a hook on the others. The kit's own
    /// timeout is set a little above the runtime's outer deadline, so the plugin's precise
    /// deadline error wins.
    /// Returns the hook names used, for [`unregister`](Self::unregister).
    pub fn register(self: &Arc<Self>, kit: &RoomKit) -> Vec<String> {
        let manifest = &self.runtime.info.manifest;
        let mut names = Vec::with_capacity(manifest.triggers.len());
        for &trigger in &manifest.triggers {
            let name = if manifest.triggers.len() == 1 {
                self.runtime.info.name.clone()
            } else {
                format!("{}:{}", self.runtime.info.name, trigger_name(trigger))
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
            // A name is registered once, as a hook or as an identity hook; a new version that
            // moved it from one to the other must not leave the old registration behind.
            if is_identity_trigger(trigger) {
                kit.remove_hook(&spec.name);
                // `load` refused a component without the export for these triggers.
                if self.handles_identity {
                    kit.add_identity_hook(spec, Arc::clone(self) as Arc<dyn IdentityHook>);
                }
            } else {
                kit.remove_identity_hook(&spec.name);
                kit.add_hook(spec, Arc::clone(self) as Arc<dyn Hook>);
            }
        }
        names
    }

    /// Calls the plugin's `handle-identity` export: its decision about a sender the resolver
    /// could not settle, or `None` to leave it to the next hook. An `err` it returns, a trap, a
    /// limit hit, or a decision the host cannot use is an error naming the plugin,
    /// `handle-identity` and the cause.
    pub async fn call_identity(
        &self,
        hook_trigger: HookTrigger,
        message: &InboundMessage,
        result: &IdentityResult,
        ctx: &RoomContext,
    ) -> Result<Option<IdentityHookResult>> {
        if !self.handles_identity {
            return Err(Error::Call {
                plugin: self.runtime.info.name.clone(),
                function: HANDLE_IDENTITY,
                cause: CallFailure::Host(format!(
                    "not exported: the component targets {}, not {IDENTITY_HOOK_WORLD}",
                    PluginKind::Hook.world()
                )),
            });
        }
        let (hook_trigger, message, result) = (
            trigger(hook_trigger),
            inbound_to_wit(message),
            identity_result_to_wit(result),
        );
        self.runtime
            .call(
                HANDLE_IDENTITY,
                Some(ctx),
                move |warm, ctx| {
                    Box::pin(async move {
                        let ctx = ctx.ok_or_else(|| wasmtime::format_err!("no room context"))?;
                        match &warm.exports {
                            HookExports::Identity(exports) => {
                                exports
                                    .call_handle_identity(
                                        &mut warm.store,
                                        hook_trigger,
                                        &message,
                                        &result,
                                        ctx,
                                    )
                                    .await
                            }
                            HookExports::Plain(_) => Err(wasmtime::format_err!(
                                "the instance does not export {HANDLE_IDENTITY}"
                            )),
                        }
                    })
                },
                |answer| match answer {
                    Ok(decision) => decision
                        .map(identity_decision_from_wit)
                        .transpose()
                        .map_err(CallFailure::Returned),
                    Err(message) => Err(CallFailure::Returned(message)),
                },
            )
            .await
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

/// A plugin's failure as the kit's hook error: a missed deadline is a timeout.
fn hook_error(e: Error) -> HookError {
    match &e {
        Error::Call {
            cause: CallFailure::Deadline(_),
            ..
        } => HookError::timeout(e.to_string()),
        _ => HookError::new(e.to_string()),
    }
}

/// The manifest name of a trigger (`on_identity_unknown`, …).
fn trigger_name(trigger: HookTrigger) -> String {
    serde_json::to_value(trigger)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[async_trait]
impl Hook for WasmPlugin {
    async fn handle(
        &self,
        trigger: HookTrigger,
        event: &RoomEvent,
        ctx: &RoomContext,
    ) -> Result<HookResult, HookError> {
        self.call(trigger, event, ctx).await.map_err(hook_error)
    }
}

#[async_trait]
impl IdentityHook for WasmPlugin {
    async fn handle(
        &self,
        trigger: HookTrigger,
        message: &InboundMessage,
        result: &IdentityResult,
        ctx: &RoomContext,
    ) -> Result<Option<IdentityHookResult>, HookError> {
        self.call_identity(trigger, message, result, ctx)
            .await
            .map_err(hook_error)
    }
}

impl LoadedPlugin for WasmPlugin {
    fn info(&self) -> &PluginInfo {
        WasmPlugin::info(self)
    }

    fn snapshot(&self) -> StatsSnapshot {
        WasmPlugin::snapshot(self)
    }

    fn register(self: Arc<Self>, kit: &RoomKit) -> Vec<String> {
        WasmPlugin::register(&self, kit)
    }
}
