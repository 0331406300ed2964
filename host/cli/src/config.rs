//! `roomkit.toml`: what `roomkit serve` runs. Every key has a default, so the host runs with
//! no file at all; unknown keys are errors. Relative paths are taken from the file's directory
//! (from the working directory when there is no file). Which file, and what flags and the
//! environment override: [`discovery`].

mod discovery;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use roomkit_kit::{AttachOptions, KitConfig, NewRoomChannel};
use roomkit_model::{Access, ChannelCapabilities, RateLimit, RetryPolicy, Visibility};
use roomkit_plugins::{Ceilings, ConfigValue};
use roomkit_store::SledStore;
use roomkit_tls::TrustedRoots;
use serde::Deserialize;

pub use discovery::{ConfigFile, TOKENS_VARIABLE, tokens_from};

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostConfig {
    /// Where the HTTP and WebSocket API listens.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The sled database lives in `DATA_DIR/store`, the plugins' compiled code in
    /// `DATA_DIR/plugin-cache`.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Where `*.wasm` plugins and their `*.toml` manifests are dropped.
    #[serde(default = "default_plugin_dir")]
    pub plugin_dir: PathBuf,
    /// The API's access and request limits.
    #[serde(default)]
    pub api: ApiSection,
    /// The orchestrator's limits.
    #[serde(default)]
    pub limits: LimitsSection,
    /// The identity-resolver plugin that names senders (default: the store's identities).
    #[serde(default)]
    pub identity_resolver: Option<String>,
    /// The inbound-router plugin that picks rooms (default: SPEC §3 routing).
    #[serde(default)]
    pub inbound_router: Option<String>,
    /// The channels the host registers at start.
    #[serde(default)]
    pub channels: Vec<ChannelConfig>,
    /// Event-driven sources attached at start (`[[sources]]`, the body of `POST /v1/sources`).
    #[serde(default)]
    pub sources: Vec<roomkit_api::SourceSpec>,
    /// What outbound TLS trusts.
    #[serde(default)]
    pub tls: TlsSection,
    /// The directory relative paths start from (the file's; `.` without a file).
    #[serde(skip, default = "default_base_dir")]
    pub base_dir: PathBuf,
}

fn default_base_dir() -> PathBuf {
    PathBuf::from(".")
}

/// `[tls]`: certificate authorities trusted by outbound HTTPS and WSS (plugins' requests and
/// the `sse` and `websocket` sources) in addition to the webpki roots.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    /// PEM files, each with one or more `CERTIFICATE` blocks.
    #[serde(default)]
    pub ca_files: Vec<PathBuf>,
    /// The webpki roots and the certificates of `ca_files`, read once when the file is parsed.
    #[serde(skip)]
    roots: TrustedRoots,
}

/// `[api]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSection {
    /// Bearer tokens accepted by the API. None: the API is open (the host warns at start).
    #[serde(default)]
    pub tokens: Vec<String>,
    /// The URL services reach this host at (`https://desk.example.com`): providers that sign
    /// the webhook URL (Twilio) check the signature over it. None: `http://` and the request's
    /// `Host` header.
    #[serde(default)]
    pub public_url: Option<String>,
    /// The largest request body, in bytes.
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: usize,
    /// How long a client has to send a request's headers (also the idle keep-alive limit).
    #[serde(default = "default_header_read_timeout_ms")]
    pub header_read_timeout_ms: u64,
    /// How long reading a request's body may take.
    #[serde(default = "default_body_read_timeout_ms")]
    pub body_read_timeout_ms: u64,
    /// Connections served at once.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// Connections kept for `/healthz` and `/metrics` past `max_connections`.
    #[serde(default = "default_reserved_connections")]
    pub reserved_connections: usize,
}

impl Default for ApiSection {
    fn default() -> Self {
        ApiSection {
            tokens: Vec::new(),
            public_url: None,
            max_body_bytes: default_max_body_bytes(),
            header_read_timeout_ms: default_header_read_timeout_ms(),
            body_read_timeout_ms: default_body_read_timeout_ms(),
            max_connections: default_max_connections(),
            reserved_connections: default_reserved_connections(),
        }
    }
}

