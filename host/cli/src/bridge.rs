//! What the HTTP API asks of the host, answered by the plugin runtime: the plugin catalog of
//! `GET /v1/plugins` and `/metrics`, webhooks verified and parsed by the channel's provider
//! plugin, and channels made from provider and AI-provider plugins.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use roomkit_api::{
    ChannelFactory, ChannelFactoryError, ChannelSpec, PluginCallStats, PluginCatalog, PluginInfo,
    PluginLimits, PluginStatus, WebhookError, WebhookHandler, WebhookRequest,
};
use roomkit_kit::{AiChannel, Channel, InboundMessage, RoomKit, TransportChannel};
use roomkit_plugins::{
    CallFailure, Error as PluginError, InstancePolicy, LoadStatus, PluginDirectory, ProviderHandle,
};

use crate::config::AI;

/// `GET /v1/plugins` over the plugin directory.
#[derive(Debug)]
pub struct DirectoryCatalog(pub Arc<PluginDirectory>);

impl PluginCatalog for DirectoryCatalog {
    fn plugins(&self) -> Vec<PluginInfo> {
        self.0
            .list()
            .into_iter()
            .map(|plugin| {
                // A suspension says why in `error`, unless a refused replacement already does.
                let suspension = plugin.stats.filter(|s| s.suspended_ms > 0).map(|s| {
                    format!(
                        "suspended by its circuit breaker for {} ms more after failing {} \
                         times in a row",
                        s.suspended_ms,
                        plugin.limits.as_ref().map_or(0, |l| l.breaker_threshold)
                    )
                });
                let limits = plugin
                    .limits
                    .map_or_else(PluginLimits::default, |l| PluginLimits {
                        timeout_ms: l.timeout_ms,
                        fuel: l.fuel,
                        memory_mb: l.memory_mb,
                        warm_instances: l.warm_instances as u64,
                        instance: match l.instance {
                            InstancePolicy::Reuse => "reuse",
                            InstancePolicy::Fresh => "fresh",
                        }
                        .to_owned(),
                        allowed_hosts: l.allowed_hosts.clone(),
                        fail_closed: l.fail_closed,
                        kv_max_keys: l.kv_max_keys,
                        kv_max_bytes: l.kv_max_bytes,
                    });
                let stats =
                    plugin
                        .stats
                        .map_or_else(PluginCallStats::default, |s| PluginCallStats {
                            calls: s.calls,
                            failures: s.failures,
                            call_time_us: s.call_micros,
                            instantiations: s.instantiations,
                            warm_instances: s.warm_instances,
                            http_requests: s.http_requests,
                            http_denied: s.http_denied,
                            log_dropped: s.log_dropped,
                            kv_keys: s.kv_keys,
                            kv_bytes: s.kv_bytes,
                        });
                PluginInfo {
                    name: plugin.name,
                    kind: plugin.kind.map_or("unknown", |k| k.as_str()).to_owned(),
                    status: match plugin.status {
                        LoadStatus::Loaded => PluginStatus::Loaded,
                        LoadStatus::Failed => PluginStatus::Failed,
                        LoadStatus::Suspended => PluginStatus::Suspended,
                    },
                    version: plugin.version,
                    error: plugin.error.or(suspension),
                    limits,
                    stats,
                }
            })
            .collect()
    }
}

/// The provider plugin of every channel made from one, by channel id.
type Providers = Arc<RwLock<HashMap<String, ProviderHandle>>>;

/// Makes channels from plugins: `ai` channels from an ai-provider plugin, every other type
/// from a provider plugin. The plugin is named in the spec's `config.provider`; an AI channel
/// also reads `config.system_prompt` and `config.max_context_events`.
#[derive(Debug)]
pub struct PluginChannels {
    directory: Arc<PluginDirectory>,
    providers: Providers,
}

impl PluginChannels {
    /// Channels from the plugins of `directory`.
    pub fn new(directory: Arc<PluginDirectory>) -> Self {
        PluginChannels {
            directory,
            providers: Providers::default(),
        }
    }

    /// The webhook handler for the channels this factory made.
    pub fn webhooks(&self, kit: RoomKit) -> ProviderWebhooks {
        ProviderWebhooks {
            kit,
            providers: Arc::clone(&self.providers),
        }
    }
}

