//! `roomkit`: the RoomKit host binary.
//!
//! `roomkit serve` runs the host: the orchestrator on the durable store, the plugins of the
//! plugin directory (hot reloaded) and the HTTP and WebSocket API. `roomkit demo` runs a sample
//! conversation through the orchestrator; `roomkit store …` inspects the durable store;
//! `roomkit completions SHELL` prints a shell completion script.

mod bridge;
mod config;
mod demo;
mod logging;
mod plugin;
mod presets;
mod serve;
mod sink;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser, Subcommand};
use roomkit_model::RoomStatus;
use roomkit_store::{ConversationStore, EventQuery, RoomFilter, SledStore};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// RoomKit host.
#[derive(Debug, Parser)]
#[command(name = "roomkit", version, about)]
struct Cli {
    /// Directory of the sled database (default: `data`, or the configuration's `data_dir`
    /// for `serve` and `plugin list`).
    #[arg(long, global = true, env = "ROOMKIT_DATA_DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the host: the HTTP and WebSocket API, the orchestrator and the plugins.
    ///
    /// Each setting comes from its flag, else its environment variable, else the configuration
    /// file, else its default. API tokens come from ROOMKIT_API_TOKENS (comma-separated; it
    /// replaces `[api] tokens`), else the file.
    Serve {
        /// The configuration file (default: `./roomkit.toml` when present; every key has a
        /// default, so none is needed).
        #[arg(long, short, env = "ROOMKIT_CONFIG")]
        config: Option<PathBuf>,
        /// Listen on this address instead of the configuration's (`127.0.0.1:0` picks a port).
        #[arg(long, env = "ROOMKIT_LISTEN")]
        listen: Option<std::net::SocketAddr>,
        /// Load plugins from this directory instead of the configuration's.
        #[arg(long, env = "ROOMKIT_PLUGIN_DIR")]
        plugin_dir: Option<PathBuf>,
    },
    /// Run a sample support conversation through the orchestrator (room `support-demo`).
    Demo,
    /// Inspect or exercise the conversation store.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Tools for trying a deployment out.
    #[command(subcommand)]
    Dev(DevCommand),
    /// Scaffold, build, check and list WebAssembly plugins.
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
    /// Print the completion script for a shell (e.g. `roomkit completions bash >
    /// /etc/bash_completion.d/roomkit`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
enum DevCommand {
    /// Receive webhook deliveries (what `webhook-provider` posts) and print each as a JSON line
    /// with whether its signature checks out.
    Sink {
        /// Where to listen.
        #[arg(long, default_value = "127.0.0.1:9090")]
        listen: std::net::SocketAddr,
        /// The HMAC-SHA256 secret shared with the provider (no check without it).
        #[arg(long)]
        secret: Option<String>,
        /// The header carrying `sha256=<hex>`.
        #[arg(long, default_value = "x-roomkit-signature")]
        signature_header: String,
    },
}

#[derive(Debug, Subcommand)]
enum StoreCommand {
    /// Count the entries of every tree.
    Stats,
    /// List rooms as JSON lines.
    Rooms {
        /// Only rooms in this state (active, paused, closed, archived).
        #[arg(long)]
        status: Option<String>,
    },
    /// Print a room's events as JSON lines.
    Timeline {
        /// The room id.
        room_id: String,
        /// At most this many events.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Newest first.
        #[arg(long)]
        newest_first: bool,
        /// Include blocked events.
        #[arg(long)]
        include_blocked: bool,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    let Cli { data_dir, command } = Cli::parse();
    let store_dir = data_dir.clone().unwrap_or_else(|| PathBuf::from("data"));
    match command {
        Command::Serve {
            config,
            listen,
            plugin_dir,
        } => {
            init_logging();
            let source = config::ConfigFile::discover(config, Path::new("."));
            source.log();
            let file = config::HostConfig::load(source.path())?;
            let api_tokens = config::tokens_from(std::env::var_os(config::TOKENS_VARIABLE))?;
            if let Some(tokens) = &api_tokens {
                tracing::info!(
                    count = tokens.len(),
                    "API tokens from {} (replacing [api] tokens)",
                    config::TOKENS_VARIABLE
                );
            }
            let overrides = serve::Overrides {
                listen,
                data_dir,
                plugin_dir,
                api_tokens,
            };
            serve::run(file, overrides).await
        }
        Command::Demo => demo::run(config::open_store(&store_dir)?).await,
        Command::Store(command) => store_command(config::open_store(&store_dir)?, command).await,
        Command::Dev(DevCommand::Sink {
            listen,
            secret,
            signature_header,
        }) => sink::run(listen, secret, signature_header).await,
        Command::Plugin(command) => plugin::run(&command, data_dir.as_deref()),
        Command::Completions { shell } => {
            let mut cli = Cli::command();
            clap_complete::generate(shell, &mut cli, "roomkit", &mut std::io::stdout());
            Ok(())
        }
    }
}

/// Logs to stderr; `RUST_LOG` picks what (default: info). Colours only on a terminal; every
/// field goes through [`logging::escaped_fields`], so no value (an id, a plugin's error text)
/// can plant a line or a terminal escape.
fn init_logging() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .fmt_fields(logging::escaped_fields())
        .with_writer(std::io::stderr)
        .init();
}

async fn store_command(store: Arc<SledStore>, command: StoreCommand) -> Result<()> {
    match command {
        StoreCommand::Stats => {
            for (tree, entries) in store.tree_sizes()? {
                println!("{tree:<36} {entries}");
            }
        }
        StoreCommand::Rooms { status } => {
            let status = status
                .map(|s| serde_json::from_value::<RoomStatus>(serde_json::Value::String(s)))
                .transpose()
                .context("--status must be active, paused, closed or archived")?;
            let filter = RoomFilter {
                status,
                ..RoomFilter::default()
            };
            for room in store.list_rooms(&filter).await? {
                println!("{}", serde_json::to_string(&room)?);
            }
        }
        StoreCommand::Timeline {
            room_id,
            limit,
            newest_first,
            include_blocked,
        } => {
            let query = EventQuery {
                newest_first,
                include_blocked,
                ..EventQuery::oldest(limit)
            };
            let events = store
                .list_events(&room_id, &query)
                .await
                .with_context(|| format!("reading the timeline of room {room_id:?}"))?;
            for event in events {
                println!("{}", serde_json::to_string(&event)?);
            }
        }
    }
    Ok(())
}
