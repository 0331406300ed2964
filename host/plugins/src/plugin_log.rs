//! A plugin's log, under a budget: what it writes through `host::log` and to its stdout and
//! stderr reaches the host's log with the plugin's name, line by line, each line cut at
//! [`MAX_LINE_BYTES`], and at most the manifest's `[log]` lines and bytes per call and per
//! second. The excess is dropped and counted (`log_dropped` in the stats), with one warning per
//! second naming the plugin and the budget it went over.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::manifest::LogBudget;
use crate::stats::PluginStats;

/// The longest line a plugin may log; longer ones are cut.
pub(crate) const MAX_LINE_BYTES: usize = 4096;

/// How severe a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

/// Lines and bytes counted against one budget.
#[derive(Debug, Default, Clone, Copy)]
struct Used {
    lines: u64,
    bytes: u64,
}

impl Used {
    /// Whether one more line of `bytes` stays within `max_lines` and `max_bytes`.
    fn fits(&self, bytes: usize, max_lines: u64, max_bytes: u64) -> bool {
        self.lines < max_lines && self.bytes.saturating_add(bytes as u64) <= max_bytes
    }

    fn add(&mut self, bytes: usize) {
        self.lines += 1;
        self.bytes += bytes as u64;
    }
}

/// The per-second window of one plugin version, shared by its instances.
#[derive(Debug)]
struct Window {
    started: Instant,
    used: Used,
    /// A warning was written in this window already.
    warned: bool,
}

/// The log of one plugin version.
#[derive(Debug)]
pub(crate) struct PluginLog {
    plugin: String,
    budget: LogBudget,
    stats: Arc<PluginStats>,
    window: Mutex<Window>,
}

impl PluginLog {
    pub(crate) fn new(plugin: &str, budget: LogBudget, stats: Arc<PluginStats>) -> Self {
        PluginLog {
            plugin: plugin.to_owned(),
            budget,
            stats,
            window: Mutex::new(Window {
                started: Instant::now(),
                used: Used::default(),
                warned: false,
            }),
        }
    }
}

/// The log of one instance: the plugin's log, and what the call in progress used.
#[derive(Debug)]
pub(crate) struct InstanceLog {
    log: Arc<PluginLog>,
    call: Mutex<Used>,
    /// The secrets of the manifest and of the call's channel, masked in every line.
    secrets: Mutex<Vec<String>>,
}

impl InstanceLog {
    pub(crate) fn new(log: Arc<PluginLog>) -> Self {
        InstanceLog {
            log,
            call: Mutex::new(Used::default()),
            secrets: Mutex::new(Vec::new()),
        }
    }

    /// A new call starts: its budget is whole again, and `secrets` are masked in its lines.
    pub(crate) fn start_call(&self, secrets: Vec<String>) {
        *self.call.lock().unwrap_or_else(|p| p.into_inner()) = Used::default();
        *self.secrets.lock().unwrap_or_else(|p| p.into_inner()) = secrets;
    }

    /// Writes one line, secrets masked and cut at [`MAX_LINE_BYTES`], unless the budget is
    /// spent.
    pub(crate) fn write(&self, level: Level, line: &str) {
        let masked = {
            let secrets = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
            (!secrets.is_empty()).then(|| redact_all(line, secrets.iter().map(String::as_str)))
        };
        let line = cut(masked.as_deref().unwrap_or(line), MAX_LINE_BYTES);
        let log = &*self.log;
        let budget = &log.budget;
        let over = {
            let mut call = self.call.lock().unwrap_or_else(|p| p.into_inner());
            let mut window = log.window.lock().unwrap_or_else(|p| p.into_inner());
            if window.started.elapsed() >= Duration::from_secs(1) {
                *window = Window {
                    started: Instant::now(),
                    used: Used::default(),
                    warned: false,
                };
            }
            let fits_call = call.fits(line.len(), budget.lines_per_call, budget.bytes_per_call);
            let fits_second =
                window
                    .used
                    .fits(line.len(), budget.lines_per_second, budget.bytes_per_second);
            if fits_call && fits_second {
                call.add(line.len());
                window.used.add(line.len());
                None
            } else {
                let first = !std::mem::replace(&mut window.warned, true);
                Some((first, if fits_call { "per second" } else { "per call" }))
            }
        };
        let plugin = log.plugin.as_str();
        match over {
            None => match level {
                Level::Trace => tracing::trace!(plugin, "{line}"),
                Level::Debug => tracing::debug!(plugin, "{line}"),
                Level::Info => tracing::info!(plugin, "{line}"),
                Level::Warn => tracing::warn!(plugin, "{line}"),
                Level::Error => tracing::error!(plugin, "{line}"),
            },
            Some((first, which)) => {
                log.stats
                    .log_dropped
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if first {
                    let (lines, bytes) = if which == "per call" {
                        (budget.lines_per_call, budget.bytes_per_call)
                    } else {
                        (budget.lines_per_second, budget.bytes_per_second)
                    };
                    tracing::warn!(
                        plugin,
                        "plugin {plugin}: log budget of {lines} lines or {bytes} bytes {which} \
                         spent; its further lines are dropped and counted (log_dropped) for \
                         the rest of this second"
                    );
                }
            }
        }
    }
}

use crate::settings::redact_all;

/// `text` cut to at most `max` bytes, at a character boundary.
fn cut(text: &str, max: usize) -> &str {
    &text[..text.floor_char_boundary(max)]
}
