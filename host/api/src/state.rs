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
}
