//! Extractors whose rejections are [`ApiError`]s: a JSON body (400 malformed, 413 too large, 422
//! well-formed but invalid) and a query string (400).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// A JSON request body. The `Content-Type` is not checked, so `curl -d` works as is; the body
/// limit of the router applies.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

/// Reads the whole body within the router's limit.
pub(crate) async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is larger than the configured limit",
            )
        } else {
            ApiError::bad_request("unreadable_body", rejection.body_text())
        }
    })
}

/// Parses JSON: a syntax error is 400 `malformed_json`; valid JSON of the wrong shape (a missing
/// field, a wrong type, a bad visibility) is 422 `invalid_request`.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "malformed_json",
            "the request body is empty; a JSON object is expected",
        ));
    }
    serde_json::from_slice(bytes).map_err(|err| match err.classify() {
        serde_json::error::Category::Data => ApiError::invalid("invalid_request", err.to_string()),
        _ => ApiError::bad_request(
            "malformed_json",
            format!("the body is not valid JSON: {err}"),
        ),
    })
}

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = read_body(req, state).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// Query parameters; a value of the wrong type is 400 `invalid_query`.
#[derive(Debug, Clone)]
pub struct QueryParams<T>(pub T);

impl<S, T> FromRequestParts<S> for QueryParams<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| QueryParams(q))
            .map_err(|rejection| ApiError::bad_request("invalid_query", rejection.body_text()))
    }
}
