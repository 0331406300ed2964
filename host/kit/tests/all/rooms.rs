//! Room lifecycle and timers (SPEC §3).

use roomkit_kit::{Error, RoomOptions};
use roomkit_model::{FrameworkEventType, RoomStatus, RoomTimers};

use crate::support::{setup, text_caps};

#[tokio::test]
async fn room_timers_pause_an_idle_room_and_a_message_resumes_it() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.kit
        .create_room(RoomOptions {
            id: Some("r".into()),
            timers: RoomTimers {
                inactive_after_seconds: Some(0),
                closed_after_seconds: None,
                last_activity_at: None,
            },
            ..RoomOptions::default()
        })
        .await
        .unwrap();
    s.kit
        .attach_channel("r", "sms", Default::default())
        .await
        .unwrap();
    let mut paused = s.kit.on(Some(&[FrameworkEventType::RoomPaused]));
    let changed = s.kit.check_all_timers().await.unwrap();
    assert_eq!(
        changed
            .iter()
            .map(|r| (r.id.as_str(), r.status))
            .collect::<Vec<_>>(),
        vec![("r", RoomStatus::Paused)]
    );
    assert!(changed[0].paused_at.is_some());
    assert_eq!(paused.recv().await.unwrap().room_id.as_deref(), Some("r"));
    assert!(
        s.kit.check_all_timers().await.unwrap().is_empty(),
        "nothing more is due"
    );
    // An accepted message resumes a paused room (its timer fires again at the next check).
    let mut room = s.kit.get_room("r").await.unwrap();
    room.timers.inactive_after_seconds = Some(3600);
    s.store.update_room(&room).await.unwrap();
    assert!(!s.say("r", "sms", "+1", "back").await.blocked);
    assert_eq!(
        s.kit.get_room("r").await.unwrap().status,
        RoomStatus::Active
    );
}

#[tokio::test]
async fn room_timers_close_a_room_after_closed_after_seconds() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.kit
        .create_room(RoomOptions {
            id: Some("r".into()),
            timers: RoomTimers {
                inactive_after_seconds: Some(0),
                closed_after_seconds: Some(0),
                last_activity_at: None,
            },
            ..RoomOptions::default()
        })
        .await
        .unwrap();
    s.kit
        .attach_channel("r", "sms", Default::default())
        .await
        .unwrap();
    // Due timers are applied before the status gate: the message finds the room closed.
    let result = s.say("r", "sms", "+1", "too late").await;
    assert_eq!(result.reason.as_deref(), Some("room_closed"));
    let room = s.kit.get_room("r").await.unwrap();
    assert_eq!(room.status, RoomStatus::Closed);
    assert!(room.closed_at.is_some());
    assert_eq!(room.event_count, 1, "only the channel_attached record");
}

#[tokio::test]
async fn explicit_pause_and_resume_follow_the_state_machine() {
    let s = setup();
    s.room("r", &[]).await;
    assert_eq!(
        s.kit.pause_room("r").await.unwrap().status,
        RoomStatus::Paused
    );
    assert_eq!(
        s.kit.resume_room("r").await.unwrap().status,
        RoomStatus::Active
    );
    assert!(matches!(
        s.kit.resume_room("r").await,
        Ok(room) if room.status == RoomStatus::Active
    ));
    s.kit.close_room("r").await.unwrap();
    let err = s.kit.pause_room("r").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidTransition {
                action: "pause",
                status: "closed",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        s.kit.archive_room("r").await.unwrap().status,
        RoomStatus::Archived
    );
    assert!(matches!(
        s.kit.get_room("missing").await,
        Err(Error::RoomNotFound(_))
    ));
}

#[tokio::test]
async fn create_room_twice_is_an_error_and_set_timers_is_stored() {
    let s = setup();
    s.room("r", &[]).await;
    let again = s
        .kit
        .create_room(RoomOptions {
            id: Some("r".into()),
            ..RoomOptions::default()
        })
        .await;
    assert!(matches!(
        again,
        Err(Error::Store(roomkit_store::Error::RoomExists(_)))
    ));
    let room = s.kit.set_timers("r", Some(60), Some(600)).await.unwrap();
    assert_eq!(room.timers.inactive_after_seconds, Some(60));
    assert_eq!(
        s.kit
            .get_room("r")
            .await
            .unwrap()
            .timers
            .closed_after_seconds,
        Some(600)
    );
}
