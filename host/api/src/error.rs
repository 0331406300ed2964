//! The API's one error type: a status, a stable code and a message that says what was wrong with
//! the request, rendered as `{"error":{"code":"...","message":"..."}}`. Internal failures are
//! logged and answered with a generic message.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Result of a handler.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;

/// An error answered to a client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable, machine-readable code (`room_not_found`, `malformed_json`, …).
    pub code: &'static str,
    /// What was wrong, for people.
    pub message: String,
}

/// The body of every error answer: `{"error":{"code":"...","message":"..."}}`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

/// What went wrong.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorDetail<'a> {
    /// A stable, machine-readable code (`room_not_found`, `malformed_json`, …); each route's
    /// responses list the codes it answers.
    code: &'a str,
    /// What was wrong, for people.
    message: &'a str,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 with a code.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 with a code.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 409 with a code.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 422 with a code.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 401: the token is missing or wrong.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 500 with a generic message; the cause is logged, not shown.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed to handle the request; see its log",
        )
    }

    /// `room_not_found` for a room id.
    pub fn room_not_found(room_id: &str) -> Self {
        Self::not_found("room_not_found", format!("no room {room_id:?}"))
    }

    /// The JSON body of this error.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"error": {"code": self.code, "message": self.message}})
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: &self.message,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<roomkit_kit::Error> for ApiError {
    fn from(err: roomkit_kit::Error) -> Self {
        use roomkit_kit::Error as K;
        match err {
            K::ChannelNotRegistered(id) => Self::not_found(
                "channel_not_found",
                format!("no channel {id:?} is registered"),
            ),
            K::ChannelExists(id) => Self::conflict(
                "channel_exists",
                format!("a channel {id:?} is registered already"),
            ),
            K::SourceExists(id) => Self::conflict(
                "source_exists",
                format!("channel {id:?} has a source attached already"),
            ),
            K::RoomNotFound(id) => Self::room_not_found(&id),
            K::NotAttached {
                room_id,
                channel_id,
            } => Self::not_found(
                "binding_not_found",
                format!("channel {channel_id:?} is not attached to room {room_id:?}"),
            ),
            err @ K::InvalidTransition { .. } => {
                Self::conflict("invalid_transition", err.to_string())
            }
            K::ParticipantNotFound {
                room_id,
                participant_id,
            } => Self::not_found(
                "participant_not_found",
                format!("no participant {participant_id:?} in room {room_id:?}"),
            ),
            K::ParticipantExists {
                room_id,
                participant_id,
            } => Self::conflict(
                "participant_exists",
                format!("participant {participant_id:?} is in room {room_id:?} already"),
            ),
            err @ K::InvalidTaskTransition { .. } => {
                Self::conflict("invalid_transition", err.to_string())
            }
            K::Invalid(err) => err.into(),
            K::Store(err) => err.into(),
            K::Closed => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting_down",
                "the host is shutting down and accepts no new work",
            ),
        }
    }
}

impl From<roomkit_store::Error> for ApiError {
    fn from(err: roomkit_store::Error) -> Self {
        use roomkit_store::Error as S;
        match err {
            S::RoomExists(id) => {
                Self::conflict("room_exists", format!("room {id:?} already exists"))
            }
            S::RoomNotFound(id) => Self::room_not_found(&id),
            S::EventExists(id) => {
                Self::conflict("event_exists", format!("event {id:?} already exists"))
            }
            S::EventNotFound(id) => Self::not_found("event_not_found", format!("no event {id:?}")),
            err @ S::EventMoved { .. } => Self::conflict("event_moved", err.to_string()),
            S::BindingNotFound {
                room_id,
                channel_id,
            } => Self::not_found(
                "binding_not_found",
                format!("channel {channel_id:?} is not attached to room {room_id:?}"),
            ),
            S::IdentityExists(id) => {
                Self::conflict("identity_exists", format!("identity {id:?} already exists"))
            }
            S::IdentityNotFound(id) => {
                Self::not_found("identity_not_found", format!("no identity {id:?}"))
            }
            err @ S::AddressTaken { .. } => Self::conflict("address_taken", err.to_string()),
            S::TaskExists(id) => {
                Self::conflict("task_exists", format!("task {id:?} already exists"))
            }
            S::TaskNotFound(id) => Self::not_found("task_not_found", format!("no task {id:?}")),
            err @ S::IndexOutOfRange { .. } => Self::invalid("index_out_of_range", err.to_string()),
            S::Invalid(err) => err.into(),
            err @ S::Corrupt { .. } => Self::internal(&err),
            err @ S::Backend(_) => {
                tracing::error!(%err, "storage failed");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage_unavailable",
                    "the store failed; the request was not applied",
                )
            }
            S::Closed => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting_down",
                "the store is closed; the host is shutting down",
            ),
        }
    }
}

impl From<roomkit_model::ValidationError> for ApiError {
    fn from(err: roomkit_model::ValidationError) -> Self {
        let code = match err {
            roomkit_model::ValidationError::InvalidId { .. } => "invalid_request",
            _ => "validation_failed",
        };
        Self::invalid(code, err.to_string())
    }
}
