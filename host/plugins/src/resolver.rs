//! An identity resolver plugin (the `identity-resolver` world) as the kit's
//! [`IdentityResolver`].

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use roomkit_kit::{IdentityResolver, IdentityResult, InboundMessage, RoomContext};
use roomkit_store::ConversationStore;

use crate::convert::{identity_result_from_wit, inbound_to_wit};
use crate::engine::PluginEngine;
use crate::error::{CallFailure, Result};
use crate::handle::PluginHandle;
use crate::info::PluginInfo;
use crate::loaded::loaded_plugin;
use crate::manifest::PluginKind;
use crate::runtime::{Runtime, world};
use crate::state::PluginState;
use crate::stats::StatsSnapshot;

/// The `identity-resolver` world.
mod world {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "identity-resolver",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "roomkit:plugin/types": crate::bindings::hook::roomkit::plugin::types,
            "roomkit:plugin/host": crate::bindings::hook::roomkit::plugin::host,
            "roomkit:plugin/room-context": crate::bindings::hook::roomkit::plugin::room_context,
        },
    });
}

use world::IdentityResolver as ResolverWorld;
world!(
    ResolverWorld,
    world::IdentityResolverPre<PluginState>,
    PluginKind::IdentityResolver
);

/// An identity resolver plugin, ready to call.
pub struct WasmIdentityResolver {
    runtime: Runtime<ResolverWorld>,
}

impl std::fmt::Debug for WasmIdentityResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmIdentityResolver")
            .field("name", &self.runtime.info.name)
            .finish_non_exhaustive()
    }
}

impl WasmIdentityResolver {
    /// Compiles and checks a component against the `identity-resolver` world; its manifest
    /// must say `kind = "identity-resolver"`.
    pub fn load(
        engine: &PluginEngine,
        path: &Path,
        store: Option<Arc<dyn ConversationStore>>,
    ) -> Result<Self> {
        Ok(WasmIdentityResolver {
            runtime: Runtime::load(engine, path, store)?,
        })
    }

    /// Name, manifest and version.
    pub fn info(&self) -> &PluginInfo {
        &self.runtime.info
    }

    /// The call counters now.
    pub fn snapshot(&self) -> StatsSnapshot {
        self.runtime.snapshot()
    }

    /// Calls the plugin's `resolve` export. An `err` it returns, a trap or a limit hit is an
    /// error naming the plugin, `resolve` and the cause.
    pub async fn resolve_sender(
        &self,
        message: &InboundMessage,
        channel_type: &str,
        ctx: &RoomContext,
    ) -> Result<IdentityResult> {
        let (message, channel_type) = (inbound_to_wit(message), channel_type.to_owned());
        self.runtime
            .call(
                "resolve",
                Some(ctx),
                move |warm, ctx| {
                    Box::pin(async move {
                        let ctx = ctx.ok_or_else(|| wasmtime::format_err!("no room context"))?;
                        warm.exports
                            .call_resolve(&mut warm.store, &message, &channel_type, ctx)
                            .await
                    })
                },
                |answer| match answer {
                    Ok(result) => identity_result_from_wit(result).map_err(CallFailure::Returned),
                    Err(message) => Err(CallFailure::Returned(message)),
                },
            )
            .await
    }
}

#[async_trait]
impl IdentityResolver for WasmIdentityResolver {
    async fn resolve(
        &self,
        message: &InboundMessage,
        channel_type: &str,
        ctx: &RoomContext,
    ) -> Result<IdentityResult, String> {
        self.resolve_sender(message, channel_type, ctx)
            .await
            .map_err(|e| e.to_string())
    }
}

/// A handle to an identity resolver plugin; implements the kit's [`IdentityResolver`].
pub type IdentityResolverHandle = PluginHandle<WasmIdentityResolver>;

#[async_trait]
impl IdentityResolver for IdentityResolverHandle {
    async fn resolve(
        &self,
        message: &InboundMessage,
        channel_type: &str,
        ctx: &RoomContext,
    ) -> Result<IdentityResult, String> {
        let resolver = self.loaded("resolve").map_err(|e| e.to_string())?;
        resolver.resolve(message, channel_type, ctx).await
    }
}

loaded_plugin!(WasmIdentityResolver);
