//! What the HTTP API asks of the host, answered by the plugin runtime: the plugin catalog of
//! `GET /v1/plugins` and `/metrics`, webhooks verified and parsed by the channel's provider
//! plugin, and channels made from provider and AI-provider plugins with their own settings.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use roomkit_api::{
    ChannelFactory, ChannelFactoryError, ChannelSpec, PluginCallStats, PluginCatalog, PluginInfo,
    PluginLimits, PluginStatus, WebhookAnswer, WebhookError, WebhookHandler, WebhookPayload,
    WebhookRequest,
};
use roomkit_kit::{AiChannel, Channel, RoomKit, TransportChannel};
use roomkit_plugins::{
    CallFailure, ChannelProvider, ConfigValue, Error as PluginError, InstancePolicy, LoadStatus,
    PluginDirectory, Settings,
};

use crate::config::AI;
use crate::presets;

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

/// The provider of every channel made from a provider plugin, by channel id.
type Providers = Arc<RwLock<HashMap<String, Arc<ChannelProvider>>>>;

/// Keys of a channel's `config` that the host reads itself; every other key is a setting of
/// the channel's plugin.
const HOST_KEYS: [&str; 5] = [
    "provider",
    "system_prompt",
    "max_context_events",
    "retry_policy",
    "rate_limit",
];

/// Makes channels from plugins: `ai` channels from an ai-provider plugin, every other type
/// from a provider plugin. The plugin is named in the spec's `config.provider`; an AI channel
/// also reads `config.system_prompt` and `config.max_context_events`, a transport channel
/// `config.retry_policy` and `config.rate_limit` (for bindings without their own). Every other
/// key of
/// `config` is a setting of the channel's plugin (the account, the sender number, a token):
/// the plugin reads it with `config-get`, before its manifest's `[config]`.
///
/// Only channels of `roomkit.toml` may take a setting from the environment (`"${NAME}"`) or a
/// file (`{ file = "path" }`): a channel registered through the API names plain values, so an
/// API token cannot read the host's environment or files into a plugin.
#[derive(Debug)]
pub struct PluginChannels {
    directory: Arc<PluginDirectory>,
    providers: Providers,
    /// The specs of `roomkit.toml`'s channels, whose settings may name the environment and
    /// files, and the raw settings they were made from.
    file_channels: HashMap<String, (ChannelSpec, BTreeMap<String, ConfigValue>)>,
    /// Where `{ file = … }` paths of `roomkit.toml` start.
    base_dir: PathBuf,
    /// The URL services call this host at (for signatures over the URL).
    public_url: Option<String>,
}

impl PluginChannels {
    /// Channels from the plugins of `directory`.
    pub fn new(directory: Arc<PluginDirectory>) -> Self {
        PluginChannels {
            directory,
            providers: Providers::default(),
            file_channels: HashMap::new(),
            base_dir: PathBuf::from("."),
            public_url: None,
        }
    }

    /// Trusts `spec` (a channel of `roomkit.toml`) to take `settings` from the environment
    /// and from files under `base_dir`.
    pub fn with_file_channel(
        mut self,
        spec: ChannelSpec,
        settings: BTreeMap<String, ConfigValue>,
    ) -> Self {
        self.file_channels.insert(spec.id.clone(), (spec, settings));
        self
    }

    /// Where `{ file = … }` paths of `roomkit.toml` start.
    pub fn with_base_dir(mut self, base_dir: PathBuf) -> Self {
        self.base_dir = base_dir;
        self
    }

    /// The URL services call this host at (`https://desk.example.com`), for providers that
    /// sign the URL. None: the request's `Host` header, over `http`.
    pub fn with_public_url(mut self, public_url: Option<String>) -> Self {
        self.public_url = public_url.map(|url| url.trim_end_matches('/').to_owned());
        self
    }

    /// The webhook handler for the channels this factory made.
    pub fn webhooks(&self, kit: RoomKit) -> ProviderWebhooks {
        ProviderWebhooks {
            kit,
            providers: Arc::clone(&self.providers),
            public_url: self.public_url.clone(),
        }
    }

