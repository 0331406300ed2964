//! `roomkit plugin …`: scaffold, build, check and list WebAssembly plugins.
//!
//! `check` and `list` load components exactly as the host does (`roomkit-plugins`), so what
//! they accept is what `roomkit serve` accepts.

mod build;
mod check;
mod language;
mod list;
mod new;

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use roomkit_plugins::{InstancePolicy, PluginKind};

/// `roomkit plugin …`.
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Create a plugin (Rust crate, JavaScript/TypeScript or Go module) that builds and loads
    /// as is.
    New {
        /// The plugin's name: lower-case letters, digits and `-`, starting with a letter.
        name: String,
        /// The language of the plugin.
        #[arg(long, value_enum)]
        lang: Lang,
        /// What the plugin is (which WIT world it targets).
        #[arg(long, value_parser = kind_parser(), default_value = "hook")]
        kind: PluginKind,
        /// Where to create it (default: ./NAME). Must not exist or be empty.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Build a plugin into NAME.wasm (and copy its NAME.toml manifest) in an output directory.
    Build {
        /// The plugin's source directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Where NAME.wasm and NAME.toml go (default: DIR/dist), e.g. the host's plugin
        /// directory.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check a component and its manifest (NAME.toml beside it) against the plugin worlds
    /// and the host's ceilings on its limits.
    Check {
        /// The component, NAME.wasm.
        file: PathBuf,
        /// The host configuration whose `[limits]` ceilings (max_fuel, max_timeout_ms,
        /// max_memory_mb) to check against (default: the default ceilings).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Load every plugin of the plugin directory and show its status.
    List {
        /// The host configuration whose plugin_dir and data_dir to use.
        #[arg(long, conflicts_with = "dir")]
        config: Option<PathBuf>,
        /// A plugin directory (the compiled cache is then DATA_DIR/plugin-cache).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

/// The languages `plugin new` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    /// Rust, with the roomkit-sdk crate.
    Rust,
    /// TypeScript, with the JS SDK (sdk/js).
    Js,
    /// Go, with the Go SDK (sdk/go).
    Go,
}

/// `--kind`: the manifest names of the plugin kinds.
fn kind_parser() -> impl clap::builder::TypedValueParser<Value = PluginKind> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(PluginKind::ALL.map(PluginKind::as_str)).map(|name| {
        PluginKind::from_name(&name).unwrap_or_else(|| unreachable!("a possible value: {name}"))
    })
}

/// Runs a `plugin` command; `data_dir` is the global `--data-dir`, if given.
pub fn run(command: &PluginCommand, data_dir: Option<&Path>) -> Result<()> {
    match command {
        PluginCommand::New {
            name,
            lang,
            kind,
            dir,
        } => new::run(name, *lang, *kind, dir.clone()),
        PluginCommand::Build { dir, out } => build::run(dir, out.clone()),
        PluginCommand::Check { file, config } => check::run(file, config.as_deref()),
        PluginCommand::List { config, dir } => {
            list::run(config.as_deref(), dir.as_deref(), data_dir)
        }
    }
}

/// The first `n` hex digits of a version hash.
fn short_hash(version: &str) -> &str {
    version.get(..12).unwrap_or(version)
}

/// A plugin's limits on one line: `1000 ms, fuel 100M, 64 MiB, reuse, fail open`.
fn limits(
    timeout_ms: u64,
    fuel: u64,
    memory_mb: u64,
    instance: InstancePolicy,
    fail_closed: bool,
) -> String {
    let fuel = if fuel >= 1_000_000 && fuel.is_multiple_of(1_000_000) {
        format!("{}M", fuel / 1_000_000)
    } else {
        fuel.to_string()
    };
    let instance = match instance {
        InstancePolicy::Reuse => "reuse",
        InstancePolicy::Fresh => "fresh",
    };
    let policy = if fail_closed {
        "fail closed"
    } else {
        "fail open"
    };
    format!("{timeout_ms} ms, fuel {fuel}, {memory_mb} MiB, {instance}, {policy}")
}
