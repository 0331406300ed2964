//! [`ApiState`]: what every handler shares — the kit, the host's plugin catalog, webhook handler
//! and channel factory, the configuration, the metrics and the WebSocket hub.

use std::sync::Arc;

use roomkit_kit::{Channel, RoomKit};
use roomkit_model::ChannelCapabilities;

use crate::channels::{ChannelFactory, ChannelInfo, ChannelSpec, WEBSOCKET_CHANNEL_TYPE};
use crate::metrics::Metrics;
use crate::ws::{Hub, WebSocketChannel};
use crate::{ApiConfig, ApiError, PluginCatalog, Result, WebhookHandler};

/// Shared state of the router. Cheap to clone.
#[derive(Clone)]
pub struct ApiState {
    inner: Arc<Inner>,
}

struct Inner {
    kit: RoomKit,
    catalog: Arc<dyn PluginCatalog>,
    webhooks: Arc<dyn WebhookHandler>,
    channel_factory: Arc<dyn ChannelFactory>,
    config: ApiConfig,
    metrics: Arc<Metrics>,
    hub: Arc<Hub>,
    metrics_task: tokio::task::JoinHandle<()>,
    /// Plugins the host cannot serve without (`/readyz` is 503 until each is loaded).
    required_plugins: std::sync::RwLock<Vec<String>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.metrics_task.abort();
    }
}

