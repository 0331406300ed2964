//! Registered channels: list, read, register at runtime, unregister.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::start;

#[tokio::test]
async fn channels_are_listed_with_type_category_and_capabilities() {
    let server = start().await;
    let (status, body) = server.get("/v1/channels").await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = body["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["agent-ws", "customer-ws", "sms", "webhook-in"]);
    let (status, body) = server.get("/v1/channels/sms").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"id": "sms", "type": "sms", "category": "transport",
               "capabilities": {"media_types": ["text"], "supports_edit": false,
                   "supports_delete": false, "supports_typing": false,
                   "supports_read_receipts": false, "supports_threading": false,
                   "supports_reactions": false}})
    );
    let (status, body) = server.get("/v1/channels/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"error": {"code": "channel_not_found", "message": "no channel \"nope\" is registered"}})
    );
}

#[tokio::test]
async fn channels_are_registered_and_unregistered_at_runtime() {
    let server = start().await;
    let (status, body) = server
        .post("/v1/channels", json!({"id": "ws-2", "type": "websocket"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["type"], "websocket");
    assert_eq!(body["capabilities"]["supports_typing"], true);
    let (status, body) = server
        .post(
            "/v1/channels",
            json!({"id": "sms-2", "type": "sms", "config": {"from": "+1999"},
                   "capabilities": {"media_types": ["text"], "max_length": 160}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["capabilities"]["max_length"], 160);
    assert!(server.kit.get_channel("sms-2").is_some());

    let (status, body) = server
        .post("/v1/channels", json!({"id": "sms-2", "type": "websocket"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "channel_exists");
    let (status, body) = server
        .post("/v1/channels", json!({"id": "x", "type": "carrier-pigeon"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body,
        json!({"error": {"code": "unknown_channel_type",
                          "message": "no provider offers channel type \"carrier-pigeon\""}})
    );
    let (status, body) = server
        .post("/v1/channels", json!({"id": "y", "type": "sms"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "invalid_channel_config");
    assert!(server.kit.get_channel("y").is_none());

    let (status, _) = server.delete("/v1/channels/sms-2").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server.delete("/v1/channels/sms-2").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
