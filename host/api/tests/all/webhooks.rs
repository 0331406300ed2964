//! Webhooks: verified by the provider, parsed into inbound messages, processed on the channel.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Server, WEBHOOK_SECRET, start};

async fn webhook(
    server: &Server,
    channel: &str,
    body: &str,
    signature: Option<String>,
) -> (StatusCode, Value) {
    let mut request = server
        .http
        .post(format!("{}/v1/webhooks/{channel}", server.base))
        .body(body.to_owned());
    if let Some(signature) = signature {
        request = request.header("x-signature", signature);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn sign(body: &str) -> Option<String> {
    Some(format!("{WEBHOOK_SECRET}:{}", body.len()))
}

#[tokio::test]
async fn a_signed_webhook_is_processed_on_its_channel_without_a_token() {
    let server = start().await;
    let body = r#"[{"from": "+1777", "text": "first"}, {"from": "+1777", "text": "second"}]"#;
    let (status, response) = webhook(&server, "webhook-in", body, sign(body)).await;
    assert_eq!(status, StatusCode::OK, "{response}");
    let results = response["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["event"]["source"]["channel_id"], "webhook-in");
    assert_eq!(results[0]["event"]["content"]["body"], "first");
    let room = results[0]["event"]["room_id"].as_str().unwrap();
    assert_eq!(
        results[1]["event"]["room_id"], room,
        "routed to the sender's room"
    );
    // Routing made the room and attached the sender's channel (its record is index 0).
    assert_eq!(results[1]["event"]["index"], 2);
}

#[tokio::test]
async fn an_invalid_signature_is_401_and_stores_nothing() {
    let server = start().await;
    let body = r#"{"from": "+1777", "text": "hello", "room_id": "r"}"#;
    for signature in [None, Some("shh:1".to_owned())] {
        let (status, err) = webhook(&server, "webhook-in", body, signature).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            err,
            json!({"error": {"code": "invalid_signature",
                              "message": "the webhook signature is not valid for channel \"webhook-in\""}})
        );
    }
    assert!(
        server.kit.get_room("r").await.is_err(),
        "nothing was stored"
    );
    let (_, rooms) = server.get("/v1/rooms").await;
    assert_eq!(rooms, json!({"rooms": []}));
}

#[tokio::test]
async fn webhooks_of_unknown_channels_and_bad_payloads_are_refused() {
    let server = start().await;
    let body = r#"{"from": "+1", "text": "x"}"#;
    let (status, err) = webhook(&server, "sms", body, sign(body)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(err["error"]["code"], "channel_not_found");
    let (status, _) = webhook(&server, "nope", body, sign(body)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let bad = r#"{"text": "no sender"}"#;
    let (status, err) = webhook(&server, "webhook-in", bad, sign(bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        err,
        json!({"error": {"code": "invalid_webhook_payload", "message": "from and text are required"}})
    );
}

#[tokio::test]
async fn a_status_callback_updates_the_delivered_event_and_gets_the_providers_answer() {
    let server = start().await;
    // +1777 writes in over the webhook channel; the SMS side answers into the same room, which
    // delivers to +1777 through the webhook channel's provider (its first send: `pm-1`).
    let body = r#"{"from": "+1777", "text": "hello", "room_id": "desk"}"#;
    let (status, response) = webhook(&server, "webhook-in", body, sign(body)).await;
    assert_eq!(status, StatusCode::OK, "{response}");
    let (status, _) = server
        .post(
            "/v1/rooms/desk/bindings",
            json!({"channel_id": "sms", "participant_id": "+1555"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let reply = server.sms_says("desk", "we are on it").await;
    let event_id = reply["event"]["id"].as_str().unwrap().to_owned();
    let sent = &reply["event"]["delivery_results"]["webhook-in"];
    assert_eq!(sent["provider_message_id"], "pm-1", "{reply}");

    // The service's status callback names the answer it expects: that is the whole answer.
    let callback = r#"{"status": "delivered", "id": "pm-1", "answer": "xml"}"#;
    let response = server
        .http
        .post(format!("{}/v1/webhooks/webhook-in", server.base))
        .header("x-signature", sign(callback).unwrap())
        .body(callback)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/xml");
    assert_eq!(response.text().await.unwrap(), "<Response/>");
    let (_, events) = server.get("/v1/rooms/desk/events").await;
    let event = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == event_id.as_str())
        .unwrap();
    assert_eq!(
        event["delivery_results"]["webhook-in"]["status"],
        "delivered"
    );

    // A status about a message this host never sent is counted and dropped.
    let unknown = r#"{"status": "failed", "id": "pm-999"}"#;
    let (status, response) = webhook(&server, "webhook-in", unknown, sign(unknown)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        response,
        json!({"results": [], "receipts_applied": 0, "receipts_unknown": 1})
    );
}

#[tokio::test]
async fn a_url_check_is_answered_by_the_provider_over_get() {
    let server = start().await;
    let response = server
        .http
        .get(format!(
            "{}/v1/webhooks/webhook-in?challenge=1158201444",
            server.base
        ))
        .header("x-signature", sign("").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/plain");
    assert_eq!(response.text().await.unwrap(), "challenge=1158201444");
    // Unsigned, it is refused like a POST.
    let response = server
        .http
        .get(format!(
            "{}/v1/webhooks/webhook-in?challenge=1",
            server.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
