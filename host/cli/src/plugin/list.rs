//! `roomkit plugin list [--config roomkit.toml | --dir DIR]`: loads every plugin of the plugin
//! directory as the host does at start (compiled code cached in DATA_DIR/plugin-cache, so a
//! second listing compiles nothing) and prints one line per plugin.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use roomkit_plugins::{Ceilings, LoadStatus, PluginDirectory, PluginEngine, PluginStatus};

use super::{limits, short_hash};
use crate::config::{HostConfig, plugin_cache_dir};

/// The plugin directory, the data directory and the ceilings of the listing: `--dir` with
/// `--data-dir` (default `data`) and the default ceilings, or the configuration's, with
/// `--data-dir` taking precedence as for `roomkit serve`.
fn directories(
    config: Option<&Path>,
    dir: Option<&Path>,
    data_dir: Option<&Path>,
) -> Result<(PathBuf, PathBuf, Ceilings)> {
    if let Some(dir) = dir {
        let data_dir = data_dir.map_or_else(|| PathBuf::from("data"), Path::to_owned);
        return Ok((dir.to_owned(), data_dir, Ceilings::default()));
    }
    let config = HostConfig::load(config)?;
    let ceilings = config.ceilings();
    let data_dir = data_dir.map_or(config.data_dir, Path::to_owned);
    Ok((config.plugin_dir, data_dir, ceilings))
}

fn row(plugin: &PluginStatus) -> [String; 5] {
    let kind = plugin.kind.map_or("?", |k| k.as_str()).to_owned();
    let status = match plugin.status {
        LoadStatus::Loaded => "loaded",
        LoadStatus::Failed => "failed",
        LoadStatus::Suspended => "suspended",
    };
    let version = plugin
        .version
        .as_deref()
        .map_or("-".to_owned(), |v| short_hash(v).to_owned());
    let limits = plugin.limits.as_ref().map_or("-".to_owned(), |l| {
        let hosts = if l.allowed_hosts.is_empty() {
            String::new()
        } else {
            format!(", http: {}", l.allowed_hosts.join(" "))
        };
        format!(
            "{}{hosts}",
            limits(l.timeout_ms, l.fuel, l.memory_mb, l.instance, l.fail_closed)
        )
    });
    [
        plugin.name.clone(),
        kind,
        status.to_owned(),
        version,
        limits,
    ]
}

pub fn run(config: Option<&Path>, dir: Option<&Path>, data_dir: Option<&Path>) -> Result<()> {
    let (plugin_dir, data_dir, ceilings) = directories(config, dir, data_dir)?;
    if !plugin_dir.is_dir() {
        bail!("plugin directory {} does not exist", plugin_dir.display());
    }
    let cache = plugin_cache_dir(&data_dir);
    let engine = PluginEngine::with_ceilings(ceilings)?
        .with_cache(&cache)
        .with_context(|| format!("opening the compiled cache {}", cache.display()))?;
    let directory = PluginDirectory::detached(&plugin_dir, engine.clone(), None);
    directory.load_all();
    let plugins = directory.list();
    println!("plugin directory {}", plugin_dir.display());
    if plugins.is_empty() {
        println!("no plugins (*.wasm)");
        return Ok(());
    }
    let header = ["NAME", "KIND", "STATUS", "VERSION", "LIMITS"].map(str::to_owned);
    let rows: Vec<[String; 5]> = plugins.iter().map(row).collect();
    let mut widths = [0usize; 5];
    for r in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(r) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let print = |r: &[String; 5]| {
        let line: Vec<String> = r
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    };
    print(&header);
    for (plugin, r) in plugins.iter().zip(&rows) {
        print(r);
        if let Some(error) = &plugin.error {
            println!("  {}: {}: {error}", plugin.name, r[2]);
        }
    }
    let failed = plugins
        .iter()
        .filter(|p| p.status == LoadStatus::Failed)
        .count();
    println!(
        "{} plugins: {} loaded, {failed} failed; {} compiled now (cache: {})",
        plugins.len(),
        plugins.len() - failed,
        engine.compilations(),
        cache.display()
    );
    Ok(())
}
