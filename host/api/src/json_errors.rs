//! The last layer of the router: a rejection that is not yet the documented JSON error (an
//! extractor's plain-text answer, such as a path segment that is not UTF-8, or a WebSocket
//! upgrade without its headers) is rewritten as `{"error":{"code","message"}}` with the same
//! status. The text it carried becomes the message.

use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::ApiError;

/// The most of a plain-text rejection kept as the message.
const MAX_MESSAGE_BYTES: usize = 1024;

fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::URI_TOO_LONG => "uri_too_long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_request",
        StatusCode::UPGRADE_REQUIRED => "upgrade_required",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Rewrites a non-JSON error answer as the API's JSON error.
pub(crate) async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let (_, body) = response.into_parts();
    let text = to_bytes(body, MAX_MESSAGE_BYTES * 4)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let mut message: String = text.trim().chars().take(MAX_MESSAGE_BYTES).collect();
    if message.is_empty() {
        message = status
            .canonical_reason()
            .unwrap_or("the request was refused")
            .to_owned();
    }
    let mut answer = ApiError::new(status, code_for(status), message).into_response();
    if answer.status() != status {
        *answer.status_mut() = status;
    }
    answer
}
