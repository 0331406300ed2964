//! The system routes, rooms, bindings, channels and sources, driven to each documented answer.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::conformance::Conformance;
use super::oversized;
use crate::support::Server;

/// Leaves rooms `r1` (with `sms` attached) and `r2` (archived) behind.
pub(super) async fn drive(api: &mut Conformance, s: &Server) {
    let ok = StatusCode::OK;
    let created = StatusCode::CREATED;
    let no_content = StatusCode::NO_CONTENT;
    let bad = StatusCode::BAD_REQUEST;
    let not_found = StatusCode::NOT_FOUND;
    let conflict = StatusCode::CONFLICT;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;

    // System.
    let (status, _) = api.send(s, s.http.get(format!("{}/healthz", s.base))).await;
    assert_eq!(status, ok);
    api.get(s, "/metrics", ok).await;
    let served = api.get(s, "/v1/openapi.json", ok).await;
    assert_eq!(served, api.doc, "the served document is the generated one");
    api.get(s, "/v1/plugins", ok).await;
    api.get(s, "/v1/plugins/pii-redactor", ok).await;
    api.get(s, "/v1/plugins/nope", not_found).await;

    // Rooms.
    api.post(
        s,
        "/v1/rooms",
        json!({"id": "r1", "metadata": {"tier": "vip"}, "timers": {"inactive_after_seconds": 3600}}),
        created,
    )
    .await;
    api.post(s, "/v1/rooms", json!({"id": "r1"}), conflict)
        .await;
    api.post(s, "/v1/rooms", json!({"id": " "}), invalid).await;
    api.post(s, "/v1/rooms", json!({"bogus": 1}), invalid).await;
    api.raw(s, Method::POST, "/v1/rooms", "{", bad).await;
    api.raw(
        s,
        Method::POST,
        "/v1/rooms",
        oversized(),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    api.get(s, "/v1/rooms", ok).await;
    api.get(
        s,
        "/v1/rooms?metadata_key=tier&metadata_value=vip&limit=5",
        ok,
    )
    .await;
    api.get(s, "/v1/rooms?limit=0", invalid).await;
    api.get(s, "/v1/rooms?limit=many", bad).await;
    api.get(s, "/v1/rooms/r1", ok).await;
    api.get(s, "/v1/rooms/none", not_found).await;
    api.post(s, "/v1/rooms", json!({"id": "r2"}), created).await;
    api.post(s, "/v1/rooms/r2/pause", json!({}), ok).await;
    api.post(s, "/v1/rooms/none/pause", json!({}), not_found)
        .await;
    api.post(s, "/v1/rooms/r2/resume", json!({}), ok).await;
    api.post(s, "/v1/rooms/none/resume", json!({}), not_found)
        .await;
    api.post(s, "/v1/rooms/r2/close", json!({}), ok).await;
    api.post(s, "/v1/rooms/none/close", json!({}), not_found)
        .await;
    api.post(s, "/v1/rooms/r2/pause", json!({}), conflict).await;
    api.post(s, "/v1/rooms/r2/resume", json!({}), conflict)
        .await;
    api.post(s, "/v1/rooms/r2/archive", json!({}), ok).await;
    api.post(s, "/v1/rooms/r2/close", json!({}), conflict).await;
    api.post(s, "/v1/rooms/none/archive", json!({}), not_found)
        .await;
    api.put(
        s,
        "/v1/rooms/r1/timers",
        json!({"inactive_after_seconds": 3600, "closed_after_seconds": 7200}),
        ok,
    )
    .await;
    api.put(s, "/v1/rooms/none/timers", json!({}), not_found)
        .await;
    api.put(
        s,
        "/v1/rooms/r1/timers",
        json!({"inactive_after_seconds": "soon"}),
        invalid,
    )
    .await;
    api.post(s, "/v1/timers/check", json!({}), ok).await;

    // Bindings.
    let bindings = "/v1/rooms/r1/bindings";
    api.post(
        s,
        bindings,
        json!({"channel_id": "sms", "participant_id": "+1555", "metadata": {"phone_number": "+1555"},
               "rate_limit": {"max_per_second": 5.0}, "retry_policy": {"max_retries": 2,
               "base_delay_seconds": 0.5, "max_delay_seconds": 5.0, "exponential_base": 2.0}}),
        created,
    )
    .await;
    api.post(s, bindings, json!({"channel_id": "sms"}), conflict)
        .await;
    api.post(s, bindings, json!({"channel_id": "nope"}), not_found)
        .await;
    api.post(
        s,
        "/v1/rooms/none/bindings",
        json!({"channel_id": "sms"}),
        not_found,
    )
    .await;
    api.post(
        s,
        bindings,
        json!({"channel_id": "agent-ws", "visibility": "internal"}),
        invalid,
    )
    .await;
    api.get(s, bindings, ok).await;
    api.get(s, "/v1/rooms/none/bindings", not_found).await;
    let sms = "/v1/rooms/r1/bindings/sms";
    api.get(s, sms, ok).await;
    api.get(s, "/v1/rooms/r1/bindings/agent-ws", not_found)
        .await;
    api.post(s, &format!("{sms}/mute"), json!({}), ok).await;
    api.post(
        s,
        "/v1/rooms/r1/bindings/agent-ws/mute",
        json!({}),
        not_found,
    )
    .await;
    api.post(s, &format!("{sms}/unmute"), json!({}), ok).await;
    api.post(
        s,
        "/v1/rooms/r1/bindings/agent-ws/unmute",
        json!({}),
        not_found,
    )
    .await;
    api.put(
        s,
        &format!("{sms}/access"),
        json!({"access": "read_only"}),
        ok,
    )
    .await;
    api.put(
        s,
        &format!("{sms}/access"),
        json!({"access": "read_write"}),
        ok,
    )
    .await;
    api.put(
        s,
        "/v1/rooms/r1/bindings/agent-ws/access",
        json!({"access": "none"}),
        not_found,
    )
    .await;
    api.put(
        s,
        &format!("{sms}/visibility"),
        json!({"visibility": "sms,agent-ws"}),
        ok,
    )
    .await;
    api.put(
        s,
        &format!("{sms}/visibility"),
        json!({"visibility": "all"}),
        ok,
    )
    .await;
    api.put(
        s,
        &format!("{sms}/visibility"),
        json!({"visibility": "internal"}),
        invalid,
    )
    .await;
    api.put(
        s,
        "/v1/rooms/r1/bindings/agent-ws/visibility",
        json!({"visibility": "all"}),
        not_found,
    )
    .await;
    api.put(
        s,
        &format!("{sms}/metadata"),
        json!({"metadata": {"phone_number": "+1555"}}),
        ok,
    )
    .await;
    api.put(
        s,
        "/v1/rooms/r1/bindings/agent-ws/metadata",
        json!({"metadata": {}}),
        not_found,
    )
    .await;
    api.get(s, &format!("{sms}/read"), ok).await;
    api.get(s, "/v1/rooms/r1/bindings/agent-ws/read", not_found)
        .await;
    api.post(s, bindings, json!({"channel_id": "agent-ws"}), created)
        .await;
    api.delete(s, "/v1/rooms/r1/bindings/agent-ws", no_content)
        .await;
    api.delete(s, "/v1/rooms/r1/bindings/agent-ws", not_found)
        .await;

    // Channels.
    api.get(s, "/v1/channels", ok).await;
    api.post(
        s,
        "/v1/channels",
        json!({"id": "sms-2", "type": "sms", "config": {"from": "+1000"}}),
        created,
    )
    .await;
    api.post(
        s,
        "/v1/channels",
        json!({"id": "sms-2", "type": "sms", "config": {"from": "+1000"}}),
        conflict,
    )
    .await;
    api.post(
        s,
        "/v1/channels",
        json!({"id": "fax-1", "type": "fax"}),
        invalid,
    )
    .await;
    api.post(
        s,
        "/v1/channels",
        json!({"id": "sms-3", "type": "sms", "config": {"from": "unreachable"}}),
        StatusCode::BAD_GATEWAY,
    )
    .await;
    api.get(s, "/v1/channels/sms-2", ok).await;
    api.get(s, "/v1/channels/nope", not_found).await;
    api.delete(s, "/v1/channels/sms-2", no_content).await;
    api.delete(s, "/v1/channels/sms-2", not_found).await;

    // Sources: one that cannot connect, and does not retry.
    let spec = json!({"channel_id": "sms", "type": "sse", "url": "http://127.0.0.1:9/events",
                      "auto_restart": false});
    api.post(s, "/v1/sources", spec.clone(), created).await;
    api.post(s, "/v1/sources", spec, conflict).await;
    api.post(
        s,
        "/v1/sources",
        json!({"channel_id": "nope", "type": "sse", "url": "http://127.0.0.1:9/"}),
        not_found,
    )
    .await;
    api.post(
        s,
        "/v1/sources",
        json!({"channel_id": "webhook-in", "type": "ftp", "url": "ftp://127.0.0.1/"}),
        invalid,
    )
    .await;
    api.get(s, "/v1/sources", ok).await;
    api.get(s, "/v1/sources/sms", ok).await;
    api.get(s, "/v1/sources/nope", not_found).await;
    api.delete(s, "/v1/sources/sms", no_content).await;
    api.delete(s, "/v1/sources/sms", not_found).await;
}
