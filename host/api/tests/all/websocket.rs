//! `/v1/ws`: authentication, join/leave, messages both ways, ephemeral events, slow clients.

use std::time::Duration;

use roomkit_api::{ApiConfig, WebSocketConfig};
use serde_json::json;

use roomkit_api::testing::WsClient;

use crate::support::{Server, TOKEN, config, eventually, start, start_with};

/// A client of the test server's `/v1/ws`.
struct Client;

impl Client {
    /// Connects with the token in the query and waits for `authenticated`.
    async fn connect(server: &Server) -> WsClient {
        WsClient::connect(&format!("{}/v1/ws?token={TOKEN}", server.ws_base)).await
    }
}

/// Room `r` with the customer's and the agents' WebSocket channels attached.
async fn support_room(server: &Server) {
    server.room_with_sms("r").await;
    for channel in ["customer-ws", "agent-ws"] {
        server
            .post("/v1/rooms/r/bindings", json!({"channel_id": channel}))
            .await;
    }
}

#[tokio::test]
async fn a_message_from_one_client_reaches_the_other() {
    let server = start().await;
    support_room(&server).await;
    let mut customer = Client::connect(&server).await;
    let mut agent = Client::connect(&server).await;
    let mut agent2 = Client::connect(&server).await;
    customer.join("r", "customer-ws", "cust-1").await;
    agent.join("r", "agent-ws", "agent-1").await;
    agent2.join("r", "agent-ws", "agent-2").await;

    customer
        .send(json!({"type": "message", "room_id": "r", "text": "hello", "request_id": "q1"}))
        .await;
    let ack = customer.recv().await;
    assert_eq!(ack["type"], "ack");
    assert_eq!(ack["request_id"], "q1");
    assert_eq!(ack["result"]["blocked"], false);
    assert_eq!(ack["result"]["event"]["source"]["participant_id"], "cust-1");
    for client in [&mut agent, &mut agent2] {
        let frame = client.recv().await;
        assert_eq!(frame["type"], "event");
        assert_eq!(frame["room_id"], "r");
        assert_eq!(frame["channel_id"], "agent-ws");
        // Targets get the event as it is being delivered (status pending, no results yet).
        assert_eq!(frame["event"]["id"], ack["result"]["event"]["id"]);
        assert_eq!(
            frame["event"]["content"],
            json!({"type": "text", "body": "hello"})
        );
    }
    assert_eq!(server.sms.bodies(), ["hello"]);

    // An agent's reply reaches the customer by delivery and the other agent on the same channel.
    agent
        .send(json!({"type": "message", "room_id": "r",
                     "content": {"type": "text", "body": "hi, how can I help?"}}))
        .await;
    assert_eq!(agent.recv().await["type"], "ack");
    assert_eq!(
        customer.recv().await["event"]["content"]["body"],
        "hi, how can I help?"
    );
    assert_eq!(
        agent2.recv().await["event"]["content"]["body"],
        "hi, how can I help?"
    );
    assert!(
        customer.is_quiet().await,
        "the sender does not get its own event back"
    );

    // A message that the hook blocks is acknowledged as blocked and reaches nobody.
    customer
        .send(json!({"type": "message", "room_id": "r", "text": "spam spam"}))
        .await;
    let ack = customer.recv().await;
    assert_eq!(
        (
            ack["result"]["blocked"].clone(),
            ack["result"]["reason"].clone()
        ),
        (json!(true), json!("looks like spam"))
    );
    assert!(agent.is_quiet().await);
}

#[tokio::test]
async fn clients_of_the_senders_channel_see_the_message_before_the_reply_it_provokes() {
    let server = start().await;
    support_room(&server).await;
    let ai = std::sync::Arc::new(roomkit_kit::MockAiProvider::new(["happy to help"]));
    server
        .kit
        .register_channel(std::sync::Arc::new(roomkit_kit::AiChannel::new(
            "assistant",
            ai,
        )))
        .unwrap();
    let (status, _) = server
        .post("/v1/rooms/r/bindings", json!({"channel_id": "assistant"}))
        .await;
    assert_eq!(status, reqwest::StatusCode::CREATED);
    let mut agent = Client::connect(&server).await;
    let mut agent2 = Client::connect(&server).await;
    agent.join("r", "agent-ws", "agent-1").await;
    agent2.join("r", "agent-ws", "agent-2").await;

    agent
        .send(json!({"type": "message", "room_id": "r", "text": "hello team"}))
        .await;
    let bodies_seen = [agent2.recv().await, agent2.recv().await].map(|frame| {
        frame["event"]["content"]["body"]
            .as_str()
            .unwrap()
            .to_owned()
    });
    assert_eq!(bodies_seen, ["hello team", "happy to help"]);
    // The sender gets its acknowledgement and the reply, not its own message.
    let mut sender_saw = Vec::new();
    for _ in 0..2 {
        let frame = agent.recv().await;
        sender_saw.push(match frame["type"].as_str().unwrap() {
            "ack" => "ack".to_owned(),
            _ => frame["event"]["content"]["body"]
                .as_str()
                .unwrap()
                .to_owned(),
        });
    }
    sender_saw.sort();
    assert_eq!(sender_saw, ["ack", "happy to help"]);
    assert!(agent.is_quiet().await);
}

