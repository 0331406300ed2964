//! `/metrics`: counters fed by the kit's framework events and the plugin catalog's call
//! statistics, written in the Prometheus text format (version 0.0.4) by hand.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use roomkit_kit::FrameworkEvent;
use roomkit_model::FrameworkEventType;
use tokio::sync::mpsc;

use crate::catalog::{PluginInfo, PluginStatus};
use crate::ws::HubStats;

/// Counters keyed by their label values.
type Family = BTreeMap<Vec<String>, u64>;

#[derive(Debug, Default)]
struct Counters {
    framework_events: Family,
    processed: u64,
    blocked: Family,
    hook_failures: Family,
    deliveries: Family,
    plugin_reloads: Family,
    webhooks_rejected: Family,
}

/// The API's counters.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    counters: Mutex<Counters>,
}

fn bump(family: &mut Family, labels: &[&str]) {
    *family
        .entry(labels.iter().map(|l| (*l).to_owned()).collect())
        .or_default() += 1;
}

fn data<'a>(event: &'a FrameworkEvent, key: &str) -> &'a str {
    event
        .data
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or("unknown")
}

fn type_name(kind: FrameworkEventType) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{kind:?}"))
}

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, Counters> {
        self.counters.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts the kit's framework events until the kit is dropped.
    pub(crate) fn follow(
        self: &std::sync::Arc<Self>,
        mut events: mpsc::Receiver<FrameworkEvent>,
    ) -> tokio::task::JoinHandle<()> {
        let metrics = std::sync::Arc::clone(self);
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                metrics.record(&event);
            }
        })
    }

    pub(crate) fn record(&self, event: &FrameworkEvent) {
        use FrameworkEventType as T;
        let mut c = self.lock();
        bump(&mut c.framework_events, &[&type_name(event.event_type)]);
        let channel = event.channel_id.as_deref().unwrap_or("unknown");
        match event.event_type {
            T::EventProcessed => c.processed += 1,
            T::EventBlocked => bump(&mut c.blocked, &[data(event, "reason")]),
            T::HookError => bump(&mut c.hook_failures, &[data(event, "hook"), "error"]),
            T::HookTimeout => bump(&mut c.hook_failures, &[data(event, "hook"), "timeout"]),
            T::DeliverySucceeded => bump(&mut c.deliveries, &[channel, "succeeded"]),
            T::DeliveryFailed => bump(&mut c.deliveries, &[channel, "failed"]),
            T::PluginLoaded => bump(&mut c.plugin_reloads, &[data(event, "plugin"), "loaded"]),
            T::PluginReloaded => bump(&mut c.plugin_reloads, &[data(event, "plugin"), "reloaded"]),
            T::PluginFailed => bump(&mut c.plugin_reloads, &[data(event, "plugin"), "failed"]),
            _ => {}
        }
    }

    pub(crate) fn webhook_rejected(&self, channel_id: &str) {
        bump(&mut self.lock().webhooks_rejected, &[channel_id]);
    }

    /// The exposition.
    pub(crate) fn render(&self, plugins: &[PluginInfo], hub: HubStats) -> String {
        let c = self.lock();
        let mut out = String::new();
        family(
            &mut out,
            "roomkit_framework_events_total",
            "Framework events emitted by the orchestrator, by type.",
            "counter",
            &["type"],
            &c.framework_events,
        );
        single(
            &mut out,
            "roomkit_events_processed_total",
            "Events delivered through the pipeline (event_processed).",
            "counter",
            c.processed,
        );
        family(
            &mut out,
            "roomkit_events_blocked_total",
            "Events stored blocked, by reason (hook name or gate code).",
            "counter",
            &["reason"],
            &c.blocked,
        );
        family(
            &mut out,
            "roomkit_hook_failures_total",
            "Hook calls that failed (error) or ran out of time (timeout), by hook.",
            "counter",
            &["hook", "kind"],
            &c.hook_failures,
        );
        family(
            &mut out,
            "roomkit_deliveries_total",
            "Deliveries to channels, by channel and outcome.",
            "counter",
            &["channel", "outcome"],
            &c.deliveries,
        );
        family(
            &mut out,
            "roomkit_plugin_reloads_total",
            "Plugin loads, hot reloads and refused versions, by plugin.",
            "counter",
            &["plugin", "outcome"],
            &c.plugin_reloads,
        );
        family(
            &mut out,
            "roomkit_webhooks_rejected_total",
            "Webhook calls refused for an invalid signature, by channel.",
            "counter",
            &["channel"],
            &c.webhooks_rejected,
        );
        drop(c);
        plugin_families(&mut out, plugins);
        single(
            &mut out,
            "roomkit_websocket_clients",
            "WebSocket clients connected now.",
            "gauge",
            hub.clients as u64,
        );
        single(
            &mut out,
            "roomkit_websocket_evictions_total",
            "WebSocket clients disconnected for being too slow.",
            "counter",
            hub.evictions,
        );
        single(
            &mut out,
            "roomkit_websocket_dropped_frames_total",
            "Frames dropped because a WebSocket client's queue was full.",
            "counter",
            hub.dropped_frames,
        );
        out
    }
}

