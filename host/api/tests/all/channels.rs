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

#[tokio::test]
async fn channels_registered_at_runtime_are_registered_again_after_a_restart() {
    let server = start().await;
    let (status, _) = server
        .post(
            "/v1/channels",
            json!({"id": "sms-2", "type": "sms", "config": {"from": "+1999"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = server
        .post("/v1/channels", json!({"id": "ws-2", "type": "websocket"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = server
        .post("/v1/channels", json!({"id": "gone", "type": "websocket"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = server.delete("/v1/channels/gone").await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // A new host over the same store: its configuration knows none of them.
    let store = std::sync::Arc::clone(server.kit.store());
    let kit = roomkit_kit::RoomKit::new(store);
    let state = roomkit_api::ApiState::new(
        kit.clone(),
        std::sync::Arc::new(crate::support::TestCatalog::default()),
        std::sync::Arc::new(crate::support::TestWebhooks),
        std::sync::Arc::new(crate::support::TestFactory),
        crate::support::config(),
    );
    assert!(kit.get_channel("sms-2").is_none());
    let restored = state.restore_channels().await.unwrap();
    assert_eq!(
        restored,
        ["sms-2", "ws-2"],
        "the unregistered one stays gone"
    );
    let sms = kit.get_channel("sms-2").unwrap();
    assert_eq!(sms.channel_type(), "sms");
    assert_eq!(kit.get_channel("ws-2").unwrap().channel_type(), "websocket");
    // Restoring again (a second restart) finds them registered and changes nothing.
    assert!(state.restore_channels().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_channel_whose_max_length_is_below_four_is_refused() {
    let server = start().await;
    let (status, body) = server
        .post(
            "/v1/channels",
            json!({"id": "tiny", "type": "websocket",
                   "capabilities": {"media_types": ["text"], "max_length": 0}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["error"]["message"],
        "capabilities.max_length: 0 is below the minimum of 4"
    );
    assert!(server.kit.get_channel("tiny").is_none());
    server.room_with_sms("r").await;
    let (status, body) = server
        .post(
            "/v1/rooms/r/bindings",
            json!({"channel_id": "agent-ws", "capabilities": {"media_types": ["text"], "max_length": 3}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(server.kit.get_binding("r", "agent-ws").await.is_err());
}
