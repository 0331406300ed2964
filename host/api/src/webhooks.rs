//! Webhooks: `POST` (and `GET`, for services that check a URL before using it)
//! `/v1/webhooks/{channel_id}`. The channel's provider (a plugin, through the host binary's
//! [`WebhookHandler`]) checks the signature and parses the payload; every message goes through
//! `process_inbound` on that channel, every delivery status updates the delivered event, and the
//! service gets the answer its provider asked for (or the host's JSON summary).

use std::sync::Arc;

use async_trait::async_trait;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use roomkit_kit::{InboundMessage, InboundResult, ReceiptOutcome, StatusUpdate};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ErrorBody;
use crate::extract::read_body;
use crate::{ApiError, ApiState, Result};

/// A webhook call as the provider sees it.
#[derive(Debug, Clone)]
pub struct WebhookRequest {
    /// The channel in the path.
    pub channel_id: String,
    /// `POST`, or `GET` for a verification handshake.
    pub method: Method,
    /// The path the service called (`/v1/webhooks/{channel_id}`), without the query.
    pub path: String,
    /// The request's headers (signatures live here).
    pub headers: HeaderMap,
    /// The query string, if any.
    pub query: Option<String>,
    /// The raw body, exactly as received (signatures cover these bytes).
    pub body: Bytes,
}

/// The answer a service expects to a webhook (a handshake's challenge, TwiML, an empty 200).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAnswer {
    /// The status code.
    pub status: StatusCode,
    /// Its content type, if any.
    pub content_type: Option<String>,
    /// Its body.
    pub body: Vec<u8>,
}

/// What a verified webhook carries.
#[derive(Debug, Clone, Default)]
pub struct WebhookPayload {
    /// Messages from people (possibly none).
    pub messages: Vec<InboundMessage>,
    /// Delivery statuses of messages the host sent.
    pub status_updates: Vec<StatusUpdate>,
    /// The answer the service expects; none: the host's JSON summary.
    pub answer: Option<WebhookAnswer>,
}

impl WebhookPayload {
    /// A payload of messages only.
    pub fn messages(messages: Vec<InboundMessage>) -> Self {
        WebhookPayload {
            messages,
            ..WebhookPayload::default()
        }
    }
}

/// Why a webhook could not be handled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The payload is not something the provider understands (answered 400).
    #[error("{0}")]
    InvalidPayload(String),
    /// The provider itself failed (a trap, a limit; answered 502).
    #[error("{0}")]
    ProviderFailed(String),
}

/// Verifies and parses webhooks of the channels whose provider accepts them.
#[async_trait]
pub trait WebhookHandler: Send + Sync {
    /// Whether the channel accepts webhooks (false → 404 `channel_not_found`).
    fn accepts(&self, channel_id: &str) -> bool;
    /// Whether the request's signature is valid; false → 401 and nothing is stored.
    async fn verify(&self, request: &WebhookRequest) -> Result<bool, WebhookError>;
    /// What the payload carries: messages, delivery statuses, the answer the service expects.
    async fn parse(&self, request: &WebhookRequest) -> Result<WebhookPayload, WebhookError>;
}

/// A handler for a host with no webhook channels.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoWebhooks;

#[async_trait]
impl WebhookHandler for NoWebhooks {
    fn accepts(&self, _channel_id: &str) -> bool {
        false
    }

    async fn verify(&self, _request: &WebhookRequest) -> Result<bool, WebhookError> {
        Ok(false)
    }

    async fn parse(&self, _request: &WebhookRequest) -> Result<WebhookPayload, WebhookError> {
        Ok(WebhookPayload::default())
    }
}

/// What a webhook call did: one result per parsed message, in order, and what became of the
/// delivery statuses it carried.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WebhookResponse {
    results: Vec<InboundResult>,
    /// Statuses applied to a delivered event.
    receipts_applied: usize,
    /// Statuses about messages this host did not deliver (dropped).
    receipts_unknown: usize,
}

impl From<WebhookError> for ApiError {
    fn from(err: WebhookError) -> Self {
        match err {
            WebhookError::InvalidPayload(message) => {
                ApiError::bad_request("invalid_webhook_payload", message)
            }
            WebhookError::ProviderFailed(message) => {
                tracing::warn!(%message, "webhook provider failed");
                ApiError::new(StatusCode::BAD_GATEWAY, "provider_failed", message)
            }
        }
    }
}

