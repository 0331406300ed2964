//! A provider plugin (the `provider` world) as the kit's [`Provider`], plus the webhook side
//! the HTTP server calls: [`WasmProvider::verify_signature`] and
//! [`WasmProvider::parse_webhook`].

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use roomkit_kit::{DeliveryError, InboundMessage, Provider, ProviderResult};
use roomkit_model::{ChannelBinding, RoomEvent};
use roomkit_store::ConversationStore;

use crate::bindings::wit;
use crate::convert::{binding_to_wit, event_to_wit, inbound_from_wit};
use crate::engine::PluginEngine;
use crate::error::{CallFailure, Error, Result, delivery_error};
use crate::handle::PluginHandle;
use crate::info::PluginInfo;
use crate::loaded::loaded_plugin;
use crate::manifest::PluginKind;
use crate::runtime::{Runtime, world};
use crate::state::PluginState;
use crate::stats::StatsSnapshot;

/// The `provider` world.
mod world {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "provider",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "roomkit:plugin/types": crate::bindings::hook::roomkit::plugin::types,
            "roomkit:plugin/host": crate::bindings::hook::roomkit::plugin::host,
        },
    });
}

use world::Provider as ProviderWorld;
world!(
    ProviderWorld,
    world::ProviderPre<PluginState>,
    PluginKind::Provider
);

/// An HTTP request that arrived at `POST /v1/webhooks/{channel_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WebhookRequest {
    /// The channel it is for.
    pub channel_id: String,
    /// The HTTP method.
    pub method: String,
    /// The request path (with the query, if any).
    pub path: String,
    /// Headers, names in lower case (the plugin receives them so).
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
}

impl WebhookRequest {
    fn to_wit(&self) -> wit::WebhookRequest {
        wit::WebhookRequest {
            channel_id: self.channel_id.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            headers: self
                .headers
                .iter()
                .map(|(name, value)| wit::Header {
                    name: name.to_ascii_lowercase(),
                    value: value.clone(),
                })
                .collect(),
            body: self.body.clone(),
        }
    }
}

/// A provider plugin, ready to call.
pub struct WasmProvider {
    runtime: Runtime<ProviderWorld>,
}

impl std::fmt::Debug for WasmProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmProvider")
            .field("name", &self.runtime.info.name)
            .finish_non_exhaustive()
    }
}

/// What `deliver` answered: a receipt, or the plugin's own delivery error.
enum Delivered {
    Sent(ProviderResult),
    Refused(wit::DeliveryError),
}

impl WasmProvider {
    /// Compiles and checks a component against the `provider` world; its manifest must say
    /// `kind = "provider"`.
    pub fn load(
        engine: &PluginEngine,
        path: &Path,
        store: Option<Arc<dyn ConversationStore>>,
    ) -> Result<Self> {
        Ok(WasmProvider {
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

    /// Calls `deliver`. The plugin's own delivery error keeps its `retryable`; its message is
    /// prefixed with `plugin NAME: deliver: returned an error:`.
    pub async fn deliver(
        &self,
        event: &RoomEvent,
        binding: &ChannelBinding,
    ) -> Result<ProviderResult, DeliveryError> {
        let (event, binding) = (event_to_wit(event), binding_to_wit(binding));
        let outcome = self
            .runtime
            .call(
                "deliver",
                None,
                move |warm, _| {
                    Box::pin(async move {
                        warm.exports
                            .call_deliver(&mut warm.store, &event, &binding)
                            .await
                    })
                },
                |answer| {
                    Ok(match answer {
                        Ok(receipt) => Delivered::Sent(ProviderResult {
                            provider_message_id: receipt.provider_message_id,
                        }),
                        Err(refusal) => Delivered::Refused(refusal),
                    })
                },
            )
            .await;
        match outcome {
            Ok(Delivered::Sent(result)) => Ok(result),
            Ok(Delivered::Refused(refusal)) => Err({
                self.runtime.count_failure();
                DeliveryError {
                    message: Error::Call {
                        plugin: self.runtime.info.name.clone(),
                        function: "deliver",
                        cause: CallFailure::Returned(refusal.message),
                    }
                    .to_string(),
                    retryable: refusal.retryable,
                }
            }),
            Err(err) => Err(delivery_error(err)),
        }
    }

    /// Calls `verify-signature`: whether the request really comes from the service.
    pub async fn verify_signature(&self, request: &WebhookRequest) -> Result<bool> {
        let request = request.to_wit();
        self.runtime
            .call(
                "verify-signature",
                None,
                move |warm, _| {
                    Box::pin(async move {
                        warm.exports
                            .call_verify_signature(&mut warm.store, &request)
                            .await
                    })
                },
                Ok,
            )
            .await
    }

    /// Calls `parse-webhook`: the inbound messages a verified request carries, each checked
    /// (content, event type, visibility, metadata). Call [`verify_signature`] first.
    ///
    /// [`verify_signature`]: WasmProvider::verify_signature
    pub async fn parse_webhook(&self, request: &WebhookRequest) -> Result<Vec<InboundMessage>> {
        let request = request.to_wit();
        self.runtime
            .call(
                "parse-webhook",
                None,
                move |warm, _| {
                    Box::pin(async move {
                        warm.exports
                            .call_parse_webhook(&mut warm.store, &request)
                            .await
                    })
                },
                |answer| {
                    let messages = answer.map_err(CallFailure::Returned)?;
                    messages
                        .into_iter()
                        .enumerate()
                        .map(|(n, m)| {
                            inbound_from_wit(m)
                                .map_err(|e| CallFailure::Returned(format!("message {n}: {e}")))
                        })
                        .collect()
                },
            )
            .await
    }
}

#[async_trait]
impl Provider for WasmProvider {
    fn name(&self) -> &str {
        &self.runtime.info.name
    }

    async fn send(
        &self,
        event: &RoomEvent,
        binding: &ChannelBinding,
    ) -> Result<ProviderResult, DeliveryError> {
        self.deliver(event, binding).await
    }
}

/// A handle to a provider plugin; implements the kit's [`Provider`].
pub type ProviderHandle = PluginHandle<WasmProvider>;

impl ProviderHandle {
    /// [`WasmProvider::verify_signature`] on the current version.
    pub async fn verify_signature(&self, request: &WebhookRequest) -> Result<bool> {
        self.loaded("verify-signature")?
            .verify_signature(request)
            .await
    }

    /// [`WasmProvider::parse_webhook`] on the current version.
    pub async fn parse_webhook(&self, request: &WebhookRequest) -> Result<Vec<InboundMessage>> {
        self.loaded("parse-webhook")?.parse_webhook(request).await
    }
}

#[async_trait]
impl Provider for ProviderHandle {
    fn name(&self) -> &str {
        PluginHandle::name(self)
    }

    async fn send(
        &self,
        event: &RoomEvent,
        binding: &ChannelBinding,
    ) -> Result<ProviderResult, DeliveryError> {
        let provider = self.loaded("deliver").map_err(delivery_error)?;
        provider.deliver(event, binding).await
    }
}

loaded_plugin!(WasmProvider);
