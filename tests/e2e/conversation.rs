//! A support conversation across the customer's webhook channel, the agents' WebSocket
//! channel and the echo AI, with the example's hooks redacting and blocking.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Delivery, Deployment, untimed};

/// What the sink must have been sent for the AI's answer `answer` (a response event) to the
/// customer `phone`: the event as JSON, signed, with its id in the headers.
/// A stored event as WebSocket clients get it while it is in flight: pending, no delivery
/// results yet.
fn in_flight(stored: &Value) -> Value {
    let mut event = stored.clone();
    event["status"] = json!("pending");
    event.as_object_mut().unwrap().remove("delivery_results");
    event
}

fn assert_answer_delivered(delivery: &Delivery, answer: &Value, phone: &str) {
    assert!(delivery.signed(), "bad signature: {:?}", delivery.headers);
    let id = answer["id"].as_str().unwrap();
    assert_eq!(delivery.headers["x-roomkit-event-id"], id);
    assert_eq!(delivery.headers["idempotency-key"], id);
    assert_eq!(delivery.headers["content-type"], "application/json");
    assert_eq!(
        untimed(delivery.json()),
        json!({
            "id": id,
            "room_id": answer["room_id"],
            "type": "message",
            "index": answer["index"],
            "chain_depth": 1,
            "visibility": "all",
            "parent_event_id": null,
            "responds_to": answer["responds_to"],
            "correlation_id": null,
            "source": {
                "channel_id": "assistant",
                "channel_type": "ai",
                "direction": "outbound",
                "participant_id": null,
                "external_id": null,
            },
            "content": {"type": "text", "body": answer["content"]["body"], "language": null},
            "metadata": {"deterministic": true, "model": "echo-ai"},
            "recipient": {"channel_id": "customers", "channel_type": "webhook", "participant_id": phone},
        })
    );
}

