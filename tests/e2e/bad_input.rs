//! Bad requests against the real binary: each gets its status and error code, and changes
//! nothing (rooms, events, deliveries and the processed counter are checked after each).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Deployment, SIGNATURE_HEADER, TOKEN, sign};

/// Everything a bad request must leave alone.
#[derive(Debug, PartialEq)]
struct World {
    rooms: Vec<String>,
    timeline: Vec<Value>,
    deliveries: usize,
    processed: String,
}

async fn world(d: &Deployment) -> World {
    let (status, metrics) = d.get("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    let processed = metrics
        .as_str()
        .unwrap()
        .lines()
        .find(|l| l.starts_with("roomkit_events_processed_total"))
        .unwrap_or("roomkit_events_processed_total 0")
        .to_owned();
    World {
        rooms: d.room_ids().await,
        timeline: d.timeline("desk").await,
        deliveries: d.sink.deliveries().len(),
        processed,
    }
}

fn assert_error(what: &str, got: &(StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(got.0, status, "{what}: {}", got.1);
    assert_eq!(got.1["error"]["code"], code, "{what}: {}", got.1);
    assert!(
        got.1["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{what}: {}",
        got.1
    );
}

#[tokio::test]
async fn bad_requests_get_their_status_and_change_nothing() {
    let d = Deployment::start().await;
    d.webhook_ok(&json!({"sender": "+15550001", "text": "hi", "id": "w-1", "room": "desk"}))
        .await;
    d.sink.wait_for(1).await;
    // The framework-event counters trail requests a moment.
    crate::support::eventually(
        "the processed counter",
        std::time::Duration::from_secs(30),
        || async { world(&d).await.processed == "roomkit_events_processed_total 2" },
    )
    .await;
    let before = world(&d).await;
    assert_eq!(before.rooms, ["desk"]);
    // Three channel_attached records, the message and its answer.
    assert_eq!(before.timeline.len(), 5);
    assert_eq!(before.deliveries, 1);

    let message =
        json!({"sender": "+15550001", "text": "sneaky", "id": "w-2", "room": "other"}).to_string();
    let inbound = json!({"channel_id": "agents", "sender_id": "agent-1",
                         "content": {"type": "text", "body": "sneaky"}})
    .to_string();
    let bearer = format!("Bearer {TOKEN}");
    let auth: &[(&str, &str)] = &[("authorization", &bearer)];

    // Webhook signatures: wrong secret, tampered body, missing, malformed.
    let wrong_secret = {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"not-the-secret").unwrap();
        mac.update(message.as_bytes());
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("sha256={hex}")
    };
    let tampered = message.replace("sneaky", "sneaki");
    let signature = sign(message.as_bytes());
    for (what, headers, body) in [
        (
            "wrong secret",
            vec![(SIGNATURE_HEADER, wrong_secret.as_str())],
            message.clone(),
        ),
        (
            "tampered body",
            vec![(SIGNATURE_HEADER, signature.as_str())],
            tampered,
        ),
        ("no signature", vec![], message.clone()),
        (
            "not hex",
            vec![(SIGNATURE_HEADER, "sha256=zz")],
            message.clone(),
        ),
        (
            "signature with a token instead",
            vec![("authorization", bearer.as_str())],
            message.clone(),
        ),
    ] {
        let got = d.post_raw("/v1/webhooks/customers", &headers, body).await;
        assert_error(what, &got, StatusCode::UNAUTHORIZED, "invalid_signature");
        assert_eq!(world(&d).await, before, "{what}");
    }
    let (status, _) = d.get("/v1/rooms/other").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Tokens.
    let got = d
        .post_raw("/v1/rooms/desk/messages", &[], inbound.clone())
        .await;
    assert_error("no token", &got, StatusCode::UNAUTHORIZED, "missing_token");
    let got = d
        .post_raw(
            "/v1/rooms/desk/messages",
            &[("authorization", "Bearer nope")],
            inbound.clone(),
        )
        .await;
    assert_error(
        "wrong token",
        &got,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    );
    let got = d
        .post_raw(
            "/v1/rooms",
            &[("authorization", "Basic ZGV2LXRva2Vu")],
            json!({"id": "sneaky"}).to_string(),
        )
        .await;
    assert_eq!(got.0, StatusCode::UNAUTHORIZED, "{}", got.1);
    let got = d
        .post_raw("/v1/rooms", &[], json!({"id": "sneaky"}).to_string())
        .await;
    assert_error("no token", &got, StatusCode::UNAUTHORIZED, "missing_token");
    assert_eq!(world(&d).await, before);
    // The WebSocket refuses a wrong token before the upgrade.
    let url = format!(
        "ws://{}/v1/ws?token=nope",
        d.url("").trim_start_matches("http://")
    );
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        }
        other => panic!("expected 401, got {other:?}"),
    }

    // Malformed JSON.
    for (path, body) in [
        ("/v1/rooms/desk/messages", r#"{"channel_id": "agents", "#),
        ("/v1/rooms/desk/messages", ""),
        ("/v1/inbound", "not json"),
        ("/v1/rooms", r#"{"id": "#),
    ] {
        let got = d.post_raw(path, auth, body).await;
        assert_error(path, &got, StatusCode::BAD_REQUEST, "malformed_json");
        assert_eq!(world(&d).await, before, "{path} {body:?}");
    }
    // A correctly signed webhook whose payload is not what the provider reads.
    for payload in [r#"{"sender": "#, r#"{"text": "no sender"}"#] {
        let got = d.signed_webhook(payload.to_owned()).await;
        assert_error(
            payload,
            &got,
            StatusCode::BAD_REQUEST,
            "invalid_webhook_payload",
        );
        assert_eq!(world(&d).await, before, "{payload}");
    }
    // Valid JSON of the wrong shape.
    let got = d
        .post_raw(
            "/v1/rooms/desk/messages",
            auth,
            json!({"channel_id": "agents", "sender_id": "agent-1"}).to_string(),
        )
        .await;
    assert_error(
        "no content",
        &got,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    );
    assert_eq!(world(&d).await, before);

    // Unknown room and channel.
    let got = d
        .post_raw("/v1/rooms/nope/messages", auth, inbound.clone())
        .await;
    assert_error(
        "unknown room",
        &got,
        StatusCode::NOT_FOUND,
        "room_not_found",
    );
    let got = d.get("/v1/rooms/nope/events").await;
    assert_error(
        "unknown room",
        &got,
        StatusCode::NOT_FOUND,
        "room_not_found",
    );
    let got = d
        .post(
            "/v1/rooms/nope/typing",
            json!({"user_id": "agent-1", "channel_id": "agents"}),
        )
        .await;
    assert_error(
        "unknown room",
        &got,
        StatusCode::NOT_FOUND,
        "room_not_found",
    );
    let got = d
        .post_raw(
            "/v1/rooms/desk/messages",
            auth,
            inbound.replace("\"agents\"", "\"pager\""),
        )
        .await;
    assert_error(
        "unknown channel",
        &got,
        StatusCode::NOT_FOUND,
        "channel_not_found",
    );
    let got = d
        .post_raw(
            "/v1/webhooks/pager",
            &[(SIGNATURE_HEADER, &signature)],
            message.clone(),
        )
        .await;
    assert_error(
        "unknown webhook channel",
        &got,
        StatusCode::NOT_FOUND,
        "channel_not_found",
    );
    let got = d.get("/v1/rooms/desk/events/nope").await;
    assert_error(
        "unknown event",
        &got,
        StatusCode::NOT_FOUND,
        "event_not_found",
    );
    assert_eq!(world(&d).await, before);

    // Oversized bodies (the default limit is 1 MiB), also correctly signed webhooks.
    let big_text = "x".repeat(1024 * 1024 + 1);
    let big_inbound = json!({"channel_id": "agents", "sender_id": "agent-1",
                             "content": {"type": "text", "body": big_text}})
    .to_string();
    let got = d
        .post_raw("/v1/rooms/desk/messages", auth, big_inbound)
        .await;
    assert_error(
        "oversized",
        &got,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    let big_webhook = json!({"sender": "+15550001", "text": big_text, "room": "desk"}).to_string();
    let got = d.signed_webhook(big_webhook).await;
    assert_error(
        "oversized webhook",
        &got,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    assert_eq!(world(&d).await, before);

    // And the host still works: one good message is processed and answered.
    d.webhook_ok(&json!({"sender": "+15550001", "text": "still here", "room": "desk"}))
        .await;
    d.sink.wait_for(2).await;
    assert_eq!(d.timeline("desk").await.len(), 3 + 4);
}
