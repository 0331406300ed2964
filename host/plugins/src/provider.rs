//! A provider plugin (the `provider` world) as the kit's [`Provider`], plus the webhook side
//! the HTTP server calls: [`WasmProvider::verify_signature`] and
//! [`WasmProvider::parse_webhook`].

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use roomkit_kit::{DeliveryError, InboundMessage, Provider, ProviderResult, StatusUpdate};
use roomkit_model::{ChannelBinding, DeliveryStatus, RoomEvent};
use roomkit_store::ConversationStore;

use crate::bindings::wit;
use crate::convert::{binding_to_wit, event_to_wit, inbound_from_wit, json_map};
use crate::engine::PluginEngine;
use crate::error::{CallFailure, Result, delivery_error, returned_delivery_error};
use crate::handle::PluginHandle;
use crate::info::PluginInfo;
use crate::loaded::loaded_plugin;
use crate::manifest::PluginKind;
use crate::runtime::{Runtime, world};
use crate::settings::Settings;
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

/// The largest body a provider may answer a webhook with.
pub const MAX_WEBHOOK_ANSWER_BYTES: usize = 64 * 1024;
/// The most status updates one webhook may carry.
pub const MAX_STATUS_UPDATES: usize = 1000;

/// An HTTP request that arrived at `GET` or `POST /v1/webhooks/{channel_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WebhookRequest {
    /// The channel it is for.
    pub channel_id: String,
    /// The HTTP method.
    pub method: String,
    /// The request path, without the query.
    pub path: String,
    /// The query string without `?` (empty when none).
    pub query: String,
    /// The URL the service called: the host's public URL + path + query.
    pub public_url: String,
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
            query: self.query.clone(),
            public_url: self.public_url.clone(),
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

/// The HTTP answer a provider gives the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAnswer {
    /// The status code (100–599).
    pub status: u16,
    /// Its content type, if any.
    pub content_type: Option<String>,
    /// Its body.
    pub body: Vec<u8>,
}

/// What a verified webhook carries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedWebhook {
    /// The messages, each checked.
    pub messages: Vec<InboundMessage>,
    /// The services' news about delivered messages.
    pub status_updates: Vec<StatusUpdate>,
    /// The answer the service expects; none: the host's own.
    pub answer: Option<WebhookAnswer>,
}

fn status_from_wit(status: wit::DeliveryStatus) -> DeliveryStatus {
    match status {
        wit::DeliveryStatus::Queued => DeliveryStatus::Queued,
        wit::DeliveryStatus::Sent => DeliveryStatus::Sent,
        wit::DeliveryStatus::Delivered => DeliveryStatus::Delivered,
        wit::DeliveryStatus::Read => DeliveryStatus::Read,
        wit::DeliveryStatus::Failed => DeliveryStatus::Failed,
    }
}