fn plugin_families(out: &mut String, plugins: &[PluginInfo]) {
    let of = |f: &dyn Fn(&PluginInfo) -> u64| -> Family {
        plugins
            .iter()
            .map(|p| (vec![p.name.clone(), p.kind.clone()], f(p)))
            .collect()
    };
    family(
        out,
        "roomkit_plugin_up",
        "1 when the plugin is loaded and serving, 0 when its last load failed.",
        "gauge",
        &["plugin", "kind"],
        &of(&|p| u64::from(p.status == PluginStatus::Loaded)),
    );
    family(
        out,
        "roomkit_plugin_suspended",
        "1 while the plugin's circuit breaker suspends it after repeated failures.",
        "gauge",
        &["plugin", "kind"],
        &of(&|p| u64::from(p.status == PluginStatus::Suspended)),
    );
    family(
        out,
        "roomkit_plugin_calls_total",
        "Calls into the plugin.",
        "counter",
        &["plugin", "kind"],
        &of(&|p| p.stats.calls),
    );
    family(
        out,
        "roomkit_plugin_call_failures_total",
        "Calls into the plugin that failed (trap, limit, returned error).",
        "counter",
        &["plugin", "kind"],
        &of(&|p| p.stats.failures),
    );
    family(
        out,
        "roomkit_plugin_instantiations_total",
        "Instances of the plugin created.",
        "counter",
        &["plugin", "kind"],
        &of(&|p| p.stats.instantiations),
    );
    family(
        out,
        "roomkit_plugin_http_requests_total",
        "Outbound HTTP requests of the plugin to allowed hosts.",
        "counter",
        &["plugin", "kind"],
        &of(&|p| p.stats.http_requests),
    );
    family(
        out,
        "roomkit_plugin_http_denied_total",
        "Outbound HTTP requests of the plugin refused: no allowed_hosts entry admits them.",
        "counter",
        &["plugin", "kind"],
        &of(&|p| p.stats.http_denied),
    );
    family(
        out,
        "roomkit_plugin_log_dropped_total",
        "Log lines of the plugin dropped over its log budget ([log] of its manifest).",
        "counter",
        &["plugin", "kind"],
        &of(&|p| p.stats.log_dropped),
    );
    family(
        out,
        "roomkit_plugin_kv_keys",
        "Keys in the plugin's key-value space.",
        "gauge",
        &["plugin", "kind"],
        &of(&|p| p.stats.kv_keys),
    );
    family(
        out,
        "roomkit_plugin_kv_bytes",
        "Bytes of keys and values in the plugin's key-value space.",
        "gauge",
        &["plugin", "kind"],
        &of(&|p| p.stats.kv_bytes),
    );
    header(
        out,
        "roomkit_plugin_call_seconds_total",
        "Time spent in calls into the plugin; divide by calls for the mean latency.",
        "counter",
    );
    for p in plugins {
        let _ = writeln!(
            out,
            "roomkit_plugin_call_seconds_total{{plugin=\"{}\",kind=\"{}\"}} {}",
            escape(&p.name),
            escape(&p.kind),
            p.stats.call_time_us as f64 / 1e6
        );
    }
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn single(out: &mut String, name: &str, help: &str, kind: &str, value: u64) {
    header(out, name, help, kind);
    let _ = writeln!(out, "{name} {value}");
}

fn family(out: &mut String, name: &str, help: &str, kind: &str, labels: &[&str], values: &Family) {
    header(out, name, help, kind);
    for (key, value) in values {
        let pairs: Vec<String> = labels
            .iter()
            .zip(key)
            .map(|(label, v)| format!("{label}=\"{}\"", escape(v)))
            .collect();
        let _ = writeln!(out, "{name}{{{}}} {value}", pairs.join(","));
    }
}

/// Label values escape backslash, double quote and newline.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn framework_events_are_counted_per_label() {
        let metrics = Metrics::default();
        metrics.record(&FrameworkEvent::new(FrameworkEventType::EventProcessed));
        metrics.record(&FrameworkEvent::new(FrameworkEventType::DeliveryFailed).channel("sms\"1"));
        metrics.record(&FrameworkEvent::new(FrameworkEventType::HookTimeout).with("hook", "slow"));
        let text = metrics.render(&[], HubStats::default());
        assert!(
            text.contains("roomkit_events_processed_total 1\n"),
            "{text}"
        );
        assert!(
            text.contains("roomkit_deliveries_total{channel=\"sms\\\"1\",outcome=\"failed\"} 1\n")
        );
        assert!(text.contains("roomkit_hook_failures_total{hook=\"slow\",kind=\"timeout\"} 1\n"));
        assert!(text.contains("roomkit_framework_events_total{type=\"delivery_failed\"} 1\n"));
    }
}