#[tokio::test]
async fn a_webhook_message_reaches_the_websocket_agent_through_delivery() {
    let server = start().await;
    support_room(&server).await;
    let mut agent = Client::connect(&server).await;
    agent.join("r", "agent-ws", "agent-1").await;
    let body = r#"{"from": "+1777", "text": "my order is late", "room_id": "r"}"#;
    let response = server
        .http
        .post(format!("{}/v1/webhooks/webhook-in", server.base))
        .header("x-signature", format!("shh:{}", body.len()))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let frame = agent.recv().await;
    assert_eq!(frame["type"], "event");
    assert_eq!(frame["event"]["source"]["channel_id"], "webhook-in");
    assert_eq!(frame["event"]["content"]["body"], "my order is late");
}

#[tokio::test]
async fn typing_presence_and_read_receipts_reach_the_other_client_and_are_not_stored() {
    let server = start().await;
    support_room(&server).await;
    let first = server.sms_says("r", "hi").await["event"]["id"].clone();
    let mut customer = Client::connect(&server).await;
    let mut agent = Client::connect(&server).await;
    customer.join("r", "customer-ws", "cust-1").await;
    agent.join("r", "agent-ws", "agent-1").await;

    agent.send(json!({"type": "typing", "room_id": "r"})).await;
    let frame = customer.recv().await;
    assert_eq!(frame["type"], "ephemeral");
    let mut event = frame["event"].clone();
    assert!(event["timestamp"].is_string());
    event["timestamp"] = json!("<time>");
    assert_eq!(
        event,
        json!({"room_id": "r", "type": "typing_start", "user_id": "agent-1",
               "channel_id": "agent-ws", "data": {}, "timestamp": "<time>"})
    );
    agent
        .send(json!({"type": "typing", "room_id": "r", "typing": false}))
        .await;
    assert_eq!(customer.recv().await["event"]["type"], "typing_stop");
    customer
        .send(json!({"type": "presence", "room_id": "r", "status": "online"}))
        .await;
    assert_eq!(agent.recv().await["event"]["type"], "presence_online");
    agent
        .send(json!({"type": "read", "room_id": "r", "event_id": first}))
        .await;
    let frame = customer.recv().await;
    assert_eq!(frame["event"]["type"], "read_receipt");
    assert_eq!(
        frame["event"]["data"],
        // Three channel_attached records took indexes 0 to 2.
        json!({"event_id": first, "index": 3})
    );
    assert!(agent.is_quiet().await, "nobody gets their own signals back");

    assert_eq!(server.event_count("r").await, 1, "nothing was stored");
    let (_, read) = server.get("/v1/rooms/r/bindings/agent-ws/read").await;
    assert_eq!(
        read["last_read_index"], 3,
        "the read receipt raised the agent's marker"
    );
}

#[tokio::test]
async fn protocol_errors_are_answered_and_the_connection_stays() {
    let server = start().await;
    support_room(&server).await;
    let mut client = Client::connect(&server).await;
    client
        .send(json!({"type": "message", "room_id": "r", "text": "x", "request_id": "7"}))
        .await;
    assert_eq!(
        client.recv().await,
        json!({"type": "error", "code": "not_joined", "message": "join room \"r\" first", "request_id": "7"})
    );
    client
        .send(json!({"type": "join", "room_id": "nope", "channel_id": "agent-ws", "user_id": "a"}))
        .await;
    assert_eq!(client.recv().await["code"], "room_not_found");
    client
        .send(json!({"type": "join", "room_id": "r", "channel_id": "sms", "user_id": "a"}))
        .await;
    assert_eq!(client.recv().await["code"], "not_a_websocket_channel");
    server.post("/v1/rooms", json!({"id": "bare"})).await;
    client
        .send(json!({"type": "join", "room_id": "bare", "channel_id": "agent-ws", "user_id": "a"}))
        .await;
    assert_eq!(client.recv().await["code"], "binding_not_found");
    client.send(json!({"type": "dance"})).await;
    assert_eq!(client.recv().await["code"], "invalid_message");
    client.send_text("{not json").await;
    assert_eq!(client.recv().await["code"], "invalid_message");
    client.join("r", "agent-ws", "a").await;
    client
        .send(json!({"type": "presence", "room_id": "r", "status": "asleep"}))
        .await;
    assert_eq!(client.recv().await["code"], "validation_failed");
    client.send(json!({"type": "leave", "room_id": "r"})).await;
    assert_eq!(client.recv().await, json!({"type": "left", "room_id": "r"}));
    client.send(json!({"type": "ping"})).await;
    assert_eq!(client.recv().await, json!({"type": "pong"}));
}