impl ApiSection {
    /// The connection bounds of `[api]`.
    pub fn connection_limits(&self) -> roomkit_api::ConnectionLimits {
        roomkit_api::ConnectionLimits {
            header_read_timeout: std::time::Duration::from_millis(self.header_read_timeout_ms),
            body_read_timeout: std::time::Duration::from_millis(self.body_read_timeout_ms),
            max_connections: self.max_connections,
            reserved_connections: self.reserved_connections,
        }
    }
}

/// `[limits]`: the orchestrator's, the ceilings of plugin manifests, the shutdown grace.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSection {
    /// Responders are not asked once an event's chain depth reaches this.
    #[serde(default = "default_max_chain_depth")]
    pub max_chain_depth: u32,
    /// Bounds the pipeline of one inbound message up to its commit.
    #[serde(default = "default_process_timeout_ms")]
    pub process_timeout_ms: u64,
    /// Bounds identity resolution.
    #[serde(default = "default_identity_timeout_ms")]
    pub identity_timeout_ms: u64,
    /// Inbound messages per second per channel (unlimited when unset).
    #[serde(default)]
    pub inbound_per_second: Option<f64>,
    /// The largest `fuel` a plugin manifest may ask for.
    #[serde(default = "default_max_fuel")]
    pub max_fuel: u64,
    /// The largest `timeout_ms` a plugin manifest may ask for.
    #[serde(default = "default_max_timeout_ms")]
    pub max_timeout_ms: u64,
    /// The largest `memory_mb` a plugin manifest may ask for (at most 4096).
    #[serde(default = "default_max_memory_mb")]
    pub max_memory_mb: u64,
    /// The largest `[kv] max_keys` a plugin manifest may ask for.
    #[serde(default = "default_max_kv_keys")]
    pub max_kv_keys: u64,
    /// The largest `[kv] max_bytes` a plugin manifest may ask for.
    #[serde(default = "default_max_kv_bytes")]
    pub max_kv_bytes: u64,
    /// How long a SIGTERM waits for requests in flight before it cancels them.
    #[serde(default = "default_shutdown_grace_ms")]
    pub shutdown_grace_ms: u64,
    /// Messages acknowledged at their commit (webhooks) whose delivery may still be running;
    /// past it a webhook is answered after its delivery.
    #[serde(default = "default_max_background_passes")]
    pub max_background_passes: usize,
}

fn default_max_background_passes() -> usize {
    roomkit_kit::DEFAULT_MAX_BACKGROUND_PASSES
}

impl Default for LimitsSection {
    fn default() -> Self {
        LimitsSection {
            max_chain_depth: default_max_chain_depth(),
            process_timeout_ms: default_process_timeout_ms(),
            identity_timeout_ms: default_identity_timeout_ms(),
            inbound_per_second: None,
            max_fuel: default_max_fuel(),
            max_timeout_ms: default_max_timeout_ms(),
            max_memory_mb: default_max_memory_mb(),
            max_kv_keys: default_max_kv_keys(),
            max_kv_bytes: default_max_kv_bytes(),
            shutdown_grace_ms: default_shutdown_grace_ms(),
            max_background_passes: default_max_background_passes(),
        }
    }
}

/// A `[[channels]]` entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// Unique id (used in bindings and in `POST /v1/webhooks/{id}`).
    pub id: String,
    /// `websocket` (built in), `ai`, or any transport type (sms, email, webhook, …) served by
    /// a provider plugin.
    #[serde(rename = "type")]
    pub channel_type: String,
    /// The provider plugin of a transport channel, or the ai-provider plugin of an `ai`
    /// channel.
    #[serde(default)]
    pub provider: Option<String>,
    /// What the channel renders (default: text only; `websocket` renders everything).
    #[serde(default)]
    pub capabilities: Option<ChannelCapabilities>,
    /// An AI channel's instructions.
    #[serde(default)]
    pub system_prompt: Option<String>,
    /// How many recent events an AI channel reads.
    #[serde(default)]
    pub max_context_events: Option<usize>,
    /// Attach this channel to every room that inbound routing creates.
    #[serde(default)]
    pub attach_to_new_rooms: bool,
    /// The access of those automatic bindings.
    #[serde(default)]
    pub access: Access,
    /// The visibility of those automatic bindings.
    #[serde(default)]
    pub visibility: Option<String>,
    /// Settings of the channel's provider plugin (the account, the sender number, a token),
    /// read before the plugin manifest's `[config]`. A value is text, a number, a boolean,
    /// `"${NAME}"` (the environment variable) or `{ file = "path" }` (relative to this file).
    #[serde(default)]
    pub config: BTreeMap<String, ConfigValue>,
    /// How deliveries to this channel are retried when a binding sets no policy of its own
    /// (default: not retried).
    #[serde(default)]
    pub retry_policy: Option<RetryPolicy>,
    /// Outbound messages per second through this channel when a binding sets no limit.
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
}

