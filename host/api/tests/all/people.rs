//! Identities, participants and tasks over the API (issue 14 item 15): every route with its
//! success and its refusals (unknown ids 404, duplicates 409, invalid input 422, unknown fields
//! refused), checked against what the store holds.

use reqwest::{Method, StatusCode};
use roomkit_model::{
    EventStatus, Identification, Identity, Participant, ParticipantRole, ParticipantStatus, Task,
    TaskStatus,
};
use serde_json::{Value, json};

use crate::support::{Server, scrub, start};

async fn patch(server: &Server, path: &str, body: Value) -> (StatusCode, Value) {
    server.call(Method::PATCH, path, Some(body)).await
}

fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

/// The room's records of participants, as (type, data).
async fn participant_records(server: &Server, room: &str) -> Vec<(String, Value)> {
    let (status, page) = server
        .get(&format!(
            "/v1/rooms/{room}/events?limit=500&include_blocked=true"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"].as_str().unwrap().starts_with("participant_"))
        .map(|e| {
            assert_eq!(e["visibility"], "internal");
            assert_eq!(e["status"], "delivered");
            (
                e["type"].as_str().unwrap().to_owned(),
                e["content"]["data"].clone(),
            )
        })
        .collect()
}

// --- identities ------------------------------------------------------------------------------

#[tokio::test]
async fn an_identity_is_created_read_and_linked_to_an_address() {
    let server = start().await;
    let (status, created) = server
        .post(
            "/v1/identities",
            json!({"id": "ana", "display_name": "Ana", "organization_id": "acme",
                   "channel_addresses": {"sms": ["+15550001"]}, "external_id": "crm-7",
                   "metadata": {"tier": "vip"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let expected = json!({
        "id": "ana", "organization_id": "acme", "display_name": "Ana",
        "channel_addresses": {"sms": ["+15550001"]}, "external_id": "crm-7",
        "metadata": {"tier": "vip"}
    });
    assert_eq!(created, expected);
    assert_eq!(
        server.get("/v1/identities/ana").await,
        (StatusCode::OK, expected)
    );

    let (status, linked) = server
        .post(
            "/v1/identities/ana/addresses",
            json!({"channel_type": "email", "address": "ana@example.com"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{linked}");
    assert_eq!(
        linked["channel_addresses"],
        json!({"email": ["ana@example.com"], "sms": ["+15550001"]})
    );
    let stored = server
        .kit
        .store()
        .get_identity("ana")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(serde_json::to_value(&stored).unwrap(), linked);
    assert_eq!(
        server
            .kit
            .store()
            .resolve_identity("email", "ana@example.com")
            .await
            .unwrap()
            .map(|i| i.id),
        Some("ana".into())
    );

    // Without an id, a fresh one.
    let (status, fresh) = server.post("/v1/identities", json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        scrub(fresh),
        json!({"id": "<id>", "channel_addresses": {}, "metadata": {}})
    );
}

#[tokio::test]
async fn identities_are_listed_in_id_order_in_pages() {
    let server = start().await;
    for id in ["c", "a", "d", "b"] {
        let (status, _) = server.post("/v1/identities", json!({"id": id})).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let ids = |page: &Value| -> Vec<String> {
        page["identities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, page) = server.get("/v1/identities?limit=3").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&page), ["a", "b", "c"]);
    assert_eq!(page["has_more"], true);
    let (_, page) = server.get("/v1/identities?limit=3&after=c").await;
    assert_eq!(ids(&page), ["d"]);
    assert_eq!(page["has_more"], false);
    let (_, page) = server.get("/v1/identities").await;
    assert_eq!(ids(&page), ["a", "b", "c", "d"]);
    assert_eq!(page["has_more"], false);

    for query in ["limit=0", "limit=1001"] {
        let (status, body) = server.get(&format!("/v1/identities?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(error_code(&body), "invalid_query");
    }
    let (status, body) = server.get("/v1/identities?offset=2").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "invalid_query");
}

#[tokio::test]
async fn identity_refusals_are_404_409_and_422_and_store_nothing() {
    let server = start().await;
    server
        .post(
            "/v1/identities",
            json!({"id": "ana", "channel_addresses": {"sms": ["+1"]}}),
        )
        .await;
    let before = server.kit.list_identities(None, 100).await.unwrap();

    let cases = [
        (
            Method::GET,
            "/v1/identities/ghost",
            None,
            StatusCode::NOT_FOUND,
            "identity_not_found",
        ),
        (
            Method::POST,
            "/v1/identities/ghost/addresses",
            Some(json!({"channel_type": "sms", "address": "+2"})),
            StatusCode::NOT_FOUND,
            "identity_not_found",
        ),
        (
            Method::POST,
            "/v1/identities",
            Some(json!({"id": "ana"})),
            StatusCode::CONFLICT,
            "identity_exists",
        ),
        (
            Method::POST,
            "/v1/identities",
            Some(json!({"id": "bea", "channel_addresses": {"sms": ["+1"]}})),
            StatusCode::CONFLICT,
            "address_taken",
        ),
        (
            Method::POST,
            "/v1/identities",
            Some(json!({"id": "x".repeat(257)})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            Method::POST,
            "/v1/identities",
            Some(json!({"id": "bea", "channel_addresses": {"sms": [""]}})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            Method::POST,
            "/v1/identities",
            Some(json!({"id": "bea", "nickname": "B"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            Method::POST,
            "/v1/identities/ana/addresses",
            Some(json!({"channel_type": "sms", "address": ""})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            Method::POST,
            "/v1/identities/ana/addresses",
            Some(json!({"channel_type": "sms", "adress": "+3"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            Method::POST,
            "/v1/identities/ana/addresses",
            Some(json!({"channel_type": "sms", "address": "+3", "primary": true})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
    ];
    for (method, path, body, status, code) in cases {
        let (got, answer) = server.call(method.clone(), path, body.clone()).await;
        assert_eq!(
            (got, error_code(&answer)),
            (status, code),
            "{method} {path} {body:?}"
        );
    }
    let (status, answer) = server
        .post(
            "/v1/identities/ana/addresses",
            json!({"channel_type": "sms", "address": "+1"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "linking an address it has is a no-op"
    );
    assert_eq!(answer["channel_addresses"], json!({"sms": ["+1"]}));

    assert_eq!(server.kit.list_identities(None, 100).await.unwrap(), before);
    for (channel_type, address) in [("sms", "+2"), ("sms", "+3")] {
        assert_eq!(
            server
                .kit
                .store()
                .resolve_identity(channel_type, address)
                .await
                .unwrap(),
            None::<Identity>
        );
    }
}

// --- participants ----------------------------------------------------------------------------

#[tokio::test]
async fn a_participant_is_added_read_and_given_a_role_and_status() {
    let server = start().await;
    server.room_with_sms("r").await;
    let (status, added) = server
        .post(
            "/v1/rooms/r/participants",
            json!({"id": "agent-1", "channel_id": "sms", "role": "agent", "display_name": "Bob"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(
        added,
        json!({"id": "agent-1", "room_id": "r", "channel_id": "sms", "display_name": "Bob",
               "role": "agent", "status": "active", "identification": "unknown",
               "connected_via": "sms", "metadata": {}})
    );
    assert_eq!(
        server.get("/v1/rooms/r/participants/agent-1").await,
        (StatusCode::OK, added.clone())
    );

    let (status, changed) = patch(
        &server,
        "/v1/rooms/r/participants/agent-1",
        json!({"role": "owner", "status": "inactive", "metadata": {"shift": "night"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    let mut wanted = Participant::new("agent-1", "r", "sms");
    wanted.display_name = Some("Bob".into());
    wanted.role = ParticipantRole::Owner;
    wanted.status = ParticipantStatus::Inactive;
    wanted.metadata = json!({"shift": "night"}).as_object().unwrap().clone();
    assert_eq!(
        serde_json::from_value::<Participant>(changed).unwrap(),
        wanted
    );
    assert_eq!(
        server
            .kit
            .store()
            .get_participant("r", "agent-1")
            .await
            .unwrap(),
        Some(wanted)
    );
    let (_, list) = server.get("/v1/rooms/r/participants").await;
    assert_eq!(list["participants"].as_array().unwrap().len(), 1);

    for role in ["owner", "agent", "member", "observer", "bot"] {
        let (status, p) = patch(
            &server,
            "/v1/rooms/r/participants/agent-1",
            json!({"role": role}),
        )
        .await;
        assert_eq!((status, p["role"].as_str()), (StatusCode::OK, Some(role)));
    }
    for status_name in ["left", "banned", "active"] {
        let (status, p) = patch(
            &server,
            "/v1/rooms/r/participants/agent-1",
            json!({"status": status_name}),
        )
        .await;
        assert_eq!(
            (status, p["status"].as_str()),
            (StatusCode::OK, Some(status_name))
        );
    }
    assert_eq!(
        participant_records(&server, "r").await,
        [
            (
                "participant_joined".to_owned(),
                json!({"participant_id": "agent-1", "status": "active"})
            ),
            (
                "participant_left".to_owned(),
                json!({"participant_id": "agent-1", "status": "left"})
            ),
            (
                "participant_left".to_owned(),
                json!({"participant_id": "agent-1", "status": "banned"})
            ),
            (
                "participant_joined".to_owned(),
                json!({"participant_id": "agent-1", "status": "active"})
            ),
        ]
    );
}

#[tokio::test]
async fn participant_refusals_are_404_409_and_422_and_change_nothing() {
    let server = start().await;
    server.room_with_sms("r").await;
    server
        .post(
            "/v1/rooms/r/participants",
            json!({"id": "u1", "channel_id": "sms"}),
        )
        .await;
    server.post("/v1/identities", json!({"id": "ana"})).await;
    let before = server.kit.list_participants("r").await.unwrap();
    let count = server.kit.get_room("r").await.unwrap().event_count;

    let cases = [
        (
            Method::GET,
            "/v1/rooms/r/participants/ghost",
            None,
            StatusCode::NOT_FOUND,
            "participant_not_found",
        ),
        (
            Method::GET,
            "/v1/rooms/nope/participants/u1",
            None,
            StatusCode::NOT_FOUND,
            "room_not_found",
        ),
        (
            Method::PATCH,
            "/v1/rooms/r/participants/ghost",
            Some(json!({"status": "banned"})),
            StatusCode::NOT_FOUND,
            "participant_not_found",
        ),
        (
            Method::PATCH,
            "/v1/rooms/nope/participants/u1",
            Some(json!({"status": "banned"})),
            StatusCode::NOT_FOUND,
            "room_not_found",
        ),
        (
            Method::POST,
            "/v1/rooms/r/participants/ghost/resolve",
            Some(json!({"identity_id": "ana"})),
            StatusCode::NOT_FOUND,
            "participant_not_found",
        ),
        (
            Method::POST,
            "/v1/rooms/r/participants/u1/resolve",
            Some(json!({"identity_id": "ghost"})),
            StatusCode::NOT_FOUND,
            "identity_not_found",
        ),
        (
            Method::POST,
            "/v1/rooms/nope/participants",
            Some(json!({"id": "u2", "channel_id": "sms"})),
            StatusCode::NOT_FOUND,
            "room_not_found",
        ),
        (
            Method::POST,
            "/v1/rooms/r/participants",
            Some(json!({"id": "u2", "channel_id": "sms", "identity_id": "ghost"})),
            StatusCode::NOT_FOUND,
            "identity_not_found",
        ),
        (
            Method::POST,
            "/v1/rooms/r/participants",
            Some(json!({"id": "u1", "channel_id": "sms"})),
            StatusCode::CONFLICT,
            "participant_exists",
        ),
        (
            Method::PATCH,
            "/v1/rooms/r/participants/u1",
            Some(json!({"status": "kicked"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            Method::PATCH,
            "/v1/rooms/r/participants/u1",
            Some(json!({"role": "king"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            Method::PATCH,
            "/v1/rooms/r/participants/u1",
            Some(json!({"status": "banned", "identity_id": "ana"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            Method::PATCH,
            "/v1/rooms/r/participants/u1",
            Some(json!({"display_name": ""})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            Method::POST,
            "/v1/rooms/r/participants/u1/resolve",
            Some(json!({"identity": "ana"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            Method::POST,
            "/v1/rooms/r/participants",
            Some(json!({"id": "", "channel_id": "sms"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            Method::POST,
            "/v1/rooms/r/participants",
            Some(json!({"id": "u3", "channel_id": "sms", "banned": true})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
    ];
    for (method, path, body, status, code) in cases {
        let (got, answer) = server.call(method.clone(), path, body.clone()).await;
        assert_eq!(
            (got, error_code(&answer)),
            (status, code),
            "{method} {path} {body:?}"
        );
    }
    assert_eq!(server.kit.list_participants("r").await.unwrap(), before);
    assert_eq!(server.kit.get_room("r").await.unwrap().event_count, count);
}

#[tokio::test]
async fn a_participant_is_resolved_to_an_identity_after_the_fact() {
    let server = start().await;
    server.room_with_sms("r").await;
    server
        .post(
            "/v1/rooms/r/participants",
            json!({"id": "+1555", "channel_id": "sms"}),
        )
        .await;
    server
        .post(
            "/v1/identities",
            json!({"id": "ana", "display_name": "Ana"}),
        )
        .await;

    let (status, resolved) = server
        .post(
            "/v1/rooms/r/participants/+1555/resolve",
            json!({"identity_id": "ana", "resolved_by": "agent-7"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    let mut wanted = Participant::new("+1555", "r", "sms");
    wanted.identification = Identification::Identified;
    wanted.identity_id = Some("ana".into());
    wanted.display_name = Some("Ana".into());
    assert_eq!(
        serde_json::from_value::<Participant>(resolved).unwrap(),
        wanted
    );
    assert_eq!(
        server
            .kit
            .store()
            .get_participant("r", "+1555")
            .await
            .unwrap(),
        Some(wanted)
    );
    assert_eq!(
        participant_records(&server, "r").await,
        [
            (
                "participant_joined".to_owned(),
                json!({"participant_id": "+1555", "status": "active"})
            ),
            (
                "participant_identified".to_owned(),
                json!({"participant_id": "+1555", "identity_id": "ana", "resolved_by": "agent-7"})
            ),
        ]
    );
    // The sender's next message still finds the room and is delivered.
    let result = server.sms_says("r", "it's me").await;
    assert_eq!(result["blocked"], false);
}

#[tokio::test]
async fn a_banned_participants_message_is_stored_blocked_participant_banned() {
    let server = start().await;
    server.room_with_sms("r").await;
    server
        .post("/v1/rooms/r/bindings", json!({"channel_id": "agent-ws"}))
        .await;
    server
        .post(
            "/v1/rooms/r/participants",
            json!({"id": "+1555", "channel_id": "sms", "status": "banned"}),
        )
        .await;

    let result = server.sms_says("r", "hello again").await;
    assert_eq!(result["blocked"], true);
    assert_eq!(result["reason"], "participant_banned");
    let id = result["event"]["id"].as_str().unwrap();
    let stored = server.kit.store().get_event(id).await.unwrap().unwrap();
    assert_eq!(stored.status, EventStatus::Blocked);
    assert_eq!(stored.blocked_by.as_deref(), Some("participant_banned"));
    assert_eq!(
        stored.index,
        server.kit.get_room("r").await.unwrap().event_count - 1
    );
    assert!(stored.delivery_results.is_empty());

    let (status, _) = patch(
        &server,
        "/v1/rooms/r/participants/+1555",
        json!({"status": "active"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let result = server.sms_says("r", "thanks").await;
    assert_eq!(result["blocked"], false);
    assert_eq!(result["event"]["status"], "delivered");
}

// --- tasks -----------------------------------------------------------------------------------

#[tokio::test]
async fn a_task_moves_through_its_statuses_and_a_finished_one_keeps_its_status() {
    let server = start().await;
    server.room_with_sms("r").await;
    let task = Task::new("r", "call back");
    server.kit.store().add_task(&task).await.unwrap();
    let path = format!("/v1/rooms/r/tasks/{}", task.id);

    let (status, started) = patch(
        &server,
        &path,
        json!({"status": "in_progress", "assigned_to": "agent-1"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let wanted = Task {
        status: TaskStatus::InProgress,
        assigned_to: Some("agent-1".into()),
        ..task.clone()
    };
    assert_eq!(serde_json::from_value::<Task>(started).unwrap(), wanted);
    assert_eq!(
        server.kit.store().get_task(&task.id).await.unwrap(),
        Some(wanted.clone())
    );
    assert_eq!(
        server.get(&path).await,
        (StatusCode::OK, serde_json::to_value(&wanted).unwrap())
    );

    let (status, done) = patch(
        &server,
        &path,
        json!({"status": "completed", "description": "refunded", "metadata": {"ticket": 42}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let done: Task = serde_json::from_value(done).unwrap();
    let wanted = Task {
        status: TaskStatus::Completed,
        description: Some("refunded".into()),
        metadata: json!({"ticket": 42}).as_object().unwrap().clone(),
        ..wanted
    };
    assert_eq!(done, wanted);

    let (status, body) = patch(&server, &path, json!({"status": "in_progress"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body,
        json!({"error": {"code": "invalid_transition",
               "message": format!("task {:?} is completed; it cannot become in_progress", task.id)}})
    );
    assert_eq!(
        server.kit.store().get_task(&task.id).await.unwrap(),
        Some(wanted)
    );
    let (_, list) = server.get("/v1/rooms/r/tasks?status=completed").await;
    assert_eq!(list["tasks"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn task_refusals_are_404_409_and_422_and_change_nothing() {
    let server = start().await;
    server.room_with_sms("r").await;
    server.room_with_sms("other").await;
    let task = Task::new("r", "call back");
    server.kit.store().add_task(&task).await.unwrap();
    let theirs = Task::new("other", "not here");
    server.kit.store().add_task(&theirs).await.unwrap();
    let mine = format!("/v1/rooms/r/tasks/{}", task.id);

    let cases = [
        (
            format!("/v1/rooms/r/tasks/{}", theirs.id),
            json!({"status": "completed"}),
            StatusCode::NOT_FOUND,
            "task_not_found",
        ),
        (
            "/v1/rooms/r/tasks/nope".to_owned(),
            json!({"status": "completed"}),
            StatusCode::NOT_FOUND,
            "task_not_found",
        ),
        (
            format!("/v1/rooms/nope/tasks/{}", task.id),
            json!({"status": "completed"}),
            StatusCode::NOT_FOUND,
            "room_not_found",
        ),
        (
            mine.clone(),
            json!({"status": "done"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            mine.clone(),
            json!({"state": "completed"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            mine.clone(),
            json!({"status": "completed", "room_id": "other"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            mine.clone(),
            json!({"title": " "}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
    ];
    for (path, body, status, code) in cases {
        let (got, answer) = patch(&server, &path, body.clone()).await;
        assert_eq!((got, error_code(&answer)), (status, code), "{path} {body}");
    }
    let (status, body) = server.get("/v1/rooms/r/tasks/nope").await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, "task_not_found")
    );
    assert_eq!(
        server.kit.store().get_task(&task.id).await.unwrap(),
        Some(task)
    );
    assert_eq!(
        server.kit.store().get_task(&theirs.id).await.unwrap(),
        Some(theirs)
    );
}