#[tokio::test]
async fn clients_authenticate_by_query_header_or_first_message() {
    let server = start().await;
    let url = format!("{}/v1/ws", server.ws_base);
    let err = tokio_tungstenite::connect_async(format!("{url}?token=wrong"))
        .await
        .unwrap_err();
    match err {
        tokio_tungstenite::tungstenite::Error::Http(response) => {
            assert_eq!(response.status(), 401)
        }
        other => panic!("expected a 401, got {other:?}"),
    }

    let mut client = WsClient::open(&url).await;
    client.send(json!({"type": "auth", "token": TOKEN})).await;
    assert_eq!(client.recv().await, json!({"type": "authenticated"}));

    let mut client = WsClient::open(&url).await;
    client.send(json!({"type": "auth", "token": "nope"})).await;
    assert_eq!(
        client.recv().await,
        json!({"type": "error", "code": "invalid_token", "message": "the token is not valid"})
    );
    assert_eq!(client.recv().await, json!({"closed": 1000}));

    let mut client = WsClient::open(&url).await;
    client.send(json!({"type": "ping"})).await;
    assert_eq!(client.recv().await["code"], "unauthorized");
}

#[tokio::test]
async fn a_client_that_stops_reading_is_evicted_without_stalling_deliveries_to_others() {
    let server = start_with(ApiConfig {
        websocket: WebSocketConfig {
            queue_capacity: 4,
            // Long enough for the reading client on a loaded machine; the slow one fills its
            // queue and is evicted for that.
            send_timeout: Duration::from_secs(2),
            max_failures: 3,
            ..WebSocketConfig::default()
        },
        ..config()
    })
    .await;
    support_room(&server).await;
    let mut slow = Client::connect(&server).await;
    slow.join("r", "agent-ws", "slow-agent").await;
    let mut fast = Client::connect(&server).await;
    fast.join("r", "agent-ws", "fast-agent").await;
    const MESSAGES: usize = 40;
    let reader = tokio::spawn(async move {
        let mut bodies = 0;
        while bodies < MESSAGES {
            if fast.recv().await["type"] == "event" {
                bodies += 1;
            }
        }
        bodies
    });
    // `slow` never reads again: 40 × 200 KB overflow the socket buffers and its queue.
    let body = "x".repeat(200_000);
    for _ in 0..MESSAGES {
        // The slow client never reads: a delivery that waited for it would never end. The
        // limit only turns that hang into a failure; it is no measure of speed.
        let result = tokio::time::timeout(Duration::from_secs(60), server.sms_says("r", &body))
            .await
            .expect("a delivery waited for the slow client");
        assert_eq!(
            result["event"]["delivery_results"]["agent-ws"]["status"],
            "delivered"
        );
    }
    assert_eq!(
        reader.await.unwrap(),
        MESSAGES,
        "the fast client got every event"
    );
    eventually("the slow client to be evicted", || async {
        server.state.websocket_clients() == 1
    })
    .await;
    let (_, text) = server.get_text("/metrics").await;
    assert!(
        text.contains("roomkit_websocket_evictions_total 1\n"),
        "{text}"
    );
    drop(slow);
}

#[tokio::test]
async fn joining_and_leaving_a_room_emit_channel_connected_and_channel_disconnected() {
    use roomkit_model::FrameworkEventType::{ChannelConnected, ChannelDisconnected};
    let server = start().await;
    support_room(&server).await;
    let mut events = server
        .kit
        .on(Some(&[ChannelConnected, ChannelDisconnected]));
    let mut agent = Client::connect(&server).await;
    agent.join("r", "agent-ws", "agent-1").await;
    let connected = events.recv().await.unwrap();
    assert_eq!(connected.event_type, ChannelConnected);
    assert_eq!(connected.room_id.as_deref(), Some("r"));
    assert_eq!(connected.channel_id.as_deref(), Some("agent-ws"));
    assert_eq!(connected.data["user_id"], "agent-1");
    agent.send(json!({"type": "leave", "room_id": "r"})).await;
    assert_eq!(agent.recv().await["type"], "left");
    let left = events.recv().await.unwrap();
    assert_eq!(left.event_type, ChannelDisconnected);
    assert_eq!(left.data["user_id"], "agent-1");

    // A client that goes away leaves every room it joined.
    let mut customer = Client::connect(&server).await;
    customer.join("r", "customer-ws", "cust-1").await;
    assert_eq!(events.recv().await.unwrap().event_type, ChannelConnected);
    drop(customer);
    let gone = events.recv().await.unwrap();
    assert_eq!(gone.event_type, ChannelDisconnected);
    assert_eq!(gone.channel_id.as_deref(), Some("customer-ws"));
    assert_eq!(gone.data["user_id"], "cust-1");
}
