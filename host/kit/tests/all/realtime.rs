//! Ephemeral events: published to the room's subscribers in order, never stored.

use std::time::Duration;

use roomkit_model::{EphemeralEventType, Metadata};

use crate::support::{setup, text_caps};

#[tokio::test]
async fn typing_presence_and_read_receipts_reach_subscribers_and_are_not_stored() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    let mut sub = s.kit.subscribe_room("r").await;
    let mut other_room = s.kit.subscribe_room("elsewhere").await;
    s.kit.publish_typing("r", "ana", true).await;
    s.kit.publish_presence("r", "ana", "away").await.unwrap();
    s.kit.publish_read_receipt("r", "ana", "event-7").await;
    s.kit.publish_typing("r", "ana", false).await;
    let mut kinds = Vec::new();
    for _ in 0..4 {
        let event = tokio::time::timeout(Duration::from_secs(30), sub.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(event.user_id, "ana");
        if event.event_type == EphemeralEventType::ReadReceipt {
            assert_eq!(event.data["event_id"], "event-7");
        }
        kinds.push(event.event_type);
    }
    assert_eq!(
        kinds,
        vec![
            EphemeralEventType::TypingStart,
            EphemeralEventType::PresenceAway,
            EphemeralEventType::ReadReceipt,
            EphemeralEventType::TypingStop
        ]
    );
    assert!(other_room.try_recv().is_none());
    assert_eq!(
        s.kit.get_room("r").await.unwrap().event_count,
        1,
        "never stored (the one event is the channel_attached record)"
    );
}

#[tokio::test]
async fn unknown_presence_is_refused_and_unsubscribe_reports_whether_it_existed() {
    let s = setup();
    assert!(s.kit.publish_presence("r", "ana", "dancing").await.is_err());
    let sub = s.kit.subscribe_room("r").await;
    assert!(s.kit.unsubscribe_room(&sub.id).await);
    assert!(!s.kit.unsubscribe_room(&sub.id).await);
    let mut custom = s.kit.subscribe_room("r").await;
    let mut data = Metadata::new();
    data.insert("emoji".into(), "👍".into());
    s.kit
        .publish_ephemeral("r", EphemeralEventType::Custom, "ana", Some("ws"), data)
        .await;
    let event = custom.recv().await.unwrap();
    assert_eq!(event.data["emoji"], "👍");
    assert_eq!(event.channel_id.as_deref(), Some("ws"));
}