#[tokio::test]
async fn a_webhook_message_is_redacted_answered_and_delivered_and_profanity_is_blocked() {
    let d = Deployment::start().await;

    // The customer's first message creates the conversation; the echo AI answers it back
    // through the webhook provider.
    let first = d
        .webhook_ok(&json!({"sender": "+15550001", "text": "hello there", "id": "m-1"}))
        .await;
    let room = first["event"]["room_id"].as_str().unwrap().to_owned();
    assert_eq!(d.room_ids().await, std::slice::from_ref(&room));
    assert_eq!(first["event"]["source"]["participant_id"], "alice");
    // Routing made the room and attached the customer's channel and the configured ones: their
    // three channel_attached records come first.
    assert_eq!(first["event"]["index"], 3);
    assert_eq!(
        first["response_events"][0]["content"],
        json!({"type": "text", "body": "echo: hello there"})
    );
    let sink = d.sink.wait_for(1).await;
    assert_answer_delivered(&sink[0], &first["response_events"][0], "+15550001");

    // An agent joins the room it created.
    let mut agent = d.ws().await;
    agent.join(&room, "agents", "agent-1").await;

    // The next message carries a card number and an e-mail address.
    let result = d
        .webhook_ok(&json!({
            "sender": "+15550001",
            "text": "My card 4111 1111 1111 1111 was charged twice, mail jane@example.com",
            "id": "m-2",
        }))
        .await;
    let redacted = "My card [card] was charged twice, mail [email]";
    let id = result["event"]["id"].as_str().unwrap().to_owned();
    let answer = result["response_events"][0].clone();
    let stored_expected = json!({
        "id": id,
        "room_id": room,
        "type": "message",
        "source": {
            "channel_id": "customers",
            "channel_type": "webhook",
            "direction": "inbound",
            "participant_id": "alice",
            "external_id": "+15550001",
            "provider": "webhook",
            "provider_message_id": "m-2",
        },
        "content": {"type": "text", "body": redacted},
        "status": "delivered",
        "visibility": "all",
        "index": 5,
        "chain_depth": 0,
        "idempotency_key": "m-2",
        "metadata": {},
        "delivery_results": {
            "agents": {"status": "delivered", "attempts": 1},
            "assistant": {"status": "delivered", "attempts": 1},
        },
    });
    assert_eq!(
        untimed(result.clone()),
        json!({
            "event": stored_expected,
            "blocked": false,
            "reason": null,
            "duplicate": false,
            "delivery_results": stored_expected["delivery_results"],
            "response_events": [{
                "id": answer["id"],
                "room_id": room,
                "type": "message",
                "source": {"channel_id": "assistant", "channel_type": "ai", "direction": "outbound"},
                "content": {"type": "text", "body": format!("echo: {redacted}")},
                "status": "delivered",
                "visibility": "all",
                "index": 6,
                "chain_depth": 1,
                "responds_to": id,
                "metadata": {"deterministic": true, "model": "echo-ai"},
                "delivery_results": {
                    "agents": {"status": "delivered", "attempts": 1},
                    "customers": {"status": "delivered", "attempts": 1, "provider_message_id": "sink-2"},
                },
            }],
            "unavailable_targets": [],
        })
    );

    // The agent gets the redacted message, then the AI's answer.
    let as_delivered = in_flight(&stored_expected);
    assert_eq!(
        untimed(agent.recv().await),
        json!({"type": "event", "room_id": room, "channel_id": "agents", "event": as_delivered})
    );
    let to_agent = agent.recv().await;
    assert_eq!(to_agent["event"]["id"], answer["id"]);
    assert_eq!(to_agent["event"]["index"], 6);
    assert_eq!(
        to_agent["event"]["content"]["body"],
        format!("echo: {redacted}")
    );

    // The customer-side system gets the answer, signed, and never the raw numbers.
    let sink = d.sink.wait_for(2).await;
    assert_answer_delivered(&sink[1], &answer, "+15550001");

    // Stored as redacted.
    let stored = d.get_ok(&format!("/v1/rooms/{room}/events/{id}")).await;
    assert_eq!(untimed(stored), stored_expected);

    // A profane message is blocked with the category as the reason, stored as blocked, and
    // goes nowhere.
    let blocked = d
        .webhook_ok(&json!({"sender": "+15550001", "text": "Well DARN it", "id": "m-3"}))
        .await;
    let blocked_id = blocked["event"]["id"].as_str().unwrap().to_owned();
    let blocked_expected = json!({
        "id": blocked_id,
        "room_id": room,
        "type": "message",
        "source": {
            "channel_id": "customers",
            "channel_type": "webhook",
            "direction": "inbound",
            "participant_id": "alice",
            "external_id": "+15550001",
            "provider": "webhook",
            "provider_message_id": "m-3",
        },
        "content": {"type": "text", "body": "Well DARN it"},
        "status": "blocked",
        "blocked_by": "profanity-filter",
        "visibility": "all",
        "index": 7,
        "chain_depth": 0,
        "idempotency_key": "m-3",
        "metadata": {"blocked_reason": "profanity"},
    });
    assert_eq!(
        untimed(blocked),
        json!({
            "event": blocked_expected,
            "blocked": true,
            "reason": "profanity",
            "duplicate": false,
            "delivery_results": {},
            "response_events": [],
            "unavailable_targets": [],
        })
    );
    assert!(agent.is_quiet().await, "agent got a frame");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(d.sink.deliveries().len(), 2);

    // The whole timeline: three channel_attached records (indexes 0 to 2), then five events,
    // the blocked one only with include_blocked.
    let mut timeline = d.timeline(&room).await;
    let records = timeline.drain(..3).collect::<Vec<_>>();
    assert!(records.iter().all(|r| r["type"] == "channel_attached"
        && r["visibility"] == "internal"
        && r["status"] == "delivered"));
    let summary: Vec<(u64, &str, &str)> = timeline
        .iter()
        .map(|e| {
            (
                e["index"].as_u64().unwrap(),
                e["status"].as_str().unwrap(),
                e["content"]["body"].as_str().unwrap(),
            )
        })
        .collect();
    let echo = format!("echo: {redacted}");
    assert_eq!(
        summary,
        [
            (3, "delivered", "hello there"),
            (4, "delivered", "echo: hello there"),
            (5, "delivered", redacted),
            (6, "delivered", echo.as_str()),
            (7, "blocked", "Well DARN it"),
        ]
    );
    assert_eq!(untimed(timeline[4].clone()), blocked_expected);
    let visible = d.get_ok(&format!("/v1/rooms/{room}/events")).await;
    let indexes: Vec<u64> = visible["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, [0, 1, 2, 3, 4, 5, 6]);
    let room_now = d.get_ok(&format!("/v1/rooms/{room}")).await;
    assert_eq!(room_now["event_count"], 8);
    assert_eq!(room_now["latest_index"], 7);

    // A redelivered webhook (same id) is stored once and answered once.
    let again = d
        .webhook_ok(&json!({"sender": "+15550001", "text": "hello there", "id": "m-1"}))
        .await;
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["event"]["id"], first["event"]["id"]);
    assert_eq!(d.timeline(&room).await.len(), 3 + 5);
    assert!(agent.is_quiet().await, "agent got a frame");
    assert_eq!(d.sink.deliveries().len(), 2);
}

