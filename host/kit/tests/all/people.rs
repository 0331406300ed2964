//! Identities, participants and tasks through the kit (issue 14 item 15): identities created,
//! listed and linked; participants added, resolved after the fact, given roles and statuses,
//! banned; tasks moved through their statuses. Every test checks the stored state.

use std::sync::Arc;

use async_trait::async_trait;
use roomkit_kit::{
    Error, HookSpec, HookTrigger, IdentityResolver, IdentityResult, InboundMessage,
    ParticipantUpdate, RoomContext, SendOptions, StoreIdentityResolver, TaskUpdate,
};
use roomkit_model::{
    Content, EventStatus, EventType, FrameworkEventType, Identification, Identity, Participant,
    ParticipantRole, ParticipantStatus, RoomEvent, Task, TaskStatus, ValidationError, Visibility,
};
use roomkit_store::EventQuery;
use serde_json::json;

use crate::support::{Setup, TriggerLog, eventually, setup, setup_with, text_caps};

/// Finds no one for sure: every sender is ambiguous, so each becomes a pending participant.
struct Undecided;

#[async_trait]
impl IdentityResolver for Undecided {
    async fn resolve(
        &self,
        _message: &InboundMessage,
        _channel_type: &str,
        _ctx: &RoomContext,
    ) -> Result<IdentityResult, String> {
        Ok(IdentityResult::ambiguous(vec![
            Identity::new(),
            Identity::new(),
        ]))
    }
}

fn identity(id: &str, name: &str, addresses: &[(&str, &str)]) -> Identity {
    let mut identity = Identity {
        id: id.into(),
        display_name: Some(name.into()),
        ..Identity::new()
    };
    for (channel_type, address) in addresses {
        identity
            .channel_addresses
            .entry((*channel_type).into())
            .or_default()
            .push((*address).into());
    }
    identity
}

/// Every stored event of the room, blocked ones and records included.
async fn all_events(s: &Setup, room: &str) -> Vec<RoomEvent> {
    s.kit
        .get_timeline(room, &EventQuery::oldest(1000).with_blocked())
        .await
        .unwrap()
}

/// The system code and data of a record.
fn record_of(event: &RoomEvent) -> (EventType, String, serde_json::Value) {
    assert_eq!(event.visibility, Visibility::Internal, "{event:?}");
    assert_eq!(event.status, EventStatus::Delivered, "{event:?}");
    match &event.content {
        Content::System { code, data, .. } => (
            event.event_type,
            code.clone().unwrap_or_default(),
            serde_json::Value::Object(data.clone()),
        ),
        other => panic!("not a record: {other:?}"),
    }
}

async fn event_count(s: &Setup, room: &str) -> u64 {
    s.kit.get_room(room).await.unwrap().event_count
}

// --- identities ------------------------------------------------------------------------------

