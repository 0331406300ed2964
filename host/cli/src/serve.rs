//! `roomkit serve`: the host. Opens the durable store, loads the plugin directory (and keeps
//! watching it), builds the orchestrator with the configured identity resolver and inbound
//! router plugins, registers the configured channels and serves the HTTP and WebSocket API
//! until SIGTERM or ctrl-c. Shutting down stops accepting, lets requests in flight finish
//! (each is acknowledged only once its event is durable) for at most `[limits]
//! shutdown_grace_ms`, then cancels the plugin calls still running and stops waiting, closes
//! WebSocket clients and flushes the store: what was acknowledged is durable, what was cut
//! was never acknowledged.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use roomkit_api::{ApiConfig, ApiState, ChannelSpec, WebSocketConfig};
use roomkit_kit::RoomKit;
use roomkit_model::Metadata;
use roomkit_plugins::{ConfigValue, PluginDirectory, PluginEngine};
use roomkit_store::ConversationStore;

use crate::bridge::{DirectoryCatalog, PluginChannels};
use crate::config::{AI, ChannelConfig, HostConfig, open_store, plugin_cache_dir};

/// How often the plugin directory is looked at for added, replaced and removed plugins.
const PLUGIN_SCAN_INTERVAL: Duration = Duration::from_millis(100);
/// How often room timers (pause and close after inactivity) are checked.
const TIMER_CHECK_INTERVAL: Duration = Duration::from_secs(5);

/// Settings from flags and the environment that override the file.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--listen`.
    pub listen: Option<SocketAddr>,
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `--plugin-dir`.
    pub plugin_dir: Option<PathBuf>,
    /// `ROOMKIT_API_TOKENS`: replaces `[api] tokens`.
    pub api_tokens: Option<Vec<String>>,
}

