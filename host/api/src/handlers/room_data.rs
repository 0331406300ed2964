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
use utoipa::{IntoParams, ToSchema};

use crate::error::ErrorBody;
use crate::extract::{JsonBody, QueryParams};
use crate::{ApiState, Result};

/// Who takes part in a room.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Participants {
    participants: Vec<Participant>,
}

/// `GET /v1/rooms/{room_id}/participants`: who takes part in the room.
#[utoipa::path(
    get, path = "/v1/rooms/{room_id}/participants", tag = "rooms", operation_id = "list_participants",
    summary = "List the room's participants",
    params(("room_id" = String, Path, description = "Room id")),
    responses(
        (status = OK, description = "The participants", body = Participants),
        (status = NOT_FOUND, description = "No such room (`room_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn participants(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
) -> Result<Json<Participants>> {
    state.kit().get_room(&room_id).await?;
    Ok(Json(Participants {
        participants: state.kit().list_participants(&room_id).await?,
    }))
}

/// A participant to add to a room.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddParticipant {
    /// Unique id within the room.
    id: String,
    /// The channel they speak through.
    channel_id: String,
    /// Shown name.
    #[serde(default)]
    display_name: Option<String>,
    /// Their role (default `member`).
    #[serde(default)]
    role: ParticipantRole,
    /// Their status (default `active`; `banned` bans a sender before they speak).
    #[serde(default)]
    status: ParticipantStatus,
    /// An existing identity: the participant is then identified.
    #[serde(default)]
    identity_id: Option<String>,
    /// Free-form data.
    #[serde(default)]
    #[schema(value_type = Object)]
    metadata: Metadata,
}

/// `POST /v1/rooms/{room_id}/participants`
///
/// Adds a participant (201; 409 `participant_exists`): an explicit join, e.g. to set a role or
/// to ban a sender before they speak. With `identity_id` (which must exist) it is identified.
/// The room stores a `participant_joined` record.
#[utoipa::path(
    post, path = "/v1/rooms/{room_id}/participants", tag = "rooms", operation_id = "add_participant",
    summary = "Add a participant",
    params(("room_id" = String, Path, description = "Room id")),
    request_body = AddParticipant,
    responses(
        (status = CREATED, description = "Added", body = Participant),
        (status = NOT_FOUND, description = "No such room or identity (`room_not_found`, `identity_not_found`)", body = ErrorBody),
        (status = CONFLICT, description = "The room has this participant already (`participant_exists`)", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "An id that is empty, longer than 256 bytes or holds control characters, or an empty name (`validation_failed`)", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "Shutting down or the store failed (`shutting_down`, `storage_unavailable`)", body = ErrorBody),
    ),
)]
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
#[utoipa::path(
    get, path = "/v1/rooms/{room_id}/participants/{participant_id}", tag = "rooms",
    operation_id = "get_participant", summary = "One participant",
    params(("room_id" = String, Path, description = "Room id"), ("participant_id" = String, Path, description = "Participant id")),
    responses(
        (status = OK, description = "The participant", body = Participant),
        (status = NOT_FOUND, description = "No such room or participant (`room_not_found`, `participant_not_found`)", body = ErrorBody),
    ),
)]
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

/// What to change on a participant; absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateParticipant {
    /// Their new role.
    #[serde(default)]
    role: Option<ParticipantRole>,
    /// Their new status.
    #[serde(default)]
    status: Option<ParticipantStatus>,
    /// Their new shown name.
    #[serde(default)]
    display_name: Option<String>,
    /// New free-form data, replacing the old.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    metadata: Option<Metadata>,
}

/// `PATCH /v1/rooms/{room_id}/participants/{participant_id}`
///
/// Sets the participant's `role`, `status`, `display_name` or `metadata` (absent fields stay).
/// A `banned` participant's messages are stored blocked `participant_banned`; moving to left or
/// banned stores a `participant_left` record, moving back a `participant_joined` record.
#[utoipa::path(
    patch, path = "/v1/rooms/{room_id}/participants/{participant_id}", tag = "rooms",
    operation_id = "update_participant",
    summary = "Set a participant's role, status, name or metadata",
    params(("room_id" = String, Path, description = "Room id"), ("participant_id" = String, Path, description = "Participant id")),
    request_body = UpdateParticipant,
    responses(
        (status = OK, description = "The participant", body = Participant),
        (status = NOT_FOUND, description = "No such room or participant (`room_not_found`, `participant_not_found`)", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "An id that is empty, longer than 256 bytes or holds control characters, or an empty name (`validation_failed`)", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "Shutting down or the store failed (`shutting_down`, `storage_unavailable`)", body = ErrorBody),
    ),
)]
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

/// The identity a participant turns out to be.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResolveParticipant {
    /// An existing identity.
    identity_id: String,
    /// Who resolved it, named in the `participant_identified` record (default `manual`).
    #[serde(default)]
    #[schema(default = "manual")]
    resolved_by: Option<String>,
}

