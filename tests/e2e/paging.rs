//! Timeline paging over HTTP on a room of 25 events.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::Deployment;

/// The indexes of a page and its `has_more`.
async fn page(d: &Deployment, room: &str, query: &str) -> (Vec<u64>, bool) {
    let body = d.get_ok(&format!("/v1/rooms/{room}/events?{query}")).await;
    let events = body["events"].as_array().unwrap();
    for event in events {
        // Every event is the one of its index (index 0 is the channel_attached record).
        let index = event["index"].as_u64().unwrap();
        if index == 0 {
            assert_eq!(event["type"], "channel_attached");
        } else {
            assert_eq!(event["content"]["body"], format!("message {index}"));
        }
    }
    (
        events
            .iter()
            .map(|e| e["index"].as_u64().unwrap())
            .collect(),
        body["has_more"].as_bool().unwrap(),
    )
}

fn range(from: u64, to: u64) -> Vec<u64> {
    (from..to).collect()
}

#[tokio::test]
async fn the_timeline_pages_by_offset_and_by_index() {
    let d = Deployment::start().await;
    let (status, _) = d.post("/v1/rooms", json!({"id": "paging"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = d
        .post("/v1/rooms/paging/bindings", json!({"channel_id": "agents"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // The attach stored a channel_attached record at index 0; 24 messages fill 1..=24, so
    // the room holds indexes 0..25.
    for i in 1..25 {
        let (status, result) = d
            .post(
                "/v1/rooms/paging/messages",
                json!({"channel_id": "agents", "sender_id": "agent-1",
                       "content": {"type": "text", "body": format!("message {i}")}}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{result}");
        assert_eq!(result["event"]["index"], i);
    }

    // Offset and limit.
    assert_eq!(page(&d, "paging", "").await, (range(0, 25), false));
    assert_eq!(page(&d, "paging", "limit=10").await, (range(0, 10), true));
    assert_eq!(
        page(&d, "paging", "limit=10&offset=10").await,
        (range(10, 20), true)
    );
    assert_eq!(
        page(&d, "paging", "limit=10&offset=20").await,
        (range(20, 25), false)
    );
    assert_eq!(
        page(&d, "paging", "limit=5&offset=20").await,
        (range(20, 25), false)
    );
    assert_eq!(page(&d, "paging", "offset=25").await, (vec![], false));

    // By index: `after` and `before` are exclusive.
    assert_eq!(
        page(&d, "paging", "after=9&limit=5").await,
        (range(10, 15), true)
    );
    assert_eq!(page(&d, "paging", "after=19").await, (range(20, 25), false));
    assert_eq!(page(&d, "paging", "after=24").await, (vec![], false));
    assert_eq!(page(&d, "paging", "before=5").await, (range(0, 5), false));
    assert_eq!(
        page(&d, "paging", "after=5&before=9").await,
        (vec![6, 7, 8], false)
    );

    // Newest first.
    assert_eq!(
        page(&d, "paging", "order=desc&limit=3").await,
        (vec![24, 23, 22], true)
    );
    assert_eq!(
        page(&d, "paging", "order=desc&before=3").await,
        (vec![2, 1, 0], false)
    );

    // Walking by `after` visits every event once.
    let mut seen: Vec<u64> = Vec::new();
    let mut query = "limit=7".to_owned();
    loop {
        let (indexes, more) = page(&d, "paging", &query).await;
        seen.extend(&indexes);
        if !more {
            break;
        }
        query = format!("limit=7&after={}", indexes.last().unwrap());
    }
    assert_eq!(seen, range(0, 25));

    // A limit out of range is refused.
    let (status, body) = d.get("/v1/rooms/paging/events?limit=501").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_query");
    let (status, body): (StatusCode, Value) = d.get("/v1/rooms/paging/events?limit=ten").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_query");
}
