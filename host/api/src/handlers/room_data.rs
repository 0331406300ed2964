//! What a room holds besides events: participants, tasks, observations.

use axum::Json;
use axum::extract::{Path, State};
use roomkit_model::{Observation, Participant, Task, TaskStatus};
use serde::{Deserialize, Serialize};

use crate::extract::QueryParams;
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