impl ChannelConfig {
    /// The visibility of automatic bindings (`internal` is refused, as for every binding).
    fn binding_visibility(&self) -> Result<Visibility> {
        let Some(text) = &self.visibility else {
            return Ok(Visibility::default());
        };
        let visibility = text
            .parse::<Visibility>()
            .map_err(|err| anyhow::anyhow!("channel `{}`: {err}", self.id))?;
        visibility
            .refuse_internal("binding")
            .map_err(|err| anyhow::anyhow!("channel `{}`: {err}", self.id))?;
        Ok(visibility)
    }
}

/// The largest `[limits] max_memory_mb`: a plugin's memory is 32-bit.
const MAX_MEMORY_MB: u64 = 4096;

/// The built-in channel type served by the WebSocket API.
pub const WEBSOCKET: &str = "websocket";
/// The channel type of AI channels.
pub const AI: &str = "ai";

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}

fn default_plugin_dir() -> PathBuf {
    PathBuf::from("plugins")
}

fn default_max_body_bytes() -> usize {
    1024 * 1024
}

fn default_header_read_timeout_ms() -> u64 {
    roomkit_api::ConnectionLimits::default()
        .header_read_timeout
        .as_millis() as u64
}

fn default_body_read_timeout_ms() -> u64 {
    roomkit_api::ConnectionLimits::default()
        .body_read_timeout
        .as_millis() as u64
}

fn default_max_connections() -> usize {
    roomkit_api::ConnectionLimits::default().max_connections
}

fn default_reserved_connections() -> usize {
    roomkit_api::ConnectionLimits::default().reserved_connections
}

fn default_max_chain_depth() -> u32 {
    KitConfig::default().max_chain_depth
}

fn default_process_timeout_ms() -> u64 {
    millis(KitConfig::default().process_timeout)
}

fn default_identity_timeout_ms() -> u64 {
    millis(KitConfig::default().identity_timeout)
}

fn default_max_fuel() -> u64 {
    Ceilings::default().max_fuel
}

fn default_max_timeout_ms() -> u64 {
    Ceilings::default().max_timeout_ms
}

fn default_max_memory_mb() -> u64 {
    Ceilings::default().max_memory_mb
}

fn default_max_kv_keys() -> u64 {
    Ceilings::default().max_kv_keys
}

fn default_max_kv_bytes() -> u64 {
    Ceilings::default().max_kv_bytes
}

fn default_shutdown_grace_ms() -> u64 {
    10_000
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            listen: default_listen(),
            data_dir: default_data_dir(),
            plugin_dir: default_plugin_dir(),
            api: ApiSection::default(),
            limits: LimitsSection::default(),
            identity_resolver: None,
            inbound_router: None,
            channels: Vec::new(),
            sources: Vec::new(),
            tls: TlsSection::default(),
            base_dir: default_base_dir(),
        }
    }
}

impl HostConfig {
    /// Reads `path`, or the defaults when `path` is `None`.
    pub fn load(path: Option<&Path>) -> Result<Self> {
        let Some(path) = path else {
            return Ok(HostConfig::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the configuration {}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, base).with_context(|| format!("in {}", path.display()))
    }

    /// Parses configuration text; relative paths are resolved against `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Self> {
        let mut config: HostConfig = toml::from_str(text)?;
        config.base_dir = base.to_owned();
        config.data_dir = base.join(&config.data_dir);
        config.plugin_dir = base.join(&config.plugin_dir);
        for file in &mut config.tls.ca_files {
            *file = base.join(&*file);
        }
        if !config.tls.ca_files.is_empty() {
            config.tls.roots =
                TrustedRoots::with_pem_files(&config.tls.ca_files).context("[tls] ca_files")?;
        }
        config.validate()?;
        Ok(config)
    }