#[tokio::test]
async fn an_agent_answers_over_websocket_and_typing_and_read_receipts_are_not_stored() {
    let d = Deployment::start().await;
    // A webhook may name its room: the conversation `desk-2` with Bob.
    let first = d
        .webhook_ok(&json!({"sender": "+15550002", "text": "is anyone there?", "room": "desk-2"}))
        .await;
    assert_eq!(first["event"]["room_id"], "desk-2");
    assert_eq!(first["event"]["source"]["participant_id"], "bob");
    d.sink.wait_for(1).await;

    let mut alice = d.ws().await;
    alice.join("desk-2", "agents", "agent-1").await;
    let mut bob_agent = d.ws().await;
    bob_agent.join("desk-2", "agents", "agent-2").await;

    // An agent's message goes to the customer through the webhook provider, signed, and not
    // to the assistant (the example's agents binding is visible to transports only).
    alice
        .send(json!({"type": "message", "room_id": "desk-2", "text": "Hi Bob, agent here", "request_id": "q1"}))
        .await;
    let ack = alice.recv().await;
    assert_eq!(ack["type"], "ack");
    assert_eq!(ack["request_id"], "q1");
    let message = ack["result"]["event"].clone();
    let id = message["id"].as_str().unwrap().to_owned();
    let stored_expected = json!({
        "id": id,
        "room_id": "desk-2",
        "type": "message",
        "source": {
            "channel_id": "agents",
            "channel_type": "websocket",
            "direction": "inbound",
            "participant_id": "agent-1",
            "external_id": "agent-1",
        },
        "content": {"type": "text", "body": "Hi Bob, agent here"},
        "status": "delivered",
        "visibility": "transport",
        "index": 5,
        "chain_depth": 0,
        "metadata": {},
        "delivery_results": {
            "customers": {"status": "delivered", "attempts": 1, "provider_message_id": "sink-2"},
        },
    });
    assert_eq!(
        untimed(ack["result"].clone()),
        json!({
            "event": stored_expected,
            "blocked": false,
            "reason": null,
            "duplicate": false,
            "delivery_results": stored_expected["delivery_results"],
            "response_events": [],
            "unavailable_targets": [],
        })
    );

    // The other agent gets it as committed (the hub echoes a client's message to the others
    // before it is delivered anywhere): pending, no delivery results yet.
    let as_committed = in_flight(&stored_expected);
    assert_eq!(
        untimed(bob_agent.recv().await),
        json!({"type": "event", "room_id": "desk-2", "channel_id": "agents", "event": as_committed})
    );

    // The customer-side system gets the agent's message, signed.
    let sink = d.sink.wait_for(2).await;
    let delivered = sink
        .iter()
        .find(|d| d.json()["id"] == id.as_str())
        .expect("the agent's message reached the sink");
    assert!(delivered.signed(), "{:?}", delivered.headers);
    assert_eq!(delivered.headers["x-roomkit-event-id"], id);
    assert_eq!(
        untimed(delivered.json()),
        json!({
            "id": id,
            "room_id": "desk-2",
            "type": "message",
            "index": 5,
            "chain_depth": 0,
            "visibility": "transport",
            "parent_event_id": null,
            "responds_to": null,
            "correlation_id": null,
            "source": {
                "channel_id": "agents",
                "channel_type": "websocket",
                "direction": "inbound",
                "participant_id": "agent-1",
                "external_id": "agent-1",
            },
            "content": {"type": "text", "body": "Hi Bob, agent here", "language": null},
            "metadata": {},
            "recipient": {"channel_id": "customers", "channel_type": "webhook", "participant_id": "+15550002"},
        })
    );
    assert_eq!(
        sink.iter().map(Delivery::text).collect::<Vec<_>>(),
        ["echo: is anyone there?", "Hi Bob, agent here"]
    );
    assert!(sink.iter().all(Delivery::signed));
    assert!(alice.is_quiet().await, "alice got a frame");
    assert!(bob_agent.is_quiet().await, "bob_agent got a frame");

    let before = d.timeline("desk-2").await;
    assert_eq!(before.len(), 3 + 3, "three records, three messages");

    // Typing: the other client sees it, the typist does not.
    alice
        .send(json!({"type": "typing", "room_id": "desk-2", "typing": true}))
        .await;
    assert_eq!(
        untimed(bob_agent.recv().await),
        json!({"type": "ephemeral", "event": {
            "room_id": "desk-2", "type": "typing_start", "user_id": "agent-1",
            "channel_id": "agents", "data": {},
        }})
    );
    alice
        .send(json!({"type": "typing", "room_id": "desk-2", "typing": false}))
        .await;
    assert_eq!(
        untimed(bob_agent.recv().await),
        json!({"type": "ephemeral", "event": {
            "room_id": "desk-2", "type": "typing_stop", "user_id": "agent-1",
            "channel_id": "agents", "data": {},
        }})
    );
    assert!(alice.is_quiet().await, "alice got a frame");

    // A read receipt from the other agent reaches Alice.
    bob_agent
        .send(json!({"type": "read", "room_id": "desk-2", "event_id": id}))
        .await;
    assert_eq!(
        untimed(alice.recv().await),
        json!({"type": "ephemeral", "event": {
            "room_id": "desk-2", "type": "read_receipt", "user_id": "agent-2",
            "channel_id": "agents", "data": {"event_id": id, "index": 5},
        }})
    );
    assert!(bob_agent.is_quiet().await, "bob_agent got a frame");

    // Typing over HTTP reaches both clients.
    let (status, _) = d
        .post(
            "/v1/rooms/desk-2/typing",
            json!({"user_id": "+15550002", "channel_id": "customers"}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::ACCEPTED);
    for client in [&mut alice, &mut bob_agent] {
        assert_eq!(
            untimed(client.recv().await),
            json!({"type": "ephemeral", "event": {
                "room_id": "desk-2", "type": "typing_start", "user_id": "+15550002",
                "channel_id": "customers", "data": {},
            }})
        );
    }

    // Nothing of it was stored or delivered to the customer.
    assert_eq!(d.timeline("desk-2").await, before);
    let room = d.get_ok("/v1/rooms/desk-2").await;
    assert_eq!(room["event_count"], 6);
    assert_eq!(room["latest_index"], 5);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(d.sink.deliveries().len(), 2);
    // The read marker moved (it is the binding's state, not an event).
    assert_eq!(
        d.get_ok("/v1/rooms/desk-2/bindings/agents/read").await,
        json!({"room_id": "desk-2", "channel_id": "agents", "last_read_index": 5, "unread_count": 0})
    );
}
