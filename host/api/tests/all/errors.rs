//! Bad input: each gets its status, code and message, and changes nothing.

use reqwest::StatusCode;
use roomkit_api::ApiConfig;
use serde_json::{Value, json};

use crate::support::{TOKEN, config, start, start_with};

#[tokio::test]
async fn malformed_json_is_400_and_changes_nothing() {
    let server = start().await;
    server.room_with_sms("r").await;
    for body in ["{\"channel_id\": \"sms\",", "not json", ""] {
        let (status, err) = server.post_raw("/v1/rooms/r/messages", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body:?}");
        assert_eq!(err["error"]["code"], "malformed_json", "{body:?}");
        assert!(err["error"]["message"].as_str().unwrap().len() > 10);
    }
    let (status, _) = server.post_raw("/v1/rooms", "{\"id\": ").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(server.event_count("r").await, 0);
    let (_, rooms) = server.get("/v1/rooms").await;
    assert_eq!(rooms["rooms"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn well_formed_but_invalid_input_is_422_and_changes_nothing() {
    let server = start().await;
    server.room_with_sms("r").await;
    let cases = [
        (
            json!({"channel_id": "sms", "content": {"type": "text", "body": "x"}}),
            "invalid_request",
        ),
        (
            json!({"channel_id": "sms", "sender_id": "+1", "content": {"type": "media",
                   "url": "file:///etc/passwd", "mime_type": "text/plain"}}),
            "validation_failed",
        ),
        (
            json!({"channel_id": "sms", "sender_id": "+1", "visibility": "internal",
                   "content": {"type": "text", "body": "x"}}),
            "validation_failed",
        ),
        (
            json!({"channel_id": "sms", "sender_id": "+1", "content": {"type": "location",
                   "latitude": 91.0, "longitude": 0.0}}),
            "validation_failed",
        ),
    ];
    for (body, code) in cases {
        let (status, err) = server.post("/v1/rooms/r/messages", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(err["error"]["code"], code, "{body}: {err}");
    }
    let (_, err) = server
        .post(
            "/v1/rooms/r/messages",
            json!({"channel_id": "sms", "sender_id": "+1", "content": {"type": "media",
                   "url": "file:///etc/passwd", "mime_type": "text/plain"}}),
        )
        .await;
    assert_eq!(
        err["error"]["message"],
        "media.url: URL must be http(s) or data: and must not contain '..' (got \"file:///etc/passwd\")"
    );
    let (status, err) = server
        .post("/v1/rooms", json!({"id": "x", "colour": "red"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "invalid_request");
    assert!(server.kit.get_room("x").await.is_err());
    assert_eq!(server.event_count("r").await, 0);
}

#[tokio::test]
async fn unknown_rooms_and_channels_are_404() {
    let server = start().await;
    let (status, err) = server.get("/v1/rooms/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        err,
        json!({"error": {"code": "room_not_found", "message": "no room \"nope\""}})
    );
    let (status, err) = server
        .post(
            "/v1/inbound",
            json!({"channel_id": "nope", "sender_id": "+1", "content": {"type": "text", "body": "x"}}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        err,
        json!({"error": {"code": "channel_not_found", "message": "no channel \"nope\" is registered"}})
    );
    let (_, rooms) = server.get("/v1/rooms").await;
    assert_eq!(rooms, json!({"rooms": []}));
}

#[tokio::test]
async fn an_oversized_body_is_413_and_changes_nothing() {
    let server = start_with(ApiConfig {
        body_limit: 4096,
        ..config()
    })
    .await;
    server.room_with_sms("r").await;
    let big = json!({"channel_id": "sms", "sender_id": "+1",
                     "content": {"type": "text", "body": "x".repeat(5000)}});
    let (status, err) = server.post("/v1/rooms/r/messages", big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        err,
        json!({"error": {"code": "payload_too_large",
                          "message": "the request body is larger than the configured limit"}})
    );
    assert_eq!(server.event_count("r").await, 0);
    server.sms_says("r", "small is fine").await;
    assert_eq!(server.event_count("r").await, 1);
}

#[tokio::test]
async fn missing_and_invalid_tokens_are_401_and_healthz_needs_none() {
    let server = start().await;
    let url = format!("{}/v1/rooms", server.base);
    let response = server.http.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({"error": {"code": "missing_token",
                          "message": "this route needs an Authorization: Bearer <token> header"}})
    );
    let response = server
        .http
        .post(&url)
        .bearer_auth("wrong")
        .json(&json!({"id": "r"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({"error": {"code": "invalid_token", "message": "the bearer token is not valid"}})
    );
    assert!(
        server.kit.get_room("r").await.is_err(),
        "nothing was created"
    );
    for path in ["/metrics", "/v1/openapi.json", "/v1/plugins"] {
        let response = server
            .http
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    let response = server
        .http
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({"status": "ok"})
    );
    let response = server
        .http
        .get(&url)
        .header("authorization", format!("Bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn without_tokens_the_api_is_open() {
    let server = start_with(ApiConfig::default()).await;
    let response = server
        .http
        .get(format!("{}/v1/rooms", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_routes_and_methods_are_json_errors() {
    let server = start().await;
    let (status, err) = server.get("/v1/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(err["error"]["code"], "route_not_found");
    let (status, err) = server.delete("/v1/rooms").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(err["error"]["code"], "method_not_allowed");
}

#[tokio::test]
async fn healthz_reports_a_closing_host() {
    let server = start().await;
    server.kit.close().await.unwrap();
    let response = server
        .http
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let (status, err) = server.post("/v1/rooms", json!({})).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(err["error"]["code"], "shutting_down");
}

#[tokio::test]
async fn readyz_names_what_keeps_the_host_from_serving() {
    let server = start().await;
    let readyz = || async {
        let response = server
            .http
            .get(format!("{}/readyz", server.base))
            .send()
            .await
            .unwrap();
        (response.status(), response.json::<Value>().await.unwrap())
    };
    assert_eq!(
        readyz().await,
        (StatusCode::OK, json!({"status": "ready", "reasons": []}))
    );
    // A loaded required plugin keeps it ready; one the directory does not have does not.
    server
        .state
        .require_plugins(["pii-redactor".to_owned(), "twilio-sms".to_owned()]);
    assert_eq!(
        readyz().await,
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"status": "not_ready",
                   "reasons": ["plugin twilio-sms is not in the plugin directory"]})
        )
    );
    server.kit.close().await.unwrap();
    let (status, body) = readyz().await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["reasons"][0], "the host is closing");
}

#[tokio::test]
async fn unknown_fields_of_an_inbound_message_are_refused_and_change_nothing() {
    let server = start().await;
    server.room_with_sms("r").await;
    let misspelt = [
        (
            "/v1/inbound",
            json!({"channel_id": "sms", "sender_id": "+1555", "room_id": "r",
                   "idempotency_kye": "k1", "content": {"type": "text", "body": "hi"}}),
            "idempotency_kye",
        ),
        (
            "/v1/inbound",
            json!({"channel_id": "sms", "sender_id": "+1555", "room": "r",
                   "content": {"type": "text", "body": "hi"}}),
            "room",
        ),
        (
            "/v1/rooms/r/messages",
            json!({"channel_id": "sms", "sender_id": "+1555", "metdata": {},
                   "content": {"type": "text", "body": "hi"}}),
            "metdata",
        ),
        (
            "/v1/rooms/r/bindings",
            json!({"channel_id": "agent-ws", "retry_policy": {"max_retries": 1,
                   "base_delay_seconds": 1.0, "max_delay_seconds": 2.0,
                   "exponential_base": 2.0, "jiter": 0.1}}),
            "jiter",
        ),
    ];
    for (path, body, field) in misspelt {
        let (status, err) = server.post(path, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {err}");
        assert_eq!(err["error"]["code"], "invalid_request", "{field}");
        assert!(
            err["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&format!("unknown field `{field}`")),
            "{field}: {err}"
        );
    }
    assert_eq!(server.event_count("r").await, 0);
    let (_, rooms) = server.get("/v1/rooms").await;
    assert_eq!(
        rooms["rooms"].as_array().unwrap().len(),
        1,
        "routing made no room"
    );
    assert!(server.kit.get_binding("r", "agent-ws").await.is_err());
}

#[tokio::test]
async fn ids_with_control_characters_or_over_256_bytes_are_refused_and_change_nothing() {
    let server = start().await;
    server.room_with_sms("r").await;
    let long = "r".repeat(900_000);
    let cases = [
        (
            "/v1/rooms",
            json!({"id": "r2\n2026-12-06 ERROR forged"}),
            "id",
        ),
        ("/v1/rooms", json!({"id": "\u{1b}[2J"}), "id"),
        ("/v1/rooms", json!({"id": long}), "id"),
        (
            "/v1/inbound",
            json!({"channel_id": "sms", "sender_id": "+1\u{0}", "room_id": "r",
                   "content": {"type": "text", "body": "hi"}}),
            "sender_id",
        ),
        (
            "/v1/inbound",
            json!({"channel_id": "sms", "sender_id": "+1555", "room_id": "x\ny",
                   "content": {"type": "text", "body": "hi"}}),
            "room_id",
        ),
        (
            "/v1/channels",
            json!({"id": "ws\r", "type": "websocket"}),
            "channel id",
        ),
        (
            "/v1/rooms/r/bindings",
            json!({"channel_id": "agent-ws", "participant_id": "a\u{7f}b"}),
            "participant_id",
        ),
        ("/v1/rooms/r/typing", json!({"user_id": "u\n"}), "user_id"),
    ];
    for (path, body, field) in cases {
        let (status, err) = server.post(path, body).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {field}: {err}"
        );
        assert_eq!(err["error"]["code"], "invalid_request", "{path} {field}");
        assert!(
            err["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{field}: ")),
            "{path}: {err}"
        );
    }
    let (_, rooms) = server.get("/v1/rooms").await;
    assert_eq!(rooms["rooms"].as_array().unwrap().len(), 1);
    assert_eq!(server.event_count("r").await, 0);
    assert!(server.kit.get_channel("ws\r").is_none());
    assert!(server.kit.get_binding("r", "agent-ws").await.is_err());
}

#[tokio::test]
async fn rejections_of_the_http_stack_and_extractors_are_json_errors() {
    let server = start().await;
    // A path segment that is not UTF-8 (axum's Path extractor answers in plain text).
    let (status, body) = server.get("/v1/rooms/%FF").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_request", "{body}");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    // A WebSocket route asked without the upgrade.
    let (status, body) = server.get(&format!("/v1/ws?token={TOKEN}")).await;
    assert!(status.is_client_error(), "{status}");
    assert!(body["error"]["code"].is_string(), "{body}");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty());
}
