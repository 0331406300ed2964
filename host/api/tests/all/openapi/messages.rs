//! Identities, messages, what rooms hold, ephemeral events, webhooks and the WebSocket endpoint,
//! driven to each documented answer.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::conformance::Conformance;
use super::{oversized, signed};
use crate::support::{Server, TOKEN, WEBHOOK_SECRET};

/// Needs room `r1` with `sms` attached.
pub(super) async fn drive(api: &mut Conformance, s: &Server) {
    let ok = StatusCode::OK;
    let created = StatusCode::CREATED;
    let accepted = StatusCode::ACCEPTED;
    let bad = StatusCode::BAD_REQUEST;
    let not_found = StatusCode::NOT_FOUND;
    let conflict = StatusCode::CONFLICT;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;

    let sms = "/v1/rooms/r1/bindings/sms";

    // Identities.
    api.post(
        s,
        "/v1/identities",
        json!({"id": "alice", "display_name": "Alice", "channel_addresses": {"sms": ["+1555"]}}),
        created,
    )
    .await;
    api.post(s, "/v1/identities", json!({"id": "alice"}), conflict)
        .await;
    api.post(
        s,
        "/v1/identities",
        json!({"id": "bob", "channel_addresses": {"sms": ["+1555"]}}),
        conflict,
    )
    .await;
    api.post(s, "/v1/identities", json!({"id": "bad\u{7}id"}), invalid)
        .await;
    api.post(s, "/v1/identities", json!({"id": "bob"}), created)
        .await;
    api.get(s, "/v1/identities?limit=1", ok).await;
    api.get(s, "/v1/identities?limit=0", invalid).await;
    api.get(s, "/v1/identities?limit=all", bad).await;
    api.get(s, "/v1/identities/alice", ok).await;
    api.get(s, "/v1/identities/nope", not_found).await;
    let addresses = "/v1/identities/alice/addresses";
    api.post(
        s,
        addresses,
        json!({"channel_type": "email", "address": "a@example.com"}),
        ok,
    )
    .await;
    api.post(
        s,
        "/v1/identities/nope/addresses",
        json!({"channel_type": "email", "address": "n@example.com"}),
        not_found,
    )
    .await;
    api.post(
        s,
        "/v1/identities/bob/addresses",
        json!({"channel_type": "sms", "address": "+1555"}),
        conflict,
    )
    .await;
    api.post(
        s,
        addresses,
        json!({"channel_type": "sms", "address": ""}),
        invalid,
    )
    .await;

    // Messages.
    let hello = json!({"channel_id": "sms", "sender_id": "+1555", "room_id": "r1",
                       "content": {"type": "text", "body": "hello, a task please"}});
    let result = api.post(s, "/v1/inbound", hello, ok).await;
    let event_id = result["event"]["id"].as_str().unwrap().to_owned();
    api.post(
        s,
        "/v1/inbound",
        json!({"channel_id": "nope", "sender_id": "+1555", "content": {"type": "text", "body": "x"}}),
        not_found,
    )
    .await;
    api.post(
        s,
        "/v1/inbound",
        json!({"channel_id": "sms", "sender_id": "+1555",
               "content": {"type": "media", "url": "file:///etc/passwd", "mime_type": "text/plain"}}),
        invalid,
    )
    .await;
    let messages = "/v1/rooms/r1/messages";
    let blocked = api
        .post(
            s,
            messages,
            json!({"channel_id": "sms", "sender_id": "+1555",
                   "content": {"type": "text", "body": "buy spam"}}),
            ok,
        )
        .await;
    assert_eq!(blocked["blocked"], true);
    api.post(
        s,
        messages,
        json!({"channel_id": "sms", "sender_id": "+1555", "room_id": "r2",
               "content": {"type": "text", "body": "x"}}),
        invalid,
    )
    .await;
    api.post(
        s,
        "/v1/rooms/none/messages",
        json!({"channel_id": "sms", "sender_id": "+1555", "content": {"type": "text", "body": "x"}}),
        not_found,
    )
    .await;
    let events = "/v1/rooms/r1/events";
    api.post(
        s,
        events,
        json!({"channel_id": "sms", "content": {"type": "composite", "parts": [
            {"type": "rich", "body": "**see**", "buttons": [{"label": "map", "url": "https://example.com"}]},
            {"type": "location", "latitude": 52.5, "longitude": 13.4, "label": "Berlin"}]}}),
        ok,
    )
    .await;
    api.post(
        s,
        events,
        json!({"channel_id": "nope", "content": {"type": "text", "body": "x"}}),
        not_found,
    )
    .await;
    api.post(
        s,
        events,
        json!({"channel_id": "sms", "content": {"type": "location", "latitude": 99.0, "longitude": 0.0}}),
        invalid,
    )
    .await;
    api.get(s, events, ok).await;
    api.get(
        s,
        &format!("{events}?include_blocked=true&order=desc&limit=2"),
        ok,
    )
    .await;
    api.get(s, &format!("{events}?limit=0"), invalid).await;
    api.get(s, &format!("{events}?order=sideways"), bad).await;
    api.get(s, &format!("{events}?visible_to=nope"), not_found)
        .await;
    api.get(s, "/v1/rooms/none/events", not_found).await;
    api.get(s, &format!("{events}/{event_id}"), ok).await;
    api.get(s, &format!("{events}/nope"), not_found).await;
    api.post(s, &format!("{sms}/read"), json!({"event_id": event_id}), ok)
        .await;
    api.post(s, &format!("{sms}/read"), json!({}), ok).await;
    api.post(
        s,
        &format!("{sms}/read"),
        json!({"event_id": "nope"}),
        not_found,
    )
    .await;

    // Participants, tasks and observations.
    let participants = "/v1/rooms/r1/participants";
    api.get(s, participants, ok).await;
    api.get(s, "/v1/rooms/none/participants", not_found).await;
    api.post(
        s,
        participants,
        json!({"id": "p1", "channel_id": "sms", "display_name": "P", "role": "member"}),
        created,
    )
    .await;
    api.post(
        s,
        participants,
        json!({"id": "p1", "channel_id": "sms"}),
        conflict,
    )
    .await;
    api.post(
        s,
        participants,
        json!({"id": "p2", "channel_id": "sms", "identity_id": "nope"}),
        not_found,
    )
    .await;
    api.post(
        s,
        participants,
        json!({"id": "", "channel_id": "sms"}),
        invalid,
    )
    .await;
    let p1 = "/v1/rooms/r1/participants/p1";
    api.get(s, p1, ok).await;
    api.get(s, "/v1/rooms/r1/participants/nope", not_found)
        .await;
    api.patch(
        s,
        p1,
        json!({"role": "owner", "metadata": {"vip": true}}),
        ok,
    )
    .await;
    api.patch(s, "/v1/rooms/r1/participants/nope", json!({}), not_found)
        .await;
    api.patch(s, p1, json!({"display_name": ""}), invalid).await;
    api.post(
        s,
        &format!("{p1}/resolve"),
        json!({"identity_id": "alice"}),
        ok,
    )
    .await;
    api.post(
        s,
        &format!("{p1}/resolve"),
        json!({"identity_id": "nope"}),
        not_found,
    )
    .await;
    let tasks = "/v1/rooms/r1/tasks";
    api.get(s, tasks, ok).await;
    api.get(s, &format!("{tasks}?status=pending"), ok).await;
    api.get(s, &format!("{tasks}?status=someday"), bad).await;
    api.get(s, "/v1/rooms/none/tasks", not_found).await;
    api.get(s, &format!("{tasks}/task-1"), ok).await;
    api.get(s, &format!("{tasks}/nope"), not_found).await;
    api.patch(s, &format!("{tasks}/task-1"), json!({"title": ""}), invalid)
        .await;
    api.patch(
        s,
        &format!("{tasks}/task-1"),
        json!({"status": "completed"}),
        ok,
    )
    .await;
    api.patch(
        s,
        &format!("{tasks}/task-1"),
        json!({"status": "pending"}),
        conflict,
    )
    .await;
    api.patch(s, &format!("{tasks}/nope"), json!({}), not_found)
        .await;
    api.get(s, "/v1/rooms/r1/observations", ok).await;
    api.get(s, "/v1/rooms/none/observations", not_found).await;

    // Ephemeral events.
    for (route, body) in [
        ("typing", json!({"user_id": "u1", "typing": false})),
        ("presence", json!({"user_id": "u1", "status": "away"})),
        (
            "read-receipts",
            json!({"user_id": "u1", "event_id": event_id}),
        ),
    ] {
        api.post(s, &format!("/v1/rooms/r1/{route}"), body.clone(), accepted)
            .await;
        api.post(
            s,
            &format!("/v1/rooms/none/{route}"),
            body.clone(),
            not_found,
        )
        .await;
        let mut nameless = body;
        nameless["user_id"] = json!("");
        api.post(s, &format!("/v1/rooms/r1/{route}"), nameless, invalid)
            .await;
    }
    api.post(
        s,
        "/v1/rooms/r1/presence",
        json!({"user_id": "u1", "status": "sleepy"}),
        invalid,
    )
    .await;
    api.post(
        s,
        "/v1/rooms/r1/read-receipts",
        json!({"user_id": "u1", "event_id": "nope"}),
        not_found,
    )
    .await;

    // Webhooks: no token; the provider verifies and parses.
    let (status, _) = api
        .send(
            s,
            signed(
                s,
                "webhook-in",
                r#"{"from":"+1666","text":"hi","room_id":"r1"}"#,
            ),
        )
        .await;
    assert_eq!(status, ok);
    let (status, _) = api
        .send(
            s,
            s.http
                .post(format!("{}/v1/webhooks/webhook-in", s.base))
                .header("x-signature", "forged")
                .body("{}"),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = api.send(s, signed(s, "sms", "{}")).await;
    assert_eq!(status, not_found);
    let (status, _) = api.send(s, signed(s, "webhook-in", "not json")).await;
    assert_eq!(status, bad);
    let (status, _) = api
        .send(s, signed(s, "webhook-in", r#"{"from":"","text":"hi"}"#))
        .await;
    assert_eq!(status, invalid);
    let (status, _) = api.send(s, signed(s, "webhook-in", "crash")).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    let (status, _) = api.send(s, signed(s, "webhook-in", oversized())).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // A URL check over GET: answered by the provider, refused unsigned, failed by a crash.
    let check = |channel: &str, query: &str, signature: &str| {
        s.http
            .get(format!("{}/v1/webhooks/{channel}?{query}", s.base))
            .header("x-signature", signature.to_owned())
    };
    let valid = format!("{WEBHOOK_SECRET}:0");
    let (status, _) = api
        .send(s, check("webhook-in", "challenge=1", &valid))
        .await;
    assert_eq!(status, ok);
    let (status, _) = api
        .send(s, check("webhook-in", "challenge=1", "forged"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = api.send(s, check("sms", "challenge=1", &valid)).await;
    assert_eq!(status, not_found);
    let (status, _) = api.send(s, check("webhook-in", "crash", &valid)).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);

    // The WebSocket endpoint: a plain GET, a refused token, an upgrade.
    let (status, _) = api.send(s, s.http.get(format!("{}/v1/ws", s.base))).await;
    assert_eq!(status, bad);
    let (status, _) = api
        .send(s, s.http.get(format!("{}/v1/ws?token=1&token=2", s.base)))
        .await;
    assert_eq!(status, bad);
    match tokio_tungstenite::connect_async(format!("{}/v1/ws?token=wrong", s.ws_base)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok());
            let body = response.body().clone().unwrap_or_default();
            api.check(
                &Method::GET,
                "/v1/ws",
                response.status(),
                content_type,
                &body,
            );
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        }
        other => panic!("a wrong token was not refused: {other:?}"),
    }
    let (mut socket, response) =
        tokio_tungstenite::connect_async(format!("{}/v1/ws?token={TOKEN}", s.ws_base))
            .await
            .unwrap();
    api.check(&Method::GET, "/v1/ws", response.status(), None, &[]);
    socket.close(None).await.unwrap();
}