/// A plugin's `webhook-result`, checked: messages valid, at most [`MAX_STATUS_UPDATES`]
/// updates with ids, an answer with a real status and at most [`MAX_WEBHOOK_ANSWER_BYTES`].
fn parsed_from_wit(result: wit::WebhookResult) -> Result<ParsedWebhook, String> {
    let messages = result
        .messages
        .into_iter()
        .enumerate()
        .map(|(n, m)| inbound_from_wit(m).map_err(|e| format!("message {n}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    if result.status_updates.len() > MAX_STATUS_UPDATES {
        return Err(format!(
            "{} status updates; at most {MAX_STATUS_UPDATES} per webhook",
            result.status_updates.len()
        ));
    }
    let status_updates = result
        .status_updates
        .into_iter()
        .enumerate()
        .map(|(n, u)| {
            if u.provider_message_id.is_empty() {
                return Err(format!("status update {n}: empty provider-message-id"));
            }
            Ok(StatusUpdate {
                provider_message_id: u.provider_message_id,
                status: status_from_wit(u.status),
                error_code: u.error_code,
                error_message: u.error_message,
                metadata: json_map(&u.metadata, "status update metadata")
                    .map_err(|e| format!("status update {n}: {e}"))?,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let answer = result
        .response
        .map(|r| {
            if !(100..=599).contains(&r.status) {
                return Err(format!(
                    "response status {} is not an HTTP status",
                    r.status
                ));
            }
            if r.body.len() > MAX_WEBHOOK_ANSWER_BYTES {
                return Err(format!(
                    "response body of {} bytes; at most {MAX_WEBHOOK_ANSWER_BYTES}",
                    r.body.len()
                ));
            }
            Ok(WebhookAnswer {
                status: r.status,
                content_type: r.content_type,
                body: r.body,
            })
        })
        .transpose()?;
    Ok(ParsedWebhook {
        messages,
        status_updates,
        answer,
    })
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

    /// Calls `deliver` for a channel with its `settings`. The plugin's own delivery error keeps
    /// its `retryable`, code and `retry-after-ms`; its message is prefixed with
    /// `plugin NAME: deliver: returned an error:`, secrets masked.
    pub async fn deliver(
        &self,
        event: &RoomEvent,
        binding: &ChannelBinding,
        settings: Option<&Arc<Settings>>,
    ) -> Result<ProviderResult, DeliveryError> {
        let (event, binding) = (event_to_wit(event), binding_to_wit(binding));
        let outcome = self
            .runtime
            .call_for(
                "deliver",
                None,
                settings,
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
            Ok(Delivered::Refused(mut refusal)) => Err({
                self.runtime.count_failure();
                refusal.message = self
                    .runtime
                    .redact(settings.map(|s| &**s), &refusal.message);
                returned_delivery_error(&self.runtime.info.name, "deliver", refusal)
            }),
            Err(err) => Err(delivery_error(err)),
        }
    }

    /// Calls `verify-signature` for a channel with its `settings`: whether the request really
    /// comes from the service.
    pub async fn verify_signature(
        &self,
        request: &WebhookRequest,
        settings: Option<&Arc<Settings>>,
    ) -> Result<bool> {
        let request = request.to_wit();
        self.runtime
            .call_for(
                "verify-signature",
                None,
                settings,
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

    /// Calls `parse-webhook` for a channel with its `settings`: the inbound messages (each
    /// checked: content, event type, visibility, metadata), status updates and answer a
    /// verified request carries. Call [`verify_signature`] first.
    ///
    /// [`verify_signature`]: WasmProvider::verify_signature
    pub async fn parse_webhook(
        &self,
        request: &WebhookRequest,
        settings: Option<&Arc<Settings>>,
    ) -> Result<ParsedWebhook> {
        let request = request.to_wit();
        self.runtime
            .call_for(
                "parse-webhook",
                None,
                settings,
                move |warm, _| {
                    Box::pin(async move {
                        warm.exports
                            .call_parse_webhook(&mut warm.store, &request)
                            .await
                    })
                },
                |answer| {
                    parsed_from_wit(answer.map_err(CallFailure::Returned)?)
                        .map_err(CallFailure::Returned)
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
        self.deliver(event, binding, None).await
    }
}

/// A handle to a provider plugin; implements the kit's [`Provider`] (without channel
/// settings: [`ChannelProvider`] adds them).
pub type ProviderHandle = PluginHandle<WasmProvider>;

impl ProviderHandle {
    /// [`WasmProvider::verify_signature`] on the current version.
    pub async fn verify_signature(
        &self,
        request: &WebhookRequest,
        settings: Option<&Arc<Settings>>,
    ) -> Result<bool> {
        self.loaded("verify-signature")?
            .verify_signature(request, settings)
            .await
    }

    /// [`WasmProvider::parse_webhook`] on the current version.
    pub async fn parse_webhook(
        &self,
        request: &WebhookRequest,
        settings: Option<&Arc<Settings>>,
    ) -> Result<ParsedWebhook> {
        self.loaded("parse-webhook")?
            .parse_webhook(request, settings)
            .await
    }

    /// The secrets list of the loaded version's manifest (empty when none is loaded).
    pub fn secret_keys(&self) -> Vec<String> {
        self.loaded("config")
            .map(|p| p.info().manifest.secrets.clone())
            .unwrap_or_default()
    }

    /// The channel type the loaded version's manifest declares.
    pub fn channel_type(&self) -> Option<String> {
        self.loaded("config")
            .ok()
            .and_then(|p| p.info().manifest.channel_type.clone())
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
        provider.deliver(event, binding, None).await
    }
}

/// A provider plugin serving one channel: every call for the channel carries the channel's
/// settings (its `config` table), which the plugin's `config` import answers first.
#[derive(Clone)]
pub struct ChannelProvider {
    handle: ProviderHandle,
    settings: Arc<Settings>,
}

impl std::fmt::Debug for ChannelProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelProvider")
            .field("plugin", &self.handle.name())
            .field("settings", &self.settings)
            .finish()
    }
}

impl ChannelProvider {
    /// `handle` serving a channel with `settings`.
    pub fn new(handle: ProviderHandle, settings: Settings) -> Self {
        ChannelProvider {
            handle,
            settings: Arc::new(settings),
        }
    }

    /// The plugin.
    pub fn handle(&self) -> &ProviderHandle {
        &self.handle
    }

    /// [`WasmProvider::verify_signature`] with the channel's settings.
    pub async fn verify_signature(&self, request: &WebhookRequest) -> Result<bool> {
        self.handle
            .verify_signature(request, Some(&self.settings))
            .await
    }

    /// [`WasmProvider::parse_webhook`] with the channel's settings.
    pub async fn parse_webhook(&self, request: &WebhookRequest) -> Result<ParsedWebhook> {
        self.handle
            .parse_webhook(request, Some(&self.settings))
            .await
    }
}

#[async_trait]
impl Provider for ChannelProvider {
    fn name(&self) -> &str {
        self.handle.name()
    }

    async fn send(
        &self,
        event: &RoomEvent,
        binding: &ChannelBinding,
    ) -> Result<ProviderResult, DeliveryError> {
        let provider = self.handle.loaded("deliver").map_err(delivery_error)?;
        provider.deliver(event, binding, Some(&self.settings)).await
    }
}

loaded_plugin!(WasmProvider);