/// Runs the host until a shutdown signal.
pub async fn run(config: HostConfig, overrides: Overrides) -> Result<()> {
    let mut config = config;
    if let Some(listen) = overrides.listen {
        config.listen = listen;
    }
    if let Some(dir) = overrides.data_dir {
        config.data_dir = dir;
    }
    if let Some(dir) = overrides.plugin_dir {
        config.plugin_dir = dir;
    }
    if let Some(tokens) = overrides.api_tokens {
        config.api.tokens = tokens;
    }
    raise_open_files_limit();
    let host = Host::start(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let address = listener.local_addr()?;
    // Both before the line below: a script may signal as soon as it reads it, and must not
    // find the host still assembling its routes and OpenAPI document, or without its handler.
    let shutdown = shutdown_signal();
    let router = roomkit_api::router(host.api.clone());
    // Scripts and tests wait for this line.
    println!("roomkit listening on http://{address}");
    let (signalled, signal) = tokio::sync::oneshot::channel::<()>();
    let serving = roomkit_api::serve_with(
        listener,
        router,
        config.api.connection_limits(),
        async move {
            shutdown.await;
            let _ = signalled.send(());
        },
    );
    let grace = config.shutdown_grace();
    let grace_over = async move {
        if signal.await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        served = serving => {
            served.context("serving the API")?;
            println!("roomkit shutting down: requests in flight finished");
        }
        () = grace_over => {
            // Requests still in flight were not acknowledged; what was is durable already.
            host.engine.cancel_calls();
            tracing::warn!(
                grace_ms = config.limits.shutdown_grace_ms,
                "requests still in flight after the shutdown grace: plugin calls cancelled"
            );
            println!("roomkit shutting down: requests in flight cancelled after the grace");
        }
    }
    host.stop().await?;
    println!("roomkit stopped");
    Ok(())
}

/// The running parts of the host.
struct Host {
    api: ApiState,
    kit: RoomKit,
    engine: PluginEngine,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Host {
    async fn start(config: &HostConfig) -> Result<Host> {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating {}", config.data_dir.display()))?;
        std::fs::create_dir_all(&config.plugin_dir)
            .with_context(|| format!("creating {}", config.plugin_dir.display()))?;
        let store: Arc<dyn ConversationStore> = open_store(&config.data_dir)?;
        let roots = config.trusted_roots();
        let engine = PluginEngine::with_ceilings(config.ceilings())?
            .with_cache(&plugin_cache_dir(&config.data_dir))?
            .with_trusted_roots(roots.clone());
        let directory = Arc::new(PluginDirectory::detached(
            &config.plugin_dir,
            engine.clone(),
            Some(Arc::clone(&store)),
        ));

        let mut builder = RoomKit::builder(Arc::clone(&store)).config(config.kit_config()?);
        if let Some(name) = &config.identity_resolver {
            builder = builder.identity_resolver(Arc::new(directory.identity_resolver(name)));
        }
        if let Some(name) = &config.inbound_router {
            builder = builder.inbound_router(Arc::new(directory.inbound_router(name)));
        }
        let kit = builder.build();

        let loading = Arc::clone(&directory);
        let report = tokio::task::spawn_blocking(move || loading.load_all()).await?;
        directory.attach_kit(kit.clone());
        for plugin in directory.list() {
            let kind = plugin.kind.map_or("unknown kind", |k| k.as_str());
            match &plugin.error {
                None => println!("plugin {} ({kind}) loaded", plugin.name),
                Some(error) => println!("plugin {} ({kind}) failed: {error}", plugin.name),
            }
        }
        if !report.failed.is_empty() {
            tracing::warn!(failed = report.failed.len(), "some plugins did not load");
        }

        let channels = config.channels.iter().fold(
            PluginChannels::new(Arc::clone(&directory))
                .with_base_dir(config.base_dir.clone())
                .with_public_url(config.api.public_url.clone()),
            |channels, channel| {
                channels.with_file_channel(channel_spec(channel), channel.config.clone())
            },
        );
        let webhooks = Arc::new(channels.webhooks(kit.clone()));
        let api_config = ApiConfig {
            tokens: config.api.tokens.clone(),
            body_limit: config.api.max_body_bytes,
            websocket: WebSocketConfig::default(),
            trusted_roots: roots.clone(),
            connections: config.api.connection_limits(),
        };
        if api_config.is_open() {
            tracing::warn!(
                "no API token configured: the API is open to anyone who can reach {}",
                config.listen
            );
        }
        let api = ApiState::new(
            kit.clone(),
            Arc::new(DirectoryCatalog(Arc::clone(&directory))),
            webhooks,
            Arc::new(channels),
            api_config,
        );
        // `/readyz` is 503 until each plugin the configuration names is loaded.
        api.require_plugins(
            config
                .identity_resolver
                .iter()
                .chain(&config.inbound_router)
                .chain(config.channels.iter().filter_map(|c| c.provider.as_ref()))
                .cloned(),
        );
        for channel in &config.channels {
            api.register_channel(channel_spec(channel))
                .await
                .map_err(|err| anyhow::anyhow!("channel `{}`: {err}", channel.id))?;
        }
        let restored = api
            .restore_channels()
            .await
            .map_err(|err| anyhow::anyhow!("restoring runtime channels: {}", err.message))?;
        if !restored.is_empty() {
            tracing::info!(
                count = restored.len(),
                "channels registered at runtime restored"
            );
        }
        warn_about_orphan_bindings(&kit).await?;
        for source in &config.sources {
            source.attach(&kit, roots).await.map_err(|err| {
                anyhow::anyhow!("source of channel `{}`: {err}", source.channel_id)
            })?;
        }

        let watcher = directory.watch(PLUGIN_SCAN_INTERVAL);
        let timers = tokio::spawn({
            let kit = kit.clone();
            async move {
                let mut tick = tokio::time::interval(TIMER_CHECK_INTERVAL);
                loop {
                    tick.tick().await;
                    if let Err(err) = kit.check_all_timers().await {
                        tracing::warn!(%err, "checking room timers failed");
                    }
                }
            }
        });
        Ok(Host {
            api,
            kit,
            engine,
            tasks: vec![watcher, timers],
        })
    }

    async fn stop(self) -> Result<()> {
        self.api.close_websockets();
        for task in &self.tasks {
            task.abort();
        }
        self.kit.close().await.context("closing the orchestrator")?;
        Ok(())
    }
}

/// Raises the soft limit of open files to the hard one: every connection, plugin instance and
/// store segment is a descriptor, and the default soft limit (often 1024) is reached long
/// before `[api] max_connections`.
fn raise_open_files_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::debug!(limit, "open files limit"),
        Err(err) => tracing::warn!(%err, "cannot raise the open files limit"),
    }
}

