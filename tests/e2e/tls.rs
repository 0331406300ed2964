//! `[tls] ca_files`: the webhook provider delivers over https to a sink whose certificate a
//! private authority issued, because the deployment's configuration trusts that authority.

use roomkit_tls::testing::TestCa;
use serde_json::json;

use crate::support::Deployment;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_provider_delivers_over_https_to_a_sink_of_a_configured_authority() {
    let ca = TestCa::new();
    let d = Deployment::start_with_https_sink(&ca).await;
    let first = d
        .webhook_ok(&json!({"sender": "+15550001", "text": "hello over tls", "id": "t-1"}))
        .await;
    let answer = &first["response_events"][0];
    assert_eq!(answer["content"]["body"], "echo: hello over tls");
    let sink = d.sink.wait_for(1).await;
    assert_eq!(sink.len(), 1);
    assert!(sink[0].signed(), "bad signature: {:?}", sink[0].headers);
    assert_eq!(
        sink[0].headers["x-roomkit-event-id"],
        answer["id"].as_str().unwrap()
    );
    assert_eq!(sink[0].json()["content"]["body"], "echo: hello over tls");
    let delivered = json!({"status": "delivered", "attempts": 1, "provider_message_id": "sink-1"});
    assert_eq!(answer["delivery_results"]["customers"], delivered);
    // And so it is stored.
    let timeline = d.timeline(answer["room_id"].as_str().unwrap()).await;
    let stored = timeline.iter().find(|e| e["id"] == answer["id"]).unwrap();
    assert_eq!(stored["delivery_results"]["customers"], delivered);
}