/// `POST /v1/rooms/{room_id}/participants/{participant_id}/resolve`
///
/// Resolves a (pending or unknown) participant to an identity after the fact
/// (`resolve_participant`): it becomes identified (and takes the identity's display name), the
/// room stores a `participant_identified` record naming `resolved_by` (default `manual`) and
/// ON_PARTICIPANT_IDENTIFIED hooks run. Resolving to the identity it has already changes
/// nothing.
#[utoipa::path(
    post, path = "/v1/rooms/{room_id}/participants/{participant_id}/resolve", tag = "rooms",
    operation_id = "resolve_participant",
    summary = "Resolve a participant to an identity after the fact",
    params(("room_id" = String, Path, description = "Room id"), ("participant_id" = String, Path, description = "Participant id")),
    request_body = ResolveParticipant,
    responses(
        (status = OK, description = "The participant", body = Participant),
        (status = NOT_FOUND, description = "No such room, participant or identity (`room_not_found`, `participant_not_found`, `identity_not_found`)", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "Shutting down or the store failed (`shutting_down`, `storage_unavailable`)", body = ErrorBody),
    ),
)]
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

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct TaskQuery {
    /// Only tasks in this state.
    status: Option<TaskStatus>,
}

/// A room's tasks.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Tasks {
    tasks: Vec<Task>,
}

/// `GET /v1/rooms/{room_id}/tasks`: the room's tasks, optionally only those with `status`.
#[utoipa::path(
    get, path = "/v1/rooms/{room_id}/tasks", tag = "rooms", operation_id = "list_tasks",
    summary = "List the room's tasks",
    params(("room_id" = String, Path, description = "Room id"), TaskQuery),
    responses(
        (status = OK, description = "The tasks", body = Tasks),
        (status = NOT_FOUND, description = "No such room (`room_not_found`)", body = ErrorBody),
    ),
)]
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

/// A room's observations.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Observations {
    observations: Vec<Observation>,
}

/// `GET /v1/rooms/{room_id}/observations`: what hooks and channels observed in the room.
#[utoipa::path(
    get, path = "/v1/rooms/{room_id}/observations", tag = "rooms", operation_id = "list_observations",
    summary = "List the room's observations",
    params(("room_id" = String, Path, description = "Room id")),
    responses(
        (status = OK, description = "The observations", body = Observations),
        (status = NOT_FOUND, description = "No such room (`room_not_found`)", body = ErrorBody),
    ),
)]
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
#[utoipa::path(
    get, path = "/v1/rooms/{room_id}/tasks/{task_id}", tag = "rooms", operation_id = "get_task",
    summary = "One task",
    params(("room_id" = String, Path, description = "Room id"), ("task_id" = String, Path, description = "Task id")),
    responses(
        (status = OK, description = "The task", body = Task),
        (status = NOT_FOUND, description = "No such room or task (`room_not_found`, `task_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn task(
    State(state): State<ApiState>,
    Path((room_id, task_id)): Path<(String, String)>,
) -> Result<Json<Task>> {
    Ok(Json(state.kit().get_task(&room_id, &task_id).await?))
}

/// What to change on a task; absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateTask {
    /// Its new status (a finished task keeps its own).
    #[serde(default)]
    status: Option<TaskStatus>,
    /// Its new title (not empty).
    #[serde(default)]
    title: Option<String>,
    /// Its new description.
    #[serde(default)]
    description: Option<String>,
    /// Who should do it now.
    #[serde(default)]
    assigned_to: Option<String>,
    /// New free-form data, replacing the old.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    metadata: Option<Metadata>,
}

/// `PATCH /v1/rooms/{room_id}/tasks/{task_id}`
///
/// Sets the task's `status`, `title`, `description`, `assigned_to` or `metadata` (absent fields
/// stay). An unfinished task may take any status (pending → in_progress → completed, …); a
/// finished one (completed, failed, cancelled) keeps its status: asking for another is 409
/// `invalid_transition`.
#[utoipa::path(
    patch, path = "/v1/rooms/{room_id}/tasks/{task_id}", tag = "rooms", operation_id = "update_task",
    summary = "Update a task",
    params(("room_id" = String, Path, description = "Room id"), ("task_id" = String, Path, description = "Task id")),
    request_body = UpdateTask,
    responses(
        (status = OK, description = "The task", body = Task),
        (status = NOT_FOUND, description = "No such room or task (`room_not_found`, `task_not_found`)", body = ErrorBody),
        (status = CONFLICT, description = "A finished task (completed, failed, cancelled) keeps its status (`invalid_transition`)", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "An empty title (`validation_failed`)", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "Shutting down or the store failed (`shutting_down`, `storage_unavailable`)", body = ErrorBody),
    ),
)]
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
