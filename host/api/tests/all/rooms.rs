//! Rooms: create, read, list with filters, lifecycle, timers.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{scrub, start};

#[tokio::test]
async fn a_room_is_created_and_read_back() {
    let server = start().await;
    let (status, room) = server
        .post(
            "/v1/rooms",
            json!({"id": "r1", "organization_id": "acme", "metadata": {"tier": "vip"},
                   "timers": {"inactive_after_seconds": 300}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let expected = json!({
        "id": "r1", "organization_id": "acme", "status": "active",
        "created_at": "<time>", "updated_at": "<time>",
        "timers": {"inactive_after_seconds": 300},
        "agent_response_policy": "agent_chain", "metadata": {"tier": "vip"}, "event_count": 0
    });
    assert_eq!(scrub(room), expected);
    let (status, room) = server.get("/v1/rooms/r1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(scrub(room), expected);

    let (status, room) = server.post("/v1/rooms", json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(room["id"].as_str().unwrap().len(), 32);
}

#[tokio::test]
async fn creating_a_room_with_an_existing_id_is_a_conflict() {
    let server = start().await;
    server.post("/v1/rooms", json!({"id": "r1"})).await;
    let (status, body) = server.post("/v1/rooms", json!({"id": "r1"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body,
        json!({"error": {"code": "room_exists", "message": "room \"r1\" already exists"}})
    );
}

#[tokio::test]
async fn rooms_are_listed_with_filters_and_pages() {
    let server = start().await;
    for (id, org, tier) in [
        ("a", "acme", "vip"),
        ("b", "acme", "basic"),
        ("c", "other", "vip"),
    ] {
        server
            .post(
                "/v1/rooms",
                json!({"id": id, "organization_id": org, "metadata": {"tier": tier}}),
            )
            .await;
    }
    server.post("/v1/rooms/b/close", json!({})).await;
    server
        .post(
            "/v1/rooms/c/bindings",
            json!({"channel_id": "sms", "participant_id": "+1"}),
        )
        .await;
    let ids = |v: serde_json::Value| -> Vec<String> {
        v["rooms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let cases = [
        ("/v1/rooms", vec!["a", "b", "c"]),
        ("/v1/rooms?organization_id=acme", vec!["a", "b"]),
        ("/v1/rooms?status=closed", vec!["b"]),
        (
            "/v1/rooms?status=active&metadata_key=tier&metadata_value=vip",
            vec!["a", "c"],
        ),
        (
            "/v1/rooms?metadata_key=tier&metadata_value=%22basic%22",
            vec!["b"],
        ),
        ("/v1/rooms?channel_id=sms", vec!["c"]),
        ("/v1/rooms?offset=1&limit=1", vec!["b"]),
    ];
    for (path, expected) in cases {
        let (status, body) = server.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(ids(body), expected, "{path}");
    }
    let (status, body) = server.get("/v1/rooms?status=sleeping").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "invalid_query");
    let (status, body) = server.get("/v1/rooms?limit=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "invalid_query");
}

#[tokio::test]
async fn rooms_pause_resume_close_and_archive_and_refuse_invalid_transitions() {
    let server = start().await;
    server.post("/v1/rooms", json!({"id": "r"})).await;
    let (status, room) = server.post("/v1/rooms/r/pause", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(room["status"], "paused");
    assert!(room["paused_at"].is_string());
    let (_, room) = server.post("/v1/rooms/r/resume", json!({})).await;
    assert_eq!(room["status"], "active");
    let (_, room) = server.post("/v1/rooms/r/close", json!({})).await;
    assert_eq!(room["status"], "closed");
    let (status, body) = server.post("/v1/rooms/r/pause", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body,
        json!({"error": {"code": "invalid_transition", "message": "room \"r\" is closed; cannot pause"}})
    );
    let (_, room) = server.post("/v1/rooms/r/archive", json!({})).await;
    assert_eq!(room["status"], "archived");
    let (status, body) = server.post("/v1/rooms/nope/close", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"error": {"code": "room_not_found", "message": "no room \"nope\""}})
    );
}

#[tokio::test]
async fn timers_are_set_cleared_and_checked() {
    let server = start().await;
    server.post("/v1/rooms", json!({"id": "r"})).await;
    let (status, room) = server
        .put(
            "/v1/rooms/r/timers",
            json!({"inactive_after_seconds": 0, "closed_after_seconds": 3600}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        room["timers"],
        json!({"inactive_after_seconds": 0, "closed_after_seconds": 3600})
    );
    let (status, body) = server.post("/v1/timers/check", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["changed"].as_array().unwrap().len(), 1);
    assert_eq!(body["changed"][0]["status"], "paused");
    let (_, room) = server.put("/v1/rooms/r/timers", json!({})).await;
    assert_eq!(room["timers"], json!({}));
}
