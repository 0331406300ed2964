//! Bindings: attach, read, change, detach; read markers and unread counts.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{scrub, start};

#[tokio::test]
async fn a_channel_is_attached_changed_and_detached() {
    let server = start().await;
    server.post("/v1/rooms", json!({"id": "r"})).await;
    let (status, binding) = server
        .post(
            "/v1/rooms/r/bindings",
            json!({"channel_id": "sms", "participant_id": "+1555", "metadata": {"phone_number": "+1555"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let expected = json!({
        "room_id": "r", "channel_id": "sms", "channel_type": "sms", "category": "transport",
        "direction": "bidirectional", "access": "read_write", "muted": false, "visibility": "all",
        "participant_id": "+1555",
        "capabilities": {"media_types": ["text"], "supports_edit": false, "supports_delete": false,
            "supports_typing": false, "supports_read_receipts": false, "supports_threading": false,
            "supports_reactions": false},
        "metadata": {"phone_number": "+1555"}, "attached_at": "<time>"
    });
    assert_eq!(scrub(binding), expected);
    let (status, body) = server
        .post("/v1/rooms/r/bindings", json!({"channel_id": "sms"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "binding_exists");

    let (_, binding) = server
        .post("/v1/rooms/r/bindings/sms/mute", json!({}))
        .await;
    assert_eq!(binding["muted"], true);
    let (_, binding) = server
        .post("/v1/rooms/r/bindings/sms/unmute", json!({}))
        .await;
    assert_eq!(binding["muted"], false);
    let (_, binding) = server
        .put(
            "/v1/rooms/r/bindings/sms/access",
            json!({"access": "read_only"}),
        )
        .await;
    assert_eq!(binding["access"], "read_only");
    let (_, binding) = server
        .put(
            "/v1/rooms/r/bindings/sms/visibility",
            json!({"visibility": "b, a"}),
        )
        .await;
    assert_eq!(binding["visibility"], "a,b");
    let (_, binding) = server
        .put(
            "/v1/rooms/r/bindings/sms/metadata",
            json!({"metadata": {"x": 1}}),
        )
        .await;
    assert_eq!(binding["metadata"], json!({"x": 1}));

    let (status, body) = server.get("/v1/rooms/r/bindings").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["bindings"].as_array().unwrap().len(), 1);
    assert_eq!(body["bindings"][0]["access"], "read_only");
    let (status, body) = server.get("/v1/rooms/r/bindings/sms").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["metadata"], json!({"x": 1}));

    let (status, body) = server.delete("/v1/rooms/r/bindings/sms").await;
    assert_eq!(
        (status, body),
        (StatusCode::NO_CONTENT, serde_json::Value::Null)
    );
    let (status, body) = server.get("/v1/rooms/r/bindings/sms").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"error": {"code": "binding_not_found",
                          "message": "channel \"sms\" is not attached to room \"r\""}})
    );
    let (status, _) = server.delete("/v1/rooms/r/bindings/sms").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn binding_changes_are_validated() {
    let server = start().await;
    server.room_with_sms("r").await;
    let (status, body) = server
        .put(
            "/v1/rooms/r/bindings/sms/visibility",
            json!({"visibility": "internal"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body,
        json!({"error": {"code": "validation_failed",
                          "message": "visibility 'internal' is not allowed on bindings"}})
    );
    let (status, body) = server
        .put(
            "/v1/rooms/r/bindings/sms/access",
            json!({"access": "sometimes"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "invalid_request");
    let (status, body) = server
        .post("/v1/rooms/r/bindings", json!({"channel_id": "nope"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "channel_not_found");
    let (status, body) = server
        .post("/v1/rooms/zz/bindings/sms/mute", json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "room_not_found");
}

#[tokio::test]
async fn read_markers_only_move_forward_and_unread_counts_follow() {
    let server = start().await;
    server.room_with_sms("r").await;
    server
        .post("/v1/rooms/r/bindings", json!({"channel_id": "agent-ws"}))
        .await;
    let mut ids = Vec::new();
    for text in ["one", "two", "three"] {
        let result = server.sms_says("r", text).await;
        ids.push(result["event"]["id"].as_str().unwrap().to_owned());
    }
    let (status, body) = server.get("/v1/rooms/r/bindings/agent-ws/read").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"room_id": "r", "channel_id": "agent-ws", "last_read_index": null, "unread_count": 3})
    );
    let (_, body) = server
        .post(
            "/v1/rooms/r/bindings/agent-ws/read",
            json!({"event_id": ids[1]}),
        )
        .await;
    // Two channel_attached records took indexes 0 and 1 (and are no one's to read).
    assert_eq!(body["last_read_index"], 3);
    assert_eq!(body["unread_count"], 1);
    let (_, body) = server
        .post(
            "/v1/rooms/r/bindings/agent-ws/read",
            json!({"event_id": ids[0]}),
        )
        .await;
    assert_eq!(body["last_read_index"], 3, "a marker never moves back");
    let (_, body) = server
        .post("/v1/rooms/r/bindings/agent-ws/read", json!({}))
        .await;
    assert_eq!(
        (
            body["last_read_index"].clone(),
            body["unread_count"].clone()
        ),
        (json!(4), json!(0))
    );
    let (status, body) = server
        .post(
            "/v1/rooms/r/bindings/agent-ws/read",
            json!({"event_id": "missing"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "event_not_found");
}
