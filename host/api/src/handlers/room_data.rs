//! What a room holds besides events: participants (added, resolved to an identity after the
//! fact, given roles and statuses), tasks (moved through their statuses), observations.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use roomkit_kit::{ParticipantUpdate, TaskUpdate};
use roomkit_model::{
    Metadata, Observation, Participant, ParticipantRole, ParticipantStatus, Task, TaskStatus,
};
use serde::{Deserialize, Serialize};

use crate::extract::{JsonBody, QueryParams};
use crate::{ApiState, Result};

#[derive(Debug, Serialize)]
pub(crate) struct Participants {
    participants: Vec<Participant>,
}

/// `GET /v1/rooms/{room_id}/participants`: who takes part in the room.
pub(crate) async fn participants(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
) -> Result<Json<Participants>> {
    state.kit().get_room(&room_id).await?;
    Ok(Json(Participants {
        participants: state.kit().list_participants(&room_id).await?,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddParticipant {
    id: String,
    channel_id: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    role: ParticipantRole,
    #[serde(default)]
    status: ParticipantStatus,
    #[serde(default)]
    identity_id: Option<String>,
    #[serde(default)]
    metadata: Metadata,
}

/// `POST /v1/rooms/{room_id}/participants`: adds a participant (201; 409 `participant_exists`);
/// with `identity_id` (which must exist) it is identified. The room stores a
/// `participant_joined` record.
pub(crate) async fn add_participant(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
    JsonBody(body): JsonBody<AddParticipant>,
) -> Result<(StatusCode, Json<Participant>)> {
    let participant = Participant {
        display_name: body.display_name,
        role: body.role,
        status: body.status,
        identity_id: body.identity_id,
        metadata: body.metadata,
        ..Participant::new(body.id, room_id, body.channel_id)
    };
    let participant = state.kit().add_participant(participant).await?;
    Ok((StatusCode::CREATED, Json(participant)))
}

/// `GET /v1/rooms/{room_id}/participants/{participant_id}`: one participant.
pub(crate) async fn participant(
    State(state): State<ApiState>,
    Path((room_id, participant_id)): Path<(String, String)>,
) -> Result<Json<Participant>> {
    Ok(Json(
        state
            .kit()
            .get_participant(&room_id, &participant_id)
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateParticipant {
    #[serde(default)]
    role: Option<ParticipantRole>,
    #[serde(default)]
    status: Option<ParticipantStatus>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    metadata: Option<Metadata>,
}

/// `PATCH /v1/rooms/{room_id}/participants/{participant_id}`: sets the participant's `role`,
/// `status`, `display_name` or `metadata` (absent fields stay). A `banned` participant's
/// messages are stored blocked `participant_banned`; moving to left or banned stores a
/// `participant_left` record, moving back a `participant_joined` record.
pub(crate) async fn update_participant(
    State(state): State<ApiState>,
    Path((room_id, participant_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<UpdateParticipant>,
) -> Result<Json<Participant>> {
    let update = ParticipantUpdate {
        role: body.role,
        status: body.status,
        display_name: body.display_name,
        metadata: body.metadata,
    };
    Ok(Json(
        state
            .kit()
            .update_participant(&room_id, &participant_id, update)
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResolveParticipant {
    identity_id: String,
    #[serde(default)]
    resolved_by: Option<String>,
}

/// `POST /v1/rooms/{room_id}/participants/{participant_id}/resolve`: resolves a (pending or
/// unknown) participant to an identity after the fact (`resolve_participant`): it becomes
/// identified and the room stores a `participant_identified` record naming `resolved_by`
/// (default `manual`). 404 `participant_not_found` or `identity_not_found`.
pub(crate) async fn resolve_participant(
    State(state): State<ApiState>,
    Path((room_id, participant_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<ResolveParticipant>,
) -> Result<Json<Participant>> {
    let resolved_by = body.resolved_by.as_deref().unwrap_or("manual");
    Ok(Json(
        state
            .kit()
            .resolve_participant(&room_id, &participant_id, &body.identity_id, resolved_by)
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TaskQuery {
    status: Option<TaskStatus>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Tasks {
    tasks: Vec<Task>,
}

/// `GET /v1/rooms/{room_id}/tasks`: the room's tasks, optionally only those with `status`.
pub(crate) async fn tasks(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
    QueryParams(q): QueryParams<TaskQuery>,
) -> Result<Json<Tasks>> {
    state.kit().get_room(&room_id).await?;
    Ok(Json(Tasks {
        tasks: state.kit().list_tasks(&room_id, q.status).await?,
    }))
}

#[derive(Debug, Serialize)]
pub(crate) struct Observations {
    observations: Vec<Observation>,
}

/// `GET /v1/rooms/{room_id}/observations`: what hooks and channels observed in the room.
pub(crate) async fn observations(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
) -> Result<Json<Observations>> {
    state.kit().get_room(&room_id).await?;
    Ok(Json(Observations {
        observations: state.kit().list_observations(&room_id).await?,
    }))
}

/// `GET /v1/rooms/{room_id}/tasks/{task_id}`: one task of the room.
pub(crate) async fn task(
    State(state): State<ApiState>,
    Path((room_id, task_id)): Path<(String, String)>,
) -> Result<Json<Task>> {
    Ok(Json(state.kit().get_task(&room_id, &task_id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateTask {
    #[serde(default)]
    status: Option<TaskStatus>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    assigned_to: Option<String>,
    #[serde(default)]
    metadata: Option<Metadata>,
}

/// `PATCH /v1/rooms/{room_id}/tasks/{task_id}`: sets the task's `status`, `title`,
/// `description`, `assigned_to` or `metadata` (absent fields stay). An unfinished task may
/// take any status (pending → in_progress → completed, …); a finished one (completed, failed,
/// cancelled) keeps its status: asking for another is 409 `invalid_transition`.
pub(crate) async fn update_task(
    State(state): State<ApiState>,
    Path((room_id, task_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<UpdateTask>,
) -> Result<Json<Task>> {
    let update = TaskUpdate {
        status: body.status,
        title: body.title,
        description: body.description,
        assigned_to: body.assigned_to,
        metadata: body.metadata,
    };
    Ok(Json(
        state.kit().update_task(&room_id, &task_id, update).await?,
    ))
}