impl std::fmt::Debug for ApiState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiState")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl ApiState {
    /// State over a kit. Subscribes to the kit's framework events for `/metrics`, so it must be
    /// called inside a Tokio runtime.
    pub fn new(
        kit: RoomKit,
        catalog: Arc<dyn PluginCatalog>,
        webhooks: Arc<dyn WebhookHandler>,
        channel_factory: Arc<dyn ChannelFactory>,
        config: ApiConfig,
    ) -> Self {
        let metrics = Arc::new(Metrics::default());
        let metrics_task = metrics.follow(kit.on(None));
        let hub = Arc::new(Hub::new(config.websocket.clone()));
        ApiState {
            inner: Arc::new(Inner {
                kit,
                catalog,
                webhooks,
                channel_factory,
                config,
                metrics,
                hub,
                metrics_task,
                required_plugins: std::sync::RwLock::default(),
            }),
        }
    }

    /// The orchestrator.
    pub fn kit(&self) -> &RoomKit {
        &self.inner.kit
    }

    /// The configuration in force.
    pub fn config(&self) -> &ApiConfig {
        &self.inner.config
    }

    /// The plugin catalog.
    pub fn catalog(&self) -> &Arc<dyn PluginCatalog> {
        &self.inner.catalog
    }

    /// Names the plugins the host cannot serve without (its identity resolver, its inbound
    /// router, the providers of its configured channels): `/readyz` answers 503 until each is
    /// loaded.
    pub fn require_plugins(&self, names: impl IntoIterator<Item = String>) {
        let mut required = self
            .inner
            .required_plugins
            .write()
            .unwrap_or_else(|p| p.into_inner());
        required.extend(names);
        required.sort();
        required.dedup();
    }

    /// The plugins named by [`require_plugins`](Self::require_plugins).
    pub fn required_plugins(&self) -> Vec<String> {
        self.inner
            .required_plugins
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The webhook handler.
    pub fn webhooks(&self) -> &Arc<dyn WebhookHandler> {
        &self.inner.webhooks
    }

    /// How many WebSocket clients are connected.
    pub fn websocket_clients(&self) -> usize {
        self.inner.hub.client_count()
    }

    /// Disconnects every WebSocket client (at shutdown, after [`serve`](crate::serve) returned).
    pub fn close_websockets(&self) {
        self.inner.hub.disconnect_all();
    }

    /// The Prometheus text of `/metrics`.
    pub fn metrics_text(&self) -> String {
        self.inner
            .metrics
            .render(&self.inner.catalog.plugins(), self.inner.hub.stats())
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub(crate) fn hub(&self) -> &Arc<Hub> {
        &self.inner.hub
    }

    /// A built-in WebSocket channel delivering to this API's connected clients, not yet
    /// registered (the host registers it with the kit, or calls [`register_channel`]).
    ///
    /// [`register_channel`]: Self::register_channel
    pub fn websocket_channel(
        &self,
        id: &str,
        capabilities: Option<ChannelCapabilities>,
    ) -> Arc<dyn Channel> {
        Arc::new(WebSocketChannel::new(
            id,
            capabilities.unwrap_or_else(WebSocketChannel::default_capabilities),
            Arc::clone(&self.inner.hub),
        ))
    }

    /// Makes a channel of the spec's type (`websocket` here, others through the channel factory)
    /// and registers it with the kit. The host binary uses it for the channels of its
    /// configuration; `POST /v1/channels` uses it at runtime.
    pub async fn register_channel(&self, spec: ChannelSpec) -> Result<ChannelInfo> {
        if spec.id.trim().is_empty() {
            return Err(ApiError::invalid(
                "validation_failed",
                "id must not be empty",
            ));
        }
        if let Some(capabilities) = &spec.capabilities {
            capabilities.validate()?;
        }
        if self.kit().get_channel(&spec.id).is_some() {
            return Err(roomkit_kit::Error::ChannelExists(spec.id).into());
        }
        let channel = if spec.channel_type == WEBSOCKET_CHANNEL_TYPE {
            if !spec.config.is_empty() {
                return Err(ApiError::invalid(
                    "invalid_channel_config",
                    "websocket channels take no config",
                ));
            }
            self.websocket_channel(&spec.id, spec.capabilities.clone())
        } else {
            self.inner.channel_factory.create(&spec).await?
        };
        if channel.id() != spec.id {
            return Err(ApiError::internal(&format!(
                "the channel factory made channel {:?} for spec {:?}",
                channel.id(),
                spec.id
            )));
        }
        let info = ChannelInfo::of(channel.as_ref());
        self.kit().register_channel(channel)?;
        Ok(info)
    }

    /// [`register_channel`](Self::register_channel), remembering the spec in the store so that
    /// the channel is registered again when the host restarts ([`restore_channels`]).
    /// `POST /v1/channels` uses it; configured channels live in the host's configuration.
    ///
    /// [`restore_channels`]: Self::restore_channels
    pub async fn register_runtime_channel(&self, spec: ChannelSpec) -> Result<ChannelInfo> {
        let record = serde_json::to_vec(&spec)
            .map_err(|err| ApiError::internal(&format!("encoding channel spec: {err}")))?;
        let id = spec.id.clone();
        let info = self.register_channel(spec).await?;
        let stored = self
            .kit()
            .store()
            .kv_set(API_NAMESPACE, &runtime_channel_key(&id), &record)
            .await;
        if let Err(err) = stored {
            // Not remembered means not registered: a channel that would vanish on restart
            // while rooms keep bindings to it is what this method exists to prevent.
            self.kit().unregister_channel(&id);
            self.hub().forget_channel(&id);
            return Err(roomkit_kit::Error::from(err).into());
        }
        Ok(info)
    }

    /// Unregisters a channel and forgets its spec if it was registered at runtime. Returns
    /// whether it was registered.
    pub async fn unregister_channel(&self, channel_id: &str) -> Result<bool> {
        if !self.kit().unregister_channel(channel_id) {
            return Ok(false);
        }
        self.hub().forget_channel(channel_id);
        self.kit()
            .store()
            .kv_delete(API_NAMESPACE, &runtime_channel_key(channel_id))
            .await
            .map_err(roomkit_kit::Error::from)?;
        Ok(true)
    }

    /// Registers again the channels registered at runtime before a restart. A channel that
    /// cannot be made now (its provider plugin is gone, its id is taken by a configured
    /// channel) is skipped with a warning and stays remembered. Returns the ids registered.
    pub async fn restore_channels(&self) -> Result<Vec<String>> {
        let store = self.kit().store();
        let keys = store
            .kv_keys(API_NAMESPACE, RUNTIME_CHANNEL_PREFIX, MAX_RUNTIME_CHANNELS)
            .await
            .map_err(roomkit_kit::Error::from)?;
        let mut restored = Vec::new();
        for key in keys {
            let Some(record) = store
                .kv_get(API_NAMESPACE, &key)
                .await
                .map_err(roomkit_kit::Error::from)?
            else {
                continue;
            };
            let spec: ChannelSpec = match serde_json::from_slice(&record) {
                Ok(spec) => spec,
                Err(err) => {
                    tracing::warn!(key = %key.escape_debug(), %err,
                        "a stored runtime channel cannot be read; skipped");
                    continue;
                }
            };
            let id = spec.id.clone();
            match self.register_channel(spec).await {
                Ok(_) => restored.push(id),
                Err(err) => tracing::warn!(channel = %id.escape_debug(), error = %err.message,
                    "a channel registered at runtime cannot be registered again; skipped"),
            }
        }
        Ok(restored)
    }
}

/// The API's namespace in the store's key-value space.
const API_NAMESPACE: &str = "_roomkit_api";
const RUNTIME_CHANNEL_PREFIX: &str = "channel\u{1f}";
/// The most runtime channels restored at start.
const MAX_RUNTIME_CHANNELS: usize = 100_000;

fn runtime_channel_key(channel_id: &str) -> String {
    format!("{RUNTIME_CHANNEL_PREFIX}{channel_id}")
}