#[tokio::test]
async fn identities_are_created_read_listed_in_id_order_and_paged() {
    let s = setup();
    for id in ["carl", "ana", "bea"] {
        let created = s
            .kit
            .create_identity(identity(id, id, &[("sms", &format!("+{id}"))]))
            .await
            .unwrap();
        assert_eq!(created, s.store.get_identity(id).await.unwrap().unwrap());
    }
    assert_eq!(
        s.kit.get_identity("bea").await.unwrap(),
        identity("bea", "bea", &[("sms", "+bea")])
    );
    let ids = |list: Vec<Identity>| list.into_iter().map(|i| i.id).collect::<Vec<_>>();
    assert_eq!(
        ids(s.kit.list_identities(None, 2).await.unwrap()),
        ["ana", "bea"]
    );
    assert_eq!(
        ids(s.kit.list_identities(Some("bea"), 2).await.unwrap()),
        ["carl"]
    );
    let err = s.kit.get_identity("dan").await.unwrap_err();
    assert!(
        matches!(&err, Error::Store(roomkit_store::Error::IdentityNotFound(id)) if id == "dan"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_duplicate_or_invalid_identity_is_refused_and_nothing_is_stored() {
    let s = setup();
    let ana = identity("ana", "Ana", &[("sms", "+1")]);
    s.kit.create_identity(ana.clone()).await.unwrap();

    let err = s
        .kit
        .create_identity(identity("ana", "Impostor", &[("sms", "+9")]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Store(roomkit_store::Error::IdentityExists(id)) if id == "ana"),
        "{err:?}"
    );
    let err = s
        .kit
        .create_identity(identity("bea", "Bea", &[("sms", "+1")]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Store(roomkit_store::Error::AddressTaken { identity_id, .. }) if identity_id == "ana"),
        "{err:?}"
    );
    let err = s
        .kit
        .create_identity(identity("bad\nid", "Bad", &[]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    let err = s
        .kit
        .create_identity(identity("cid", "Cid", &[("sms", "")]))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Invalid(ValidationError::Empty("address"))),
        "{err:?}"
    );

    assert_eq!(s.kit.list_identities(None, 10).await.unwrap(), vec![ana]);
    assert_eq!(s.store.resolve_identity("sms", "+9").await.unwrap(), None);
}

#[tokio::test]
async fn a_linked_address_identifies_the_sender_of_the_next_message() {
    let store: Arc<dyn roomkit_store::ConversationStore> =
        Arc::new(roomkit_store::MemoryStore::new());
    let resolver = Arc::new(StoreIdentityResolver::new(Arc::clone(&store)));
    let s = Setup {
        kit: roomkit_kit::RoomKit::builder(Arc::clone(&store))
            .identity_resolver(resolver)
            .build(),
        store,
    };
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    s.kit
        .create_identity(identity("ana", "Ana", &[("email", "ana@x.io")]))
        .await
        .unwrap();

    let linked = s.kit.link_address("ana", "sms", "+1").await.unwrap();
    assert_eq!(
        linked,
        identity("ana", "Ana", &[("email", "ana@x.io"), ("sms", "+1")])
    );
    assert_eq!(s.store.get_identity("ana").await.unwrap(), Some(linked));
    // Linking again is a no-op.
    s.kit.link_address("ana", "sms", "+1").await.unwrap();

    let result = s.say("r", "sms", "+1", "hi").await;
    assert_eq!(
        result.event.unwrap().source.participant_id.as_deref(),
        Some("ana")
    );
    let participant = s.store.get_participant("r", "ana").await.unwrap().unwrap();
    assert_eq!(participant.identification, Identification::Identified);

    let err = s.kit.link_address("nobody", "sms", "+2").await.unwrap_err();
    assert!(
        matches!(&err, Error::Store(roomkit_store::Error::IdentityNotFound(id)) if id == "nobody"),
        "{err:?}"
    );
    let err = s.kit.link_address("ana", "", "+2").await.unwrap_err();
    assert!(
        matches!(err, Error::Invalid(ValidationError::Empty("channel_type"))),
        "{err:?}"
    );
    assert_eq!(s.store.resolve_identity("sms", "+2").await.unwrap(), None);
}

// --- participants ----------------------------------------------------------------------------

#[tokio::test]
async fn a_pending_participant_is_resolved_to_an_identity_after_the_fact() {
    let s = setup_with(|b| b.identity_resolver(Arc::new(Undecided)));
    s.transport("sms", "sms", text_caps());
    let next = s.room("r", &["sms"]).await;
    s.say("r", "sms", "+2", "who am I?").await;
    let mut pending = Participant::new("+2", "r", "sms");
    pending.identification = Identification::Pending;
    assert_eq!(
        s.store.get_participant("r", "+2").await.unwrap(),
        Some(pending.clone())
    );
    s.kit
        .create_identity(identity("ana", "Ana", &[]))
        .await
        .unwrap();
    let log = Arc::new(TriggerLog::default());
    s.kit.add_hook(
        HookSpec::new("log", HookTrigger::OnParticipantIdentified),
        log.clone(),
    );
    let mut resolved = s.kit.on(Some(&[FrameworkEventType::IdentityResolved]));

    let participant = s
        .kit
        .resolve_participant("r", "+2", "ana", "agent-7")
        .await
        .unwrap();

    let wanted = Participant {
        identification: Identification::Identified,
        identity_id: Some("ana".into()),
        display_name: Some("Ana".into()),
        ..pending
    };
    assert_eq!(participant, wanted);
    assert_eq!(
        s.store.get_participant("r", "+2").await.unwrap(),
        Some(wanted.clone())
    );
    // The binding keeps naming the raw sender, so routing still finds the room.
    assert_eq!(
        s.kit.get_binding("r", "sms").await.unwrap().participant_id,
        None
    );
    let events = all_events(&s, "r").await;
    assert_eq!(events.len() as u64, next + 2);
    let record = &events[(next + 1) as usize];
    assert_eq!(record.index, next + 1);
    assert_eq!(
        record_of(record),
        (
            EventType::ParticipantIdentified,
            "participant_identified".into(),
            json!({"participant_id": "+2", "identity_id": "ana", "resolved_by": "agent-7"})
        )
    );
    let framework = resolved.recv().await.unwrap();
    assert_eq!(framework.room_id.as_deref(), Some("r"));
    assert_eq!(framework.data["identity_id"], "ana");
    assert_eq!(framework.data["participant_id"], "+2");
    eventually(|| {
        log.0.lock().unwrap().as_slice()
            == [(
                HookTrigger::OnParticipantIdentified,
                "participant_identified".to_owned(),
            )]
    })
    .await;

    // Resolving to the identity it has already changes and records nothing.
    let again = s
        .kit
        .resolve_participant("r", "+2", "ana", "agent-7")
        .await
        .unwrap();
    assert_eq!(again, wanted);
    assert_eq!(event_count(&s, "r").await, next + 2);
}

#[tokio::test]
async fn resolving_an_unknown_room_participant_or_identity_is_not_found_and_changes_nothing() {
    let s = setup_with(|b| b.identity_resolver(Arc::new(Undecided)));
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    s.say("r", "sms", "+2", "hello").await;
    s.kit
        .create_identity(identity("ana", "Ana", &[]))
        .await
        .unwrap();
    let before = s.store.get_participant("r", "+2").await.unwrap();
    let count = event_count(&s, "r").await;

    let err = s
        .kit
        .resolve_participant("nowhere", "+2", "ana", "manual")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::RoomNotFound(id) if id == "nowhere"),
        "{err:?}"
    );
    let err = s
        .kit
        .resolve_participant("r", "+3", "ana", "manual")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::ParticipantNotFound { room_id, participant_id }
            if room_id == "r" && participant_id == "+3"),
        "{err:?}"
    );
    let err = s
        .kit
        .resolve_participant("r", "+2", "ghost", "manual")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Store(roomkit_store::Error::IdentityNotFound(id)) if id == "ghost"),
        "{err:?}"
    );

    assert_eq!(s.store.get_participant("r", "+2").await.unwrap(), before);
    assert_eq!(event_count(&s, "r").await, count);
}

