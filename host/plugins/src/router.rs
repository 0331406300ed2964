//! An inbound router plugin (the `inbound-router` world) as the kit's [`InboundRouter`].
//! `route::default`, and a failing call, fall back to the kit's [`DefaultInboundRouter`]: a
//! broken router must not drop messages.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use roomkit_kit::{DefaultInboundRouter, InboundMessage, InboundRouter};
use roomkit_store::ConversationStore;

use crate::bindings::wit;
use crate::convert::inbound_to_wit;
use crate::engine::PluginEngine;
use crate::error::{CallFailure, Result};
use crate::handle::PluginHandle;
use crate::info::PluginInfo;
use crate::loaded::loaded_plugin;
use crate::manifest::PluginKind;
use crate::runtime::{Runtime, world};
use crate::state::PluginState;
use crate::stats::StatsSnapshot;

/// The `inbound-router` world.
mod world {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "inbound-router",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "roomkit:plugin/types": crate::bindings::hook::roomkit::plugin::types,
            "roomkit:plugin/host": crate::bindings::hook::roomkit::plugin::host,
        },
    });
}

use world::InboundRouter as RouterWorld;
world!(
    RouterWorld,
    world::InboundRouterPre<PluginState>,
    PluginKind::InboundRouter
);

/// Where a router sends a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Into this room (created when it does not exist).
    Room(String),
    /// Into a new room.
    NewRoom,
    /// Wherever the host's default routing puts it.
    Default,
}

/// An inbound router plugin, ready to call.
pub struct WasmInboundRouter {
    runtime: Runtime<RouterWorld>,
}

impl std::fmt::Debug for WasmInboundRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmInboundRouter")
            .field("name", &self.runtime.info.name)
            .finish_non_exhaustive()
    }
}

impl WasmInboundRouter {
    /// Compiles and checks a component against the `inbound-router` world; its manifest must
    /// say `kind = "inbound-router"`.
    pub fn load(
        engine: &PluginEngine,
        path: &Path,
        store: Option<Arc<dyn ConversationStore>>,
    ) -> Result<Self> {
        Ok(WasmInboundRouter {
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

    /// Calls the plugin's `route` export.
    pub async fn route_message(
        &self,
        message: &InboundMessage,
        channel_type: &str,
    ) -> Result<Route> {
        let (message, channel_type) = (inbound_to_wit(message), channel_type.to_owned());
        self.runtime
            .call(
                "route",
                None,
                move |warm, _| {
                    Box::pin(async move {
                        warm.exports
                            .call_route(&mut warm.store, &message, &channel_type)
                            .await
                    })
                },
                |answer| match answer {
                    Ok(wit::Route::Room(id)) if id.trim().is_empty() => Err(CallFailure::Returned(
                        "route::room with an empty room id".to_owned(),
                    )),
                    Ok(wit::Route::Room(id)) => Ok(Route::Room(id)),
                    Ok(wit::Route::NewRoom) => Ok(Route::NewRoom),
                    Ok(wit::Route::Default) => Ok(Route::Default),
                    Err(message) => Err(CallFailure::Returned(message)),
                },
            )
            .await
    }
}

#[async_trait]
impl InboundRouter for WasmInboundRouter {
    async fn route(
        &self,
        message: &InboundMessage,
        channel_type: &str,
        store: &dyn ConversationStore,
    ) -> roomkit_kit::Result<Option<String>> {
        match self.route_message(message, channel_type).await {
            Ok(Route::Room(id)) => Ok(Some(id)),
            Ok(Route::NewRoom) => Ok(None),
            Ok(Route::Default) => {
                DefaultInboundRouter
                    .route(message, channel_type, store)
                    .await
            }
            Err(err) => {
                tracing::warn!(%err, channel = %message.channel_id, "inbound router failed; default routing");
                DefaultInboundRouter
                    .route(message, channel_type, store)
                    .await
            }
        }
    }
}

/// A handle to an inbound router plugin; implements the kit's [`InboundRouter`].
pub type InboundRouterHandle = PluginHandle<WasmInboundRouter>;

#[async_trait]
impl InboundRouter for InboundRouterHandle {
    async fn route(
        &self,
        message: &InboundMessage,
        channel_type: &str,
        store: &dyn ConversationStore,
    ) -> roomkit_kit::Result<Option<String>> {
        match self.current() {
            Some(router) => router.route(message, channel_type, store).await,
            None => {
                tracing::warn!(plugin = %PluginHandle::name(self), "inbound router not loaded; default routing");
                DefaultInboundRouter
                    .route(message, channel_type, store)
                    .await
            }
        }
    }
}

loaded_plugin!(WasmInboundRouter);
