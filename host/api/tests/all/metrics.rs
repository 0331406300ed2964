//! `/metrics` and `/v1/plugins`.

use std::sync::atomic::Ordering;

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{eventually, start};

#[tokio::test]
async fn metrics_count_processed_and_blocked_events_deliveries_and_plugin_calls() {
    let server = start().await;
    server.room_with_sms("r").await;
    server
        .post("/v1/rooms/r/bindings", json!({"channel_id": "webhook-in"}))
        .await;
    server.sms_says("r", "hello").await;
    server.sms_says("r", "spam").await;
    server.catalog.calls.store(4, Ordering::SeqCst);
    let expected = [
        "roomkit_events_processed_total 1\n",
        "roomkit_events_blocked_total{reason=\"test-filter\"} 1\n",
        "roomkit_deliveries_total{channel=\"webhook-in\",outcome=\"succeeded\"} 1\n",
        "roomkit_framework_events_total{type=\"room_created\"} 1\n",
        "roomkit_plugin_up{plugin=\"pii-redactor\",kind=\"hook\"} 1\n",
        "roomkit_plugin_calls_total{plugin=\"pii-redactor\",kind=\"hook\"} 4\n",
        "roomkit_plugin_call_failures_total{plugin=\"pii-redactor\",kind=\"hook\"} 1\n",
        "roomkit_plugin_call_seconds_total{plugin=\"pii-redactor\",kind=\"hook\"} 0.001\n",
        "roomkit_plugin_instantiations_total{plugin=\"pii-redactor\",kind=\"hook\"} 2\n",
        "roomkit_plugin_http_requests_total{plugin=\"pii-redactor\",kind=\"hook\"} 4\n",
        "roomkit_plugin_http_denied_total{plugin=\"pii-redactor\",kind=\"hook\"} 3\n",
        "roomkit_plugin_log_dropped_total{plugin=\"pii-redactor\",kind=\"hook\"} 7\n",
        "roomkit_plugin_kv_keys{plugin=\"pii-redactor\",kind=\"hook\"} 2\n",
        "roomkit_plugin_kv_bytes{plugin=\"pii-redactor\",kind=\"hook\"} 40\n",
        "roomkit_websocket_clients 0\n",
        "# TYPE roomkit_hook_failures_total counter\n",
    ];
    eventually("the framework events to be counted", || async {
        let (_, text) = server.get_text("/metrics").await;
        expected.iter().all(|line| text.contains(line))
    })
    .await;
    let response = server
        .http
        .get(format!("{}/metrics", server.base))
        .bearer_auth(crate::support::TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
}

#[tokio::test]
async fn plugins_are_listed_with_status_version_limits_and_statistics() {
    let server = start().await;
    server.catalog.calls.store(10, Ordering::SeqCst);
    let (status, body) = server.get("/v1/plugins").await;
    assert_eq!(status, StatusCode::OK);
    let plugin = json!({
        "name": "pii-redactor", "kind": "hook", "status": "loaded", "version": "1.2.0",
        "limits": {"timeout_ms": 1000, "fuel": 100_000_000, "memory_mb": 64, "warm_instances": 8,
                   "instance": "reuse", "allowed_hosts": ["https://api.example.com"],
                   "fail_closed": true, "kv_max_keys": 10_000, "kv_max_bytes": 16_777_216},
        "stats": {"calls": 10, "failures": 1, "call_time_us": 2500, "instantiations": 2,
                  "warm_instances": 1, "http_requests": 10, "http_denied": 3,
                  "log_dropped": 7, "kv_keys": 2, "kv_bytes": 40}
    });
    assert_eq!(body, json!({"plugins": [plugin.clone()]}));
    let (status, body) = server.get("/v1/plugins/pii-redactor").await;
    assert_eq!((status, body), (StatusCode::OK, plugin));
    let (status, body) = server.get("/v1/plugins/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "plugin_not_found");
}