    /// The webpki roots and the certificates of `[tls] ca_files`.
    pub fn trusted_roots(&self) -> &TrustedRoots {
        &self.tls.roots
    }

    fn validate(&self) -> Result<()> {
        let roots = self.trusted_roots();
        let mut ids = BTreeSet::new();
        for channel in &self.channels {
            if channel.id.is_empty() {
                bail!("a channel has an empty id");
            }
            if !ids.insert(channel.id.as_str()) {
                bail!("channel `{}` is declared twice", channel.id);
            }
            match (channel.channel_type.as_str(), &channel.provider) {
                (WEBSOCKET, Some(_)) => bail!(
                    "channel `{}`: websocket channels are built in and take no provider",
                    channel.id
                ),
                (WEBSOCKET, None) => {}
                (_, None) => bail!(
                    "channel `{}` of type `{}` needs a `provider` plugin",
                    channel.id,
                    channel.channel_type
                ),
                (_, Some(_)) => {}
            }
            if !channel.config.is_empty() && channel.channel_type == WEBSOCKET {
                bail!(
                    "channel `{}`: websocket channels are built in and take no config",
                    channel.id
                );
            }
            channel.binding_visibility()?;
            if let Some(capabilities) = &channel.capabilities {
                capabilities
                    .validate()
                    .map_err(|err| anyhow::anyhow!("channel `{}`: {err}", channel.id))?;
            }
        }
        let mut fed = BTreeSet::new();
        for source in &self.sources {
            if !ids.contains(source.channel_id.as_str()) {
                bail!(
                    "source `{}`: no channel `{}` is declared in [[channels]]",
                    source.url,
                    source.channel_id
                );
            }
            if !fed.insert(source.channel_id.as_str()) {
                bail!("channel `{}` has two sources", source.channel_id);
            }
            source.build(roots).map_err(|err| {
                anyhow::anyhow!("source of channel `{}`: {err}", source.channel_id)
            })?;
        }
        if self.api.max_connections == 0 {
            bail!("[api] max_connections must be at least 1");
        }
        if self.api.header_read_timeout_ms == 0 || self.api.body_read_timeout_ms == 0 {
            bail!("[api] header_read_timeout_ms and body_read_timeout_ms must be above 0");
        }
        if let Some(url) = &self.api.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            bail!("[api] public_url must start with http:// or https://, not {url:?}");
        }
        if self.api.tokens.iter().any(String::is_empty) {
            bail!("[api] tokens must not be empty strings");
        }
        let limits = &self.limits;
        if limits.max_background_passes == 0 {
            bail!("[limits] max_background_passes must be at least 1");
        }
        if limits.max_fuel == 0 || limits.max_timeout_ms == 0 || limits.max_memory_mb == 0 {
            bail!("[limits] max_fuel, max_timeout_ms and max_memory_mb must be positive");
        }
        if limits.max_memory_mb > MAX_MEMORY_MB {
            bail!(
                "[limits] max_memory_mb = {} is over {MAX_MEMORY_MB} (a plugin's memory is 32-bit)",
                limits.max_memory_mb
            );
        }
        Ok(())
    }

    /// The ceilings plugin manifests are held to (`[limits] max_fuel`, `max_timeout_ms`,
    /// `max_memory_mb`).
    pub fn ceilings(&self) -> Ceilings {
        Ceilings {
            max_fuel: self.limits.max_fuel,
            max_timeout_ms: self.limits.max_timeout_ms,
            max_memory_mb: self.limits.max_memory_mb,
            max_kv_keys: self.limits.max_kv_keys,
            max_kv_bytes: self.limits.max_kv_bytes,
        }
    }

    /// How long a SIGTERM waits for requests in flight before cancelling them.
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_millis(self.limits.shutdown_grace_ms)
    }

    /// The orchestrator's configuration.
    pub fn kit_config(&self) -> Result<KitConfig> {
        let mut new_room_channels = Vec::new();
        for channel in self.channels.iter().filter(|c| c.attach_to_new_rooms) {
            let visibility = channel.binding_visibility()?;
            new_room_channels.push(NewRoomChannel {
                channel_id: channel.id.clone(),
                options: AttachOptions {
                    access: channel.access,
                    visibility,
                    ..AttachOptions::default()
                },
            });
        }
        Ok(KitConfig {
            max_chain_depth: self.limits.max_chain_depth,
            process_timeout: Duration::from_millis(self.limits.process_timeout_ms),
            identity_timeout: Duration::from_millis(self.limits.identity_timeout_ms),
            inbound_rate_limit: self.limits.inbound_per_second.map(|rate| RateLimit {
                max_per_second: Some(rate),
                ..RateLimit::default()
            }),
            new_room_channels,
            max_background_passes: self.limits.max_background_passes,
            ..KitConfig::default()
        })
    }
}