    /// The plugin settings of `spec`: its own keys of `config`, resolved.
    fn settings(
        &self,
        spec: &ChannelSpec,
        secret_keys: &[String],
    ) -> Result<Settings, ChannelFactoryError> {
        let invalid = |message: String| {
            ChannelFactoryError::InvalidConfig(format!("channel {:?}: {message}", spec.id))
        };
        if let Some((file_spec, raw)) = self.file_channels.get(&spec.id)
            && file_spec == spec
        {
            return Settings::resolve(raw, secret_keys, &self.base_dir).map_err(invalid);
        }
        let mut raw = BTreeMap::new();
        for (key, value) in &spec.config {
            if HOST_KEYS.contains(&key.as_str()) {
                continue;
            }
            let value = match value {
                serde_json::Value::String(text) if text.starts_with("${") => {
                    return Err(invalid(format!(
                        "config.{key}: environment variables are read only for channels of \
                         roomkit.toml"
                    )));
                }
                serde_json::Value::String(text) => ConfigValue::Text(text.clone()),
                serde_json::Value::Bool(b) => ConfigValue::Bool(*b),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(n) => ConfigValue::Integer(n),
                    None => ConfigValue::Float(n.as_f64().unwrap_or_default()),
                },
                _ => {
                    return Err(invalid(format!(
                        "config.{key} must be text, a number or a boolean (files are read only \
                         for channels of roomkit.toml)"
                    )));
                }
            };
            raw.insert(key.clone(), value);
        }
        Settings::resolve_with(&raw, secret_keys, &self.base_dir, &|_| None).map_err(invalid)
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

/// `config.key` read as a `T` (none when absent).
fn config_value<T: serde::de::DeserializeOwned>(
    spec: &ChannelSpec,
    key: &str,
) -> Result<Option<T>, ChannelFactoryError> {
    let Some(value) = spec.config.get(key).filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    T::deserialize(value).map(Some).map_err(|err| {
        ChannelFactoryError::InvalidConfig(format!("channel {:?}: config.{key}: {err}", spec.id))
    })
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
        if let Some(declared) = handle.channel_type()
            && declared != spec.channel_type
        {
            return Err(ChannelFactoryError::InvalidConfig(format!(
                "channel {:?} is of type {:?}, but plugin {provider:?} serves {declared:?} channels",
                spec.id, spec.channel_type
            )));
        }
        let settings = self.settings(spec, &handle.secret_keys())?;
        let provider = Arc::new(ChannelProvider::new(handle, settings));
        self.providers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(spec.id.clone(), Arc::clone(&provider));
        let capabilities = match spec.capabilities.clone() {
            Some(asked) => presets::narrowed(&spec.channel_type, asked),
            None => presets::capabilities(&spec.channel_type),
        };
        Ok(Arc::new(
            TransportChannel::new(&spec.id, &spec.channel_type, capabilities, provider)
                .with_retry_policy(config_value(spec, "retry_policy")?)
                .with_rate_limit(config_value(spec, "rate_limit")?),
        ))
    }
}

/// Webhooks of channels served by provider plugins: the plugin verifies the signature and
/// parses the payload.
#[derive(Debug)]
pub struct ProviderWebhooks {
    kit: RoomKit,
    providers: Providers,
    public_url: Option<String>,
}

impl ProviderWebhooks {
    fn provider(&self, channel_id: &str) -> Option<Arc<ChannelProvider>> {
        // A channel unregistered at runtime takes no more webhooks.
        self.kit.get_channel(channel_id)?;
        self.providers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(channel_id)
            .cloned()
    }

    fn plugin_request(&self, request: &WebhookRequest) -> roomkit_plugins::WebhookRequest {
        let query = request.query.clone().unwrap_or_default();
        let origin = match &self.public_url {
            Some(url) => url.clone(),
            None => {
                let host = request
                    .headers
                    .get(axum::http::header::HOST)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("localhost");
                format!("http://{host}")
            }
        };
        let public_url = if query.is_empty() {
            format!("{origin}{}", request.path)
        } else {
            format!("{origin}{}?{query}", request.path)
        };
        roomkit_plugins::WebhookRequest {
            channel_id: request.channel_id.clone(),
            method: request.method.as_str().to_owned(),
            path: request.path.clone(),
            query,
            public_url,
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
            .verify_signature(&self.plugin_request(request))
            .await
            .map_err(provider_failed)
    }

    async fn parse(&self, request: &WebhookRequest) -> Result<WebhookPayload, WebhookError> {
        let Some(provider) = self.provider(&request.channel_id) else {
            return Ok(WebhookPayload::default());
        };
        match provider.parse_webhook(&self.plugin_request(request)).await {
            Ok(parsed) => Ok(WebhookPayload {
                messages: parsed.messages,
                status_updates: parsed.status_updates,
                answer: parsed.answer.map(|answer| WebhookAnswer {
                    status: axum::http::StatusCode::from_u16(answer.status)
                        .unwrap_or(axum::http::StatusCode::OK),
                    content_type: answer.content_type,
                    body: answer.body,
                }),
            }),
            // The plugin said the payload is wrong (it returned an error of its own).
            Err(PluginError::Call {
                cause: CallFailure::Returned(message),
                ..
            }) => Err(WebhookError::InvalidPayload(message)),
            Err(err) => Err(provider_failed(err)),
        }
    }
}
