//! Inbound messages, send event, the timeline with paging, one event, participants, tasks,
//! observations, and ephemeral events over REST.

use reqwest::StatusCode;
use roomkit_model::EphemeralEventType;
use serde_json::{Value, json};

use crate::support::{scrub, start};

#[tokio::test]
async fn an_inbound_message_is_stored_delivered_and_answered_with_its_result() {
    let server = start().await;
    server.room_with_sms("r").await;
    server
        .post("/v1/rooms/r/bindings", json!({"channel_id": "webhook-in"}))
        .await;
    let (status, result) = server
        .post(
            "/v1/inbound",
            json!({"channel_id": "sms", "sender_id": "+1555", "room_id": "r",
                   "content": {"type": "text", "body": "hello"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let expected = json!({
        "event": {
            "id": "<id>", "room_id": "r", "type": "message",
            "source": {"channel_id": "sms", "channel_type": "sms", "direction": "inbound",
                       "participant_id": "+1555", "external_id": "+1555"},
            "content": {"type": "text", "body": "hello"},
            "status": "delivered", "visibility": "all", "index": 2, "chain_depth": 0,
            "created_at": "<time>", "metadata": {},
            "delivery_results": {"webhook-in": {"status": "delivered",
                                                "provider_message_id": "pm-1", "attempts": 1}}
        },
        "blocked": false, "reason": null, "duplicate": false,
        "delivery_results": {"webhook-in": {"status": "delivered",
                                            "provider_message_id": "pm-1", "attempts": 1}},
        "response_events": [], "unavailable_targets": []
    });
    assert_eq!(scrub(result), expected);
    assert_eq!(server.webhook_sink.bodies(), ["hello"]);

    // Without a room id the inbound router decides: the sender's room again.
    let (_, result) = server
        .post(
            "/v1/inbound",
            json!({"channel_id": "sms", "sender_id": "+1555", "content": {"type": "text", "body": "again"}}),
        )
        .await;
    assert_eq!(result["event"]["room_id"], "r");
    assert_eq!(result["event"]["index"], 3);
}

#[tokio::test]
async fn wait_commit_answers_once_the_event_is_stored_and_delivery_goes_on() {
    let server = start().await;
    server.room_with_sms("r").await;
    server
        .post("/v1/rooms/r/bindings", json!({"channel_id": "webhook-in"}))
        .await;
    server.webhook_sink.gate().close();
    let (status, result) = server
        .post(
            "/v1/inbound?wait=commit",
            json!({"channel_id": "sms", "sender_id": "+1555", "room_id": "r",
                   "content": {"type": "text", "body": "early"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result["delivery_pending"], true);
    assert_eq!(result["delivery_results"], json!({}));
    assert_eq!(result["event"]["content"]["body"], "early");
    assert!(server.webhook_sink.bodies().is_empty(), "held at the gate");
    server.webhook_sink.gate().open();
    for _ in 0..3000 {
        if server.webhook_sink.bodies() == ["early"] {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(server.webhook_sink.bodies(), ["early"]);

    let (status, err) = server
        .post(
            "/v1/inbound?wait=forever",
            json!({"channel_id": "sms", "sender_id": "+1555", "room_id": "r",
                   "content": {"type": "text", "body": "x"}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"]["code"], "invalid_query");
}

#[tokio::test]
async fn a_blocked_message_is_answered_200_with_the_reason_and_stored_blocked() {
    let server = start().await;
    server.room_with_sms("r").await;
    let result = server.sms_says("r", "buy spam now").await;
    assert_eq!(result["blocked"], true);
    assert_eq!(result["reason"], "looks like spam");
    assert_eq!(result["event"]["status"], "blocked");
    assert_eq!(result["event"]["blocked_by"], "test-filter");
    // The timeline holds only the channel_attached record (index 0).
    let (_, timeline) = server.get("/v1/rooms/r/events").await;
    assert_eq!(timeline["events"].as_array().unwrap().len(), 1);
    assert_eq!(timeline["events"][0]["type"], "channel_attached");
    let (_, timeline) = server.get("/v1/rooms/r/events?include_blocked=true").await;
    assert_eq!(timeline["events"][1]["index"], 1);
    assert_eq!(timeline["events"][1]["status"], "blocked");
}

#[tokio::test]
async fn room_messages_go_only_into_existing_rooms() {
    let server = start().await;
    let body =
        json!({"channel_id": "sms", "sender_id": "+1", "content": {"type": "text", "body": "x"}});
    let (status, err) = server.post("/v1/rooms/ghost/messages", body.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(err["error"]["code"], "room_not_found");
    assert!(
        server.kit.get_room("ghost").await.is_err(),
        "nothing was created"
    );
    server.post("/v1/rooms", json!({"id": "r"})).await;
    let mut mismatched = body.clone();
    mismatched["room_id"] = json!("other");
    let (status, err) = server.post("/v1/rooms/r/messages", mismatched).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "room_mismatch");
    let (status, result) = server.post("/v1/rooms/r/messages", body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(result["event"]["room_id"], "r");
}

#[tokio::test]
async fn an_event_is_sent_from_an_attached_channel() {
    let server = start().await;
    server.room_with_sms("r").await;
    server
        .post("/v1/rooms/r/bindings", json!({"channel_id": "agent-ws"}))
        .await;
    let (status, result) = server
        .post(
            "/v1/rooms/r/events",
            json!({"channel_id": "agent-ws", "participant_id": "agent-1",
                   "content": {"type": "text", "body": "How can I help?"},
                   "metadata": {"via": "api"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result["blocked"], false);
    assert_eq!(
        scrub(result["event"]["source"].clone()),
        json!({"channel_id": "agent-ws", "channel_type": "websocket", "direction": "outbound",
               "participant_id": "agent-1"})
    );
    assert_eq!(result["event"]["metadata"], json!({"via": "api"}));
    assert_eq!(server.sms.bodies(), ["How can I help?"]);
    let (status, err) = server
        .post(
            "/v1/rooms/nope/events",
            json!({"channel_id": "agent-ws", "content": {"type": "text", "body": "x"}}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(err["error"]["code"], "room_not_found");
}

fn indexes(body: &Value) -> Vec<u64> {
    body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["index"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_timeline_pages_by_offset_and_by_index() {
    let server = start().await;
    server.room_with_sms("r").await;
    for i in 0..7 {
        let text = if i == 3 {
            "spam".to_owned()
        } else {
            format!("m{i}")
        };
        server.sms_says("r", &text).await;
    }
    // Index 0 is the channel_attached record; "spam" is blocked at 4.
    let cases: [(&str, Vec<u64>, bool); 8] = [
        ("", vec![0, 1, 2, 3, 5, 6, 7], false),
        ("?limit=2", vec![0, 1], true),
        ("?limit=2&offset=2", vec![2, 3], true),
        ("?limit=2&offset=5", vec![6, 7], false),
        ("?after=3&limit=2", vec![5, 6], true),
        ("?after=2&before=6", vec![3, 5], false),
        ("?order=desc&limit=3", vec![7, 6, 5], true),
        (
            "?order=desc&before=5&include_blocked=true",
            vec![4, 3, 2, 1, 0],
            false,
        ),
    ];
    for (query, expected, has_more) in cases {
        let (status, body) = server.get(&format!("/v1/rooms/r/events{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert_eq!(indexes(&body), expected, "{query}");
        assert_eq!(body["has_more"], has_more, "{query}");
    }
    let (_, body) = server.get("/v1/rooms/r/events?limit=1").await;
    let id = body["events"][0]["id"].as_str().unwrap().to_owned();
    let (status, event) = server.get(&format!("/v1/rooms/r/events/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(event, body["events"][0]);
    let (status, err) = server.get("/v1/rooms/r/events/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        err,
        json!({"error": {"code": "event_not_found", "message": "no event \"nope\" in room \"r\""}})
    );
    for bad in ["?limit=501", "?limit=0"] {
        let (status, err) = server.get(&format!("/v1/rooms/r/events{bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(err["error"]["code"], "invalid_query");
    }
    let (status, err) = server.get("/v1/rooms/r/events?after=minus-one").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"]["code"], "invalid_query");
    let (status, err) = server.get("/v1/rooms/nope/events").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(err["error"]["code"], "room_not_found");
}

#[tokio::test]
async fn participants_tasks_and_observations_are_listed() {
    let server = start().await;
    server.room_with_sms("r").await;
    server.sms_says("r", "please open a task").await;
    let (status, body) = server.get("/v1/rooms/r/tasks").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        scrub(body),
        json!({"tasks": [{"id": "task-1", "room_id": "r", "title": "follow up",
                          "status": "pending", "created_at": "<time>", "metadata": {}}]})
    );
    let (_, body) = server.get("/v1/rooms/r/tasks?status=completed").await;
    assert_eq!(body, json!({"tasks": []}));
    let (_, body) = server.get("/v1/rooms/r/observations").await;
    assert_eq!(
        scrub(body),
        json!({"observations": [{"id": "obs-1", "room_id": "r", "channel_id": "sms",
                                 "content": "asked for a task", "category": "intent",
                                 "confidence": 0.5, "created_at": "<time>", "metadata": {}}]})
    );
    let (status, body) = server.get("/v1/rooms/r/participants").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["participants"].is_array());
    for path in ["participants", "tasks", "observations"] {
        let (status, _) = server.get(&format!("/v1/rooms/nope/{path}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn ephemeral_events_reach_subscribers_and_are_not_stored() {
    let server = start().await;
    server.room_with_sms("r").await;
    let id = server.sms_says("r", "hi").await["event"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut subscription = server.kit.subscribe_room("r").await;
    let (status, body) = server
        .post("/v1/rooms/r/typing", json!({"user_id": "agent-1"}))
        .await;
    assert_eq!((status, body), (StatusCode::ACCEPTED, Value::Null));
    server
        .post(
            "/v1/rooms/r/presence",
            json!({"user_id": "agent-1", "status": "away"}),
        )
        .await;
    server
        .post(
            "/v1/rooms/r/read-receipts",
            json!({"user_id": "agent-1", "event_id": id}),
        )
        .await;
    let kinds: Vec<EphemeralEventType> = [
        subscription.recv().await.unwrap(),
        subscription.recv().await.unwrap(),
        subscription.recv().await.unwrap(),
    ]
    .iter()
    .map(|e| e.event_type)
    .collect();
    assert_eq!(
        kinds,
        [
            EphemeralEventType::TypingStart,
            EphemeralEventType::PresenceAway,
            EphemeralEventType::ReadReceipt
        ]
    );
    assert_eq!(server.event_count("r").await, 1, "nothing was stored");
    let (status, err) = server
        .post(
            "/v1/rooms/r/presence",
            json!({"user_id": "u", "status": "asleep"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "validation_failed");
    let (status, err) = server
        .post(
            "/v1/rooms/r/read-receipts",
            json!({"user_id": "u", "event_id": "nope"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(err["error"]["code"], "event_not_found");
    let (status, _) = server
        .post("/v1/rooms/nope/typing", json!({"user_id": "u"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