/// The durable store of a data directory: `DATA_DIR/store`.
pub fn open_store(data_dir: &Path) -> Result<Arc<SledStore>> {
    Ok(Arc::new(
        SledStore::open(data_dir.join("store"))
            .with_context(|| format!("opening the store in {}", data_dir.display()))?,
    ))
}

/// Where compiled plugin code is cached: `DATA_DIR/plugin-cache` (shared by `roomkit serve`
/// and `roomkit plugin list`, so either one's compilations serve the other).
pub fn plugin_cache_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("plugin-cache")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_file_means_every_default() {
        let config = HostConfig::load(None).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.data_dir, PathBuf::from("data"));
        assert_eq!(config.plugin_dir, PathBuf::from("plugins"));
        assert_eq!(config.api.max_body_bytes, 1_048_576);
        assert!(config.api.tokens.is_empty());
        assert_eq!(config.kit_config().unwrap(), KitConfig::default());
    }

    #[test]
    fn a_full_file_is_read_with_paths_relative_to_it() {
        let config = HostConfig::parse(
            r#"
            listen = "0.0.0.0:9000"
            data_dir = "state"
            plugin_dir = "/srv/plugins"
            identity_resolver = "phone-identity"
            [api]
            tokens = ["secret"]
            max_body_bytes = 4096
            [limits]
            max_chain_depth = 3
            process_timeout_ms = 500
            inbound_per_second = 20.0
            [[channels]]
            id = "agents"
            type = "websocket"
            attach_to_new_rooms = true
            access = "read_write"
            [[channels]]
            id = "sms"
            type = "sms"
            provider = "webhook-provider"
            capabilities = { media_types = ["text"], max_length = 160 }
            "#,
            Path::new("/etc/roomkit"),
        )
        .unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.data_dir, PathBuf::from("/etc/roomkit/state"));
        assert_eq!(config.plugin_dir, PathBuf::from("/srv/plugins"));
        assert_eq!(config.api.tokens, ["secret"]);
        assert_eq!(
            config.channels[1].capabilities.as_ref().unwrap().max_length,
            Some(160)
        );
        let kit = config.kit_config().unwrap();
        assert_eq!(kit.max_chain_depth, 3);
        assert_eq!(kit.process_timeout, Duration::from_millis(500));
        assert_eq!(kit.inbound_rate_limit.unwrap().max_per_second, Some(20.0));
        assert_eq!(kit.new_room_channels.len(), 1);
        assert_eq!(kit.new_room_channels[0].channel_id, "agents");
    }

    #[test]
    fn unknown_keys_are_errors_that_name_the_key() {
        let err = HostConfig::parse("listen_addr = \"x\"", Path::new(".")).unwrap_err();
        assert!(
            format!("{err:#}").contains("unknown field `listen_addr`"),
            "{err:#}"
        );
        let err = HostConfig::parse("[api]\ntoken = \"x\"", Path::new(".")).unwrap_err();
        assert!(
            format!("{err:#}").contains("unknown field `token`"),
            "{err:#}"
        );
    }

    #[test]
    fn plugin_ceilings_and_the_shutdown_grace_have_defaults_and_are_checked() {
        let config = HostConfig::default();
        assert_eq!(config.ceilings(), Ceilings::default());
        assert_eq!(config.shutdown_grace(), Duration::from_secs(10));
        let config = HostConfig::parse(
            "[limits]\nmax_fuel = 5\nmax_timeout_ms = 7\nmax_memory_mb = 9\nmax_kv_keys = 11\n\
             max_kv_bytes = 13\nshutdown_grace_ms = 0",
            Path::new("."),
        )
        .unwrap();
        assert_eq!(
            config.ceilings(),
            Ceilings {
                max_fuel: 5,
                max_timeout_ms: 7,
                max_memory_mb: 9,
                max_kv_keys: 11,
                max_kv_bytes: 13,
            }
        );
        assert_eq!(config.shutdown_grace(), Duration::ZERO);
        let err = HostConfig::parse("[limits]\nmax_fuel = 0", Path::new(".")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "[limits] max_fuel, max_timeout_ms and max_memory_mb must be positive"
        );
        let err = HostConfig::parse("[limits]\nmax_memory_mb = 8192", Path::new(".")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "[limits] max_memory_mb = 8192 is over 4096 (a plugin's memory is 32-bit)"
        );
    }

    #[test]
    fn channel_mistakes_are_named() {
        let twice =
            "[[channels]]\nid='a'\ntype='websocket'\n[[channels]]\nid='a'\ntype='websocket'";
        let err = HostConfig::parse(twice, Path::new(".")).unwrap_err();
        assert_eq!(err.to_string(), "channel `a` is declared twice");
        let err =
            HostConfig::parse("[[channels]]\nid='s'\ntype='sms'", Path::new(".")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "channel `s` of type `sms` needs a `provider` plugin"
        );
        let err = HostConfig::parse(
            "[[channels]]\nid='w'\ntype='websocket'\nprovider='x'",
            Path::new("."),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "channel `w`: websocket channels are built in and take no provider"
        );
        let err = HostConfig::parse(
            "[[channels]]\nid='w'\ntype='websocket'\nvisibility='internal'",
            Path::new("."),
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("channel `w`:"), "{err}");
        let err = HostConfig::parse(
            "[[channels]]\nid='w'\ntype='websocket'\nconfig={ a = 1 }",
            Path::new("."),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "channel `w`: websocket channels are built in and take no config"
        );
        let err =
            HostConfig::parse("[api]\npublic_url='desk.example.com'", Path::new(".")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "[api] public_url must start with http:// or https://, not \"desk.example.com\""
        );
    }

    #[test]
    fn a_channel_carries_its_plugin_settings_retry_policy_and_rate_limit() {
        let config = HostConfig::parse(
            "[[channels]]\nid='sms'\ntype='sms'\nprovider='twilio-sms'\n\
             config = { from = '+15145550100', token = '${TOKEN}', key = { file = 'key.pem' }, \
             segments = 3, unicode = true }\n\
             retry_policy = { max_retries = 2, base_delay_seconds = 0.5, max_delay_seconds = 4.0, \
             exponential_base = 2.0 }\nrate_limit = { max_per_second = 1.0 }\n",
            Path::new("/etc/roomkit"),
        )
        .unwrap();
        let sms = &config.channels[0];
        assert_eq!(sms.config["from"], ConfigValue::from("+15145550100"));
        assert_eq!(sms.config["token"], ConfigValue::from("${TOKEN}"));
        assert_eq!(
            sms.config["key"],
            ConfigValue::File {
                file: PathBuf::from("key.pem")
            }
        );
        assert_eq!(sms.config["segments"], ConfigValue::Integer(3));
        assert_eq!(sms.config["unicode"], ConfigValue::Bool(true));
        assert_eq!(sms.retry_policy.as_ref().unwrap().max_retries, 2);
        assert_eq!(sms.rate_limit.as_ref().unwrap().max_per_second, Some(1.0));
        assert_eq!(config.base_dir, Path::new("/etc/roomkit"));
        let err = HostConfig::parse(
            "[[channels]]\nid='sms'\ntype='sms'\nprovider='p'\nconfig = { a = [1] }",
            Path::new("."),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("config"), "{err:#}");
    }

    #[test]
    fn sources_are_read_and_their_mistakes_named() {
        let feed = "[[channels]]\nid='feed'\ntype='websocket'\n";
        let config = HostConfig::parse(
            &format!(
                "{feed}[[sources]]\nchannel_id='feed'\ntype='sse'\nurl='https://example.com/events'\n\
                 headers={{ Authorization = 'Bearer t' }}\nmax_restart_attempts=3\n"
            ),
            Path::new("."),
        )
        .unwrap();
        assert_eq!(config.sources.len(), 1);
        let source = &config.sources[0];
        assert_eq!(source.headers["Authorization"], "Bearer t");
        assert_eq!(source.options().max_restart_attempts, Some(3));
        assert_eq!(source.restart_delay_ms, 5_000);

        let cases = [
            (
                "[[sources]]\nchannel_id='ghost'\ntype='sse'\nurl='http://x/e'".to_owned(),
                "source `http://x/e`: no channel `ghost` is declared in [[channels]]",
            ),
            (
                format!(
                    "{feed}[[sources]]\nchannel_id='feed'\ntype='sse'\nurl='http://x/a'\n\
                     [[sources]]\nchannel_id='feed'\ntype='sse'\nurl='http://x/b'"
                ),
                "channel `feed` has two sources",
            ),
            (
                format!("{feed}[[sources]]\nchannel_id='feed'\ntype='sse'\nurl='ws://x/e'"),
                "source of channel `feed`: url \"ws://x/e\": the scheme must be http or https",
            ),
            (
                format!("{feed}[[sources]]\nchannel_id='feed'\ntype='kafka'\nurl='http://x/e'"),
                "source of channel `feed`: unknown source type \"kafka\" (known: sse, websocket)",
            ),
        ];
        for (text, expected) in cases {
            let err = HostConfig::parse(&text, Path::new(".")).unwrap_err();
            assert_eq!(err.to_string(), expected);
        }
    }

    #[test]
    fn tls_ca_files_are_read_relative_to_the_file_and_their_mistakes_named() {
        let dir = tempfile::tempdir().unwrap();
        let ca = roomkit_tls::testing::TestCa::new();
        std::fs::create_dir(dir.path().join("certs")).unwrap();
        std::fs::write(dir.path().join("certs/internal.pem"), ca.ca_pem()).unwrap();
        let config =
            HostConfig::parse("[tls]\nca_files = ['certs/internal.pem']", dir.path()).unwrap();
        assert_eq!(config.tls.ca_files, [dir.path().join("certs/internal.pem")]);
        assert_eq!(config.trusted_roots().extra().len(), 1);
        assert!(HostConfig::default().trusted_roots().extra().is_empty());

        let err = HostConfig::parse("[tls]\nca_files = ['missing.pem']", dir.path()).unwrap_err();
        let text = format!("{err:#}");
        let missing = dir.path().join("missing.pem");
        assert!(
            text.starts_with(&format!("[tls] ca_files: {}: ", missing.display())),
            "{text}"
        );
        std::fs::write(dir.path().join("notes.txt"), "not a certificate").unwrap();
        let err = HostConfig::parse("[tls]\nca_files = ['notes.txt']", dir.path()).unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            format!(
                "[tls] ca_files: {}: no certificate in it (expected PEM blocks `-----BEGIN CERTIFICATE-----`)",
                dir.path().join("notes.txt").display()
            )
        );
        let err = HostConfig::parse("[tls]\nca_file = 'x.pem'", dir.path()).unwrap_err();
        assert!(
            format!("{err:#}").contains("unknown field `ca_file`"),
            "{err:#}"
        );
    }

    #[test]
    fn the_reference_in_docs_configuration_md_is_a_valid_file() {
        let doc = include_str!("../../../docs/configuration.md");
        let start = doc.find("```toml\n").unwrap() + "```toml\n".len();
        let text = &doc[start..start + doc[start..].find("```").unwrap()];
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("certs")).unwrap();
        let ca = roomkit_tls::testing::TestCa::new();
        std::fs::write(dir.path().join("certs/internal-ca.pem"), ca.ca_pem()).unwrap();
        std::fs::write(dir.path().join("roomkit.toml"), text).unwrap();
        let config = HostConfig::load(Some(&dir.path().join("roomkit.toml"))).unwrap();
        assert_eq!(config.api.tokens, ["dev-token"]);
        assert_eq!(
            config.channels[0].provider.as_deref(),
            Some("webhook-provider")
        );
        assert_eq!(config.sources[0].channel_id, "customers");
        let sms = &config.channels[1];
        assert_eq!(
            sms.config["auth_token"],
            ConfigValue::Text("${TWILIO_AUTH_TOKEN}".into())
        );
        assert_eq!(
            config.api.public_url.as_deref(),
            Some("https://desk.example.com")
        );
        assert_eq!(config.trusted_roots().extra().len(), 1);
        assert_eq!(config.kit_config().unwrap(), KitConfig::default());
    }
}