/// `POST /v1/webhooks/{channel_id}`
///
/// No bearer token: the channel's provider verifies the request's signature, parses the
/// payload, then each message is processed on the channel up to its commit (delivery and AI
/// answers go on after the answer) and each delivery status updates the event it is about. A message's `channel_id` is always the path's, so a provider cannot speak
/// for another channel. When the provider names the answer its service expects (TwiML, an
/// empty 200), that is the answer; otherwise the JSON summary below. With `?wait=delivery`
/// (the query also reaches the provider) the answer waits for delivery and the AI answers, and
/// the results carry them, as `POST /v1/inbound` does.
#[utoipa::path(
    post, path = "/v1/webhooks/{channel_id}", tag = "webhooks", operation_id = "receive_webhook",
    summary = "Receive a provider webhook",
    params(("channel_id" = String, Path, description = "Channel id")),
    request_body(content = String, content_type = "*/*", description = "The provider's payload, exactly as it sent it (its signature covers these bytes)"),
    responses(
        (status = OK, description = "One result per parsed message, in order (or the answer the provider names)", body = WebhookResponse),
        (status = BAD_REQUEST, description = "The provider cannot parse the payload (`invalid_webhook_payload`)", body = ErrorBody),
        (status = UNAUTHORIZED, description = "The signature is not valid (`invalid_signature`); nothing is stored", body = ErrorBody),
        (status = NOT_FOUND, description = "The channel does not accept webhooks (`channel_not_found`)", body = ErrorBody),
        (status = PAYLOAD_TOO_LARGE, description = "The body is larger than the limit (`payload_too_large`)", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "A parsed message the model refuses (`validation_failed`)", body = ErrorBody),
        (status = BAD_GATEWAY, description = "The provider failed (`provider_failed`)", body = ErrorBody),
    ),
)]
pub(crate) async fn receive(
    State(state): State<ApiState>,
    Path(channel_id): Path<String>,
    request: Request,
) -> Result<Response> {
    handle(state, channel_id, request).await
}

/// `GET /v1/webhooks/{channel_id}`
///
/// A service's check of the URL before it sends to it (Meta's `hub.challenge`, for one): the
/// provider verifies it and names the answer.
#[utoipa::path(
    get, path = "/v1/webhooks/{channel_id}", tag = "webhooks", operation_id = "verify_webhook",
    summary = "Answer a provider's URL check",
    params(("channel_id" = String, Path, description = "Channel id")),
    responses(
        (status = OK, description = "The answer the provider names (a challenge echoed, for one)", body = String),
        (status = UNAUTHORIZED, description = "The check is not valid (`invalid_signature`)", body = ErrorBody),
        (status = NOT_FOUND, description = "The channel does not accept webhooks (`channel_not_found`)", body = ErrorBody),
        (status = BAD_GATEWAY, description = "The provider failed (`provider_failed`)", body = ErrorBody),
    ),
)]
pub(crate) async fn verify(
    State(state): State<ApiState>,
    Path(channel_id): Path<String>,
    request: Request,
) -> Result<Response> {
    handle(state, channel_id, request).await
}

async fn handle(state: ApiState, channel_id: String, request: Request) -> Result<Response> {
    let handler = Arc::clone(state.webhooks());
    if state.kit().get_channel(&channel_id).is_none() || !handler.accepts(&channel_id) {
        return Err(ApiError::not_found(
            "channel_not_found",
            format!("channel {channel_id:?} does not accept webhooks"),
        ));
    }
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let headers = request.headers().clone();
    let query = request.uri().query().map(str::to_owned);
    let body = read_body(request, &()).await?;
    let request = WebhookRequest {
        channel_id: channel_id.clone(),
        method,
        path,
        headers,
        query,
        body,
    };
    if !handler.verify(&request).await? {
        state.metrics().webhook_rejected(&channel_id);
        return Err(ApiError::unauthorized(
            "invalid_signature",
            format!("the webhook signature is not valid for channel {channel_id:?}"),
        ));
    }
    let payload = handler.parse(&request).await?;
    let wait_for_delivery = request
        .query
        .as_deref()
        .is_some_and(|q| q.split('&').any(|pair| pair == "wait=delivery"));
    let mut results = Vec::with_capacity(payload.messages.len());
    for mut message in payload.messages {
        message.channel_id.clone_from(&channel_id);
        // Answered once stored: delivery and AI answers go on after the service has its
        // answer, so a slow model cannot make it time out and send again.
        let result = if wait_for_delivery {
            state.kit().process_inbound(message).await?
        } else {
            state.kit().process_inbound_until_commit(message).await?
        };
        results.push(result);
    }
    let (mut receipts_applied, mut receipts_unknown) = (0, 0);
    for update in payload.status_updates {
        match state.kit().apply_status_update(&channel_id, update).await? {
            ReceiptOutcome::Applied { .. } => receipts_applied += 1,
            ReceiptOutcome::Unknown => receipts_unknown += 1,
        }
    }
    Ok(match payload.answer {
        Some(answer) => answer_response(answer),
        None => axum::Json(WebhookResponse {
            results,
            receipts_applied,
            receipts_unknown,
        })
        .into_response(),
    })
}

fn answer_response(answer: WebhookAnswer) -> Response {
    let mut response = (answer.status, answer.body).into_response();
    let content_type = answer
        .content_type
        .and_then(|text| HeaderValue::from_str(&text).ok());
    match content_type {
        Some(value) => {
            response.headers_mut().insert(header::CONTENT_TYPE, value);
        }
        None => {
            response.headers_mut().remove(header::CONTENT_TYPE);
        }
    }
    response
}