fn config_text<'a>(
    spec: &'a ChannelSpec,
    key: &str,
) -> Result<Option<&'a str>, ChannelFactoryError> {
    match spec.config.get(key) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(ChannelFactoryError::InvalidConfig(format!(
            "channel {:?}: config.{key} must be a string",
            spec.id
        ))),
    }
}

#[async_trait]
impl ChannelFactory for PluginChannels {
    fn channel_types(&self) -> Vec<String> {
        vec![
            AI.to_owned(),
            "any other type, with config.provider naming a provider plugin".to_owned(),
        ]
    }

    async fn create(&self, spec: &ChannelSpec) -> Result<Arc<dyn Channel>, ChannelFactoryError> {
        let Some(provider) = config_text(spec, "provider")? else {
            return Err(ChannelFactoryError::InvalidConfig(format!(
                "channel {:?} of type {:?}: config.provider must name a plugin",
                spec.id, spec.channel_type
            )));
        };
        if spec.channel_type == AI {
            let mut channel =
                AiChannel::new(&spec.id, Arc::new(self.directory.ai_provider(provider)));
            if let Some(prompt) = config_text(spec, "system_prompt")? {
                channel = channel.with_system_prompt(prompt);
            }
            if let Some(limit) = spec.config.get("max_context_events") {
                channel.max_context_events = limit
                    .as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| {
                    ChannelFactoryError::InvalidConfig(format!(
                        "channel {:?}: config.max_context_events must be a whole number",
                        spec.id
                    ))
                })?;
            }
            return Ok(Arc::new(channel));
        }
        let handle = self.directory.provider(provider);
        self.providers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(spec.id.clone(), handle.clone());
        let capabilities = spec.capabilities.clone().unwrap_or_default();
        Ok(Arc::new(TransportChannel::new(
            &spec.id,
            &spec.channel_type,
            capabilities,
            Arc::new(handle),
        )))
    }
}

/// Webhooks of channels served by provider plugins: the plugin verifies the signature and
/// parses the payload.
#[derive(Debug)]
pub struct ProviderWebhooks {
    kit: RoomKit,
    providers: Providers,
}

impl ProviderWebhooks {
    fn provider(&self, channel_id: &str) -> Option<ProviderHandle> {
        // A channel unregistered at runtime takes no more webhooks.
        self.kit.get_channel(channel_id)?;
        self.providers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(channel_id)
            .cloned()
    }

    fn plugin_request(request: &WebhookRequest) -> roomkit_plugins::WebhookRequest {
        let path = match &request.query {
            Some(query) => format!("/v1/webhooks/{}?{query}", request.channel_id),
            None => format!("/v1/webhooks/{}", request.channel_id),
        };
        roomkit_plugins::WebhookRequest {
            channel_id: request.channel_id.clone(),
            method: "POST".to_owned(),
            path,
            headers: request
                .headers
                .iter()
                .filter_map(|(name, value)| {
                    Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
                })
                .collect(),
            body: request.body.to_vec(),
        }
    }
}

fn provider_failed(err: PluginError) -> WebhookError {
    WebhookError::ProviderFailed(err.to_string())
}

#[async_trait]
impl WebhookHandler for ProviderWebhooks {
    fn accepts(&self, channel_id: &str) -> bool {
        self.provider(channel_id).is_some()
    }

    async fn verify(&self, request: &WebhookRequest) -> Result<bool, WebhookError> {
        let Some(provider) = self.provider(&request.channel_id) else {
            return Ok(false);
        };
        provider
            .verify_signature(&Self::plugin_request(request))
            .await
            .map_err(provider_failed)
    }

    async fn parse(&self, request: &WebhookRequest) -> Result<Vec<InboundMessage>, WebhookError> {
        let Some(provider) = self.provider(&request.channel_id) else {
            return Ok(Vec::new());
        };
        match provider.parse_webhook(&Self::plugin_request(request)).await {
            Ok(messages) => Ok(messages),
            // The plugin said the payload is wrong (it returned an error of its own).
            Err(PluginError::Call {
                cause: CallFailure::Returned(message),
                ..
            }) => Err(WebhookError::InvalidPayload(message)),
            Err(err) => Err(provider_failed(err)),
        }
    }
}
