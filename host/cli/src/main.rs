//! `roomkit`: the RoomKit host binary.
//!
//! Today it runs a demo conversation through the orchestrator (`roomkit demo`) and inspects the
//! durable store (`roomkit store …`). The plugin runtime and the HTTP server (`roomkit serve`)
//! come in later steps.

mod config;
mod demo;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use roomkit_model::RoomStatus;
use roomkit_store::{ConversationStore, EventQuery, RoomFilter, SledStore};

/// RoomKit host.
#[derive(Debug, Parser)]
#[command(name = "roomkit", version, about)]
struct Cli {
    /// Directory of the sled database.
    #[arg(long, global = true, default_value = "data", env = "ROOMKIT_DATA_DIR")]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a sample support conversation through the orchestrator (room `support-demo`).
    Demo,
    /// Inspect or exercise the conversation store.
    #[command(subcommand)]
    Store(StoreCommand),
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
    let cli = Cli::parse();
    match cli.command {
        Command::Demo => demo::run(open_store(&cli.data_dir)?).await,
        Command::Store(command) => store_command(open_store(&cli.data_dir)?, command).await,
    }
}

/// The durable store in `DATA_DIR/store`.
fn open_store(data_dir: &std::path::Path) -> Result<Arc<SledStore>> {
    Ok(Arc::new(
        SledStore::open(data_dir.join("store"))
            .with_context(|| format!("opening the store in {}", data_dir.display()))?,
    ))
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