#[tokio::test]
async fn an_added_participant_is_stored_with_its_role_and_a_joined_record() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let next = s.room("r", &["sms"]).await;
    s.kit
        .create_identity(identity("ana", "Ana", &[]))
        .await
        .unwrap();
    let mut agent = Participant::new("agent-1", "r", "sms");
    agent.role = ParticipantRole::Agent;
    agent.identity_id = Some("ana".into());

    let added = s.kit.add_participant(agent.clone()).await.unwrap();
    let wanted = Participant {
        identification: Identification::Identified,
        ..agent.clone()
    };
    assert_eq!(added, wanted);
    assert_eq!(
        s.kit.list_participants("r").await.unwrap(),
        vec![wanted.clone()]
    );
    let events = all_events(&s, "r").await;
    assert_eq!(events.len() as u64, next + 1);
    assert_eq!(
        record_of(&events[next as usize]),
        (
            EventType::ParticipantJoined,
            "participant_joined".into(),
            json!({"participant_id": "agent-1", "status": "active"})
        )
    );

    let err = s.kit.add_participant(agent.clone()).await.unwrap_err();
    assert!(
        matches!(&err, Error::ParticipantExists { participant_id, .. } if participant_id == "agent-1"),
        "{err:?}"
    );
    let mut ghost = Participant::new("u2", "r", "sms");
    ghost.identity_id = Some("ghost".into());
    let err = s.kit.add_participant(ghost).await.unwrap_err();
    assert!(
        matches!(&err, Error::Store(roomkit_store::Error::IdentityNotFound(id)) if id == "ghost"),
        "{err:?}"
    );
    let err = s
        .kit
        .add_participant(Participant::new("u3", "nowhere", "sms"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RoomNotFound(_)), "{err:?}");
    let err = s
        .kit
        .add_participant(Participant::new("", "r", "sms"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    assert_eq!(s.kit.list_participants("r").await.unwrap(), vec![wanted]);
    assert_eq!(event_count(&s, "r").await, next + 1);
}

#[tokio::test]
async fn role_and_status_changes_are_stored_and_leaving_and_returning_are_recorded() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    let added = s
        .kit
        .add_participant(Participant::new("u1", "r", "sms"))
        .await
        .unwrap();
    let count = event_count(&s, "r").await;

    let changed = s
        .kit
        .update_participant(
            "r",
            "u1",
            ParticipantUpdate {
                role: Some(ParticipantRole::Observer),
                status: Some(ParticipantStatus::Inactive),
                display_name: Some("Ursula".into()),
                metadata: Some(json!({"tier": "vip"}).as_object().unwrap().clone()),
            },
        )
        .await
        .unwrap();
    let wanted = Participant {
        role: ParticipantRole::Observer,
        status: ParticipantStatus::Inactive,
        display_name: Some("Ursula".into()),
        metadata: json!({"tier": "vip"}).as_object().unwrap().clone(),
        ..added
    };
    assert_eq!(changed, wanted);
    assert_eq!(
        s.store.get_participant("r", "u1").await.unwrap(),
        Some(wanted.clone())
    );
    // Role and activity are no news for the room's timeline.
    assert_eq!(event_count(&s, "r").await, count);

    let set_status = |status| ParticipantUpdate {
        status: Some(status),
        ..ParticipantUpdate::default()
    };
    for status in [
        ParticipantStatus::Left,
        ParticipantStatus::Banned,
        ParticipantStatus::Active,
    ] {
        let p = s
            .kit
            .update_participant("r", "u1", set_status(status))
            .await
            .unwrap();
        assert_eq!(p.status, status);
    }
    let events = all_events(&s, "r").await;
    let records: Vec<_> = events[count as usize..].iter().map(record_of).collect();
    assert_eq!(
        records,
        [
            (
                EventType::ParticipantLeft,
                "participant_left".to_owned(),
                json!({"participant_id": "u1", "status": "left"})
            ),
            (
                EventType::ParticipantLeft,
                "participant_left".to_owned(),
                json!({"participant_id": "u1", "status": "banned"})
            ),
            (
                EventType::ParticipantJoined,
                "participant_joined".to_owned(),
                json!({"participant_id": "u1", "status": "active"})
            ),
        ]
    );

    let err = s
        .kit
        .update_participant("r", "nobody", set_status(ParticipantStatus::Banned))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ParticipantNotFound { .. }), "{err:?}");
    let err = s
        .kit
        .update_participant(
            "r",
            "u1",
            ParticipantUpdate {
                display_name: Some(" ".into()),
                ..ParticipantUpdate::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    assert_eq!(
        s.store
            .get_participant("r", "u1")
            .await
            .unwrap()
            .unwrap()
            .display_name
            .as_deref(),
        Some("Ursula")
    );
}

#[tokio::test]
async fn a_banned_participants_messages_are_stored_blocked_participant_banned() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let agent = s.transport("agent", "ws", text_caps());
    let next = s.room("r", &["sms", "agent"]).await;
    s.kit
        .add_participant(Participant::new("+1", "r", "sms"))
        .await
        .unwrap();
    s.kit
        .update_participant(
            "r",
            "+1",
            ParticipantUpdate {
                status: Some(ParticipantStatus::Banned),
                ..ParticipantUpdate::default()
            },
        )
        .await
        .unwrap();
    // The joined and the left record.
    let next = next + 2;

    let result = s.say("r", "sms", "+1", "let me back in").await;
    assert!(result.blocked);
    assert_eq!(result.reason.as_deref(), Some("participant_banned"));
    let event = result.event.unwrap();
    let stored = s.store.get_event(&event.id).await.unwrap().unwrap();
    assert_eq!(stored.status, EventStatus::Blocked);
    assert_eq!(stored.blocked_by.as_deref(), Some("participant_banned"));
    assert_eq!(stored.index, next);
    assert!(stored.delivery_results.is_empty());

    // So is what is sent on their behalf; other senders on the channel are not affected.
    let sent = s
        .kit
        .send_event(
            "r",
            "sms",
            Content::text("on behalf"),
            SendOptions {
                participant_id: Some("+1".into()),
                ..SendOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(sent.reason.as_deref(), Some("participant_banned"));
    let other = s.say("r", "sms", "+2", "hello").await;
    assert!(!other.blocked);
    assert_eq!(agent.bodies(), ["hello"]);

    // Lifted, the participant speaks again.
    s.kit
        .update_participant(
            "r",
            "+1",
            ParticipantUpdate {
                status: Some(ParticipantStatus::Active),
                ..ParticipantUpdate::default()
            },
        )
        .await
        .unwrap();
    let back = s.say("r", "sms", "+1", "thanks").await;
    assert!(!back.blocked);
    assert_eq!(agent.bodies(), ["hello", "thanks"]);
    let blocked: Vec<_> = all_events(&s, "r")
        .await
        .into_iter()
        .filter(|e| e.status == EventStatus::Blocked)
        .map(|e| (e.index, e.blocked_by.unwrap()))
        .collect();
    assert_eq!(
        blocked,
        [
            (next, "participant_banned".to_owned()),
            (next + 1, "participant_banned".to_owned())
        ]
    );
}

// --- tasks -----------------------------------------------------------------------------------

#[tokio::test]
async fn a_task_moves_from_pending_through_in_progress_to_completed_and_then_keeps_its_status() {
    let s = setup();
    s.room("r", &[]).await;
    let task = Task::new("r", "call back");
    s.store.add_task(&task).await.unwrap();

    let started = s
        .kit
        .update_task(
            "r",
            &task.id,
            TaskUpdate {
                status: Some(TaskStatus::InProgress),
                assigned_to: Some("agent-1".into()),
                ..TaskUpdate::default()
            },
        )
        .await
        .unwrap();
    let wanted = Task {
        status: TaskStatus::InProgress,
        assigned_to: Some("agent-1".into()),
        ..task.clone()
    };
    assert_eq!(started, wanted);
    assert_eq!(s.store.get_task(&task.id).await.unwrap(), Some(wanted));

    let done = s
        .kit
        .update_task(
            "r",
            &task.id,
            TaskUpdate {
                status: Some(TaskStatus::Completed),
                description: Some("called, refunded".into()),
                ..TaskUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(done.status, TaskStatus::Completed);
    assert_eq!(
        s.store.get_task(&task.id).await.unwrap(),
        Some(done.clone())
    );

    let err = s
        .kit
        .update_task(
            "r",
            &task.id,
            TaskUpdate {
                status: Some(TaskStatus::Pending),
                title: Some("reopened".into()),
                ..TaskUpdate::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::InvalidTaskTransition {
                from: "completed",
                to: "pending",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("task {:?} is completed; it cannot become pending", task.id)
    );
    // Completed again is no change; nothing else changed either.
    let same = s
        .kit
        .update_task(
            "r",
            &task.id,
            TaskUpdate {
                status: Some(TaskStatus::Completed),
                ..TaskUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(same, done);
    assert_eq!(s.store.get_task(&task.id).await.unwrap(), Some(done));
    assert_eq!(
        s.kit
            .list_tasks("r", Some(TaskStatus::Completed))
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_task_of_another_room_or_an_empty_title_is_refused() {
    let s = setup();
    s.room("r", &[]).await;
    s.room("other", &[]).await;
    let task = Task::new("other", "not yours");
    s.store.add_task(&task).await.unwrap();
    let to_progress = || TaskUpdate {
        status: Some(TaskStatus::InProgress),
        ..TaskUpdate::default()
    };

    let err = s
        .kit
        .update_task("r", &task.id, to_progress())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Store(roomkit_store::Error::TaskNotFound(id)) if *id == task.id),
        "{err:?}"
    );
    let err = s
        .kit
        .update_task("r", "nope", to_progress())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Store(roomkit_store::Error::TaskNotFound(_))),
        "{err:?}"
    );
    let err = s
        .kit
        .update_task(
            "other",
            &task.id,
            TaskUpdate {
                title: Some("".into()),
                ..TaskUpdate::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Invalid(ValidationError::Empty("title"))),
        "{err:?}"
    );
    assert_eq!(s.store.get_task(&task.id).await.unwrap(), Some(task));
}

#[tokio::test]
async fn a_resolved_participant_stays_identified_when_the_resolver_is_unsure_again() {
    let s = setup_with(|b| b.identity_resolver(Arc::new(Undecided)));
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    s.say("r", "sms", "+2", "who am I?").await;
    s.kit
        .create_identity(identity("ana", "Ana", &[]))
        .await
        .unwrap();
    let resolved = s
        .kit
        .resolve_participant("r", "+2", "ana", "manual")
        .await
        .unwrap();

    let result = s.say("r", "sms", "+2", "still me").await;
    assert!(!result.blocked);
    assert_eq!(
        s.store.get_participant("r", "+2").await.unwrap(),
        Some(resolved)
    );
}

#[tokio::test]
async fn a_banned_participant_stays_banned_when_the_resolver_identifies_them() {
    let store: Arc<dyn roomkit_store::ConversationStore> =
        Arc::new(roomkit_store::MemoryStore::new());
    let resolver = Arc::new(StoreIdentityResolver::new(Arc::clone(&store)));
    let s = Setup {
        kit: roomkit_kit::RoomKit::builder(Arc::clone(&store))
            .identity_resolver(resolver)
            .build(),
        store,
    };
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    s.kit
        .create_identity(identity("ana", "Ana", &[("sms", "+1")]))
        .await
        .unwrap();
    let mut banned = Participant::new("ana", "r", "sms");
    banned.status = ParticipantStatus::Banned;
    banned.role = ParticipantRole::Observer;
    s.kit.add_participant(banned).await.unwrap();

    let result = s.say("r", "sms", "+1", "it's me, Ana").await;
    assert!(result.blocked);
    assert_eq!(result.reason.as_deref(), Some("participant_banned"));
    let stored = s.store.get_participant("r", "ana").await.unwrap().unwrap();
    assert_eq!(stored.identification, Identification::Identified);
    assert_eq!(stored.identity_id.as_deref(), Some("ana"));
    assert_eq!(stored.status, ParticipantStatus::Banned);
    assert_eq!(stored.role, ParticipantRole::Observer);
}