/// Bindings whose channel is registered nowhere in this host (removed from `roomkit.toml`, or
/// its provider plugin is gone): deliveries to them are unavailable targets until it is back.
async fn warn_about_orphan_bindings(kit: &RoomKit) -> Result<()> {
    const SHOWN: usize = 20;
    let store = kit.store();
    let rooms = store
        .list_rooms(&roomkit_store::RoomFilter::default())
        .await
        .context("listing rooms")?;
    let mut orphans = 0usize;
    for room in rooms {
        for binding in store
            .list_bindings(&room.id)
            .await
            .context("listing bindings")?
        {
            if kit.get_channel(&binding.channel_id).is_none() {
                orphans += 1;
                if orphans <= SHOWN {
                    tracing::warn!(room = %room.id.escape_debug(),
                        channel = %binding.channel_id.escape_debug(),
                        "a room is bound to a channel this host does not have");
                }
            }
        }
    }
    if orphans > SHOWN {
        tracing::warn!(
            count = orphans,
            "bindings to channels this host does not have ({SHOWN} shown)"
        );
    }
    Ok(())
}

/// The API's channel spec of a configured channel.
fn channel_spec(channel: &ChannelConfig) -> ChannelSpec {
    let mut config = Metadata::new();
    if let Some(provider) = &channel.provider {
        config.insert("provider".into(), provider.clone().into());
    }
    for (key, value) in &channel.config {
        config.insert(key.clone(), config_json(value));
    }
    if let Some(policy) = &channel.retry_policy {
        config.insert("retry_policy".into(), serde_json::json!(policy));
    }
    if let Some(limit) = &channel.rate_limit {
        config.insert("rate_limit".into(), serde_json::json!(limit));
    }
    if channel.channel_type == AI {
        if let Some(prompt) = &channel.system_prompt {
            config.insert("system_prompt".into(), prompt.clone().into());
        }
        if let Some(limit) = channel.max_context_events {
            config.insert("max_context_events".into(), limit.into());
        }
    }
    ChannelSpec {
        id: channel.id.clone(),
        channel_type: channel.channel_type.clone(),
        capabilities: channel.capabilities.clone(),
        config,
    }
}

/// A setting as the spec shows it: `${NAME}` and `{ "file": path }` stay references (the
/// values are resolved only when the channel is made, and never stored).
fn config_json(value: &ConfigValue) -> serde_json::Value {
    match value {
        ConfigValue::Text(text) => text.clone().into(),
        ConfigValue::Integer(n) => (*n).into(),
        ConfigValue::Float(n) => (*n).into(),
        ConfigValue::Bool(b) => (*b).into(),
        ConfigValue::File { file } => serde_json::json!({ "file": file.display().to_string() }),
    }
}

/// Resolves on SIGTERM or ctrl-c. The handlers are installed when this is called, not when the
/// future is first polled: a signal sent right after the "listening" line (which a script may
/// act on at once) is then a shutdown, not the default action that kills the process.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            match (interrupt, terminate) {
                (Ok(mut interrupt), Ok(mut terminate)) => tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                },
                (Err(err), _) | (_, Err(err)) => {
                    tracing::warn!(%err, "cannot listen for SIGINT and SIGTERM");
                    std::future::pending::<()>().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
