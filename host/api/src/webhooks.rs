//! Webhooks: `POST /v1/webhooks/{channel_id}`. The channel's provider (a plugin, through the host
//! binary's [`WebhookHandler`]) checks the signature and parses the payload; every message goes
//! through `process_inbound` on that channel.

use std::sync::Arc;

use async_trait::async_trait;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use roomkit_kit::{InboundMessage, InboundResult};
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
    /// The request's headers (signatures live here).
    pub headers: HeaderMap,
    /// The query string, if any.
    pub query: Option<String>,
    /// The raw body, exactly as received (signatures cover these bytes).
    pub body: Bytes,
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
    /// The inbound messages the payload carries (possibly none, e.g. a status callback).
    async fn parse(&self, request: &WebhookRequest) -> Result<Vec<InboundMessage>, WebhookError>;
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

    async fn parse(&self, _request: &WebhookRequest) -> Result<Vec<InboundMessage>, WebhookError> {
        Ok(Vec::new())
    }
}

/// What a webhook call did: one result per parsed message, in order.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WebhookResponse {
    results: Vec<InboundResult>,
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
/// payload, then each message is processed on the channel. A message's `channel_id` is always
/// the path's, so a provider cannot speak for another channel.
#[utoipa::path(
    post, path = "/v1/webhooks/{channel_id}", tag = "webhooks", operation_id = "receive_webhook",
    summary = "Receive a provider webhook",
    params(("channel_id" = String, Path, description = "Channel id")),
    request_body(content = String, content_type = "*/*", description = "The provider's payload, exactly as it sent it (its signature covers these bytes)"),
    responses(
        (status = OK, description = "One result per parsed message, in order", body = WebhookResponse),
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
) -> Result<(StatusCode, axum::Json<WebhookResponse>)> {
    let handler = Arc::clone(state.webhooks());
    if state.kit().get_channel(&channel_id).is_none() || !handler.accepts(&channel_id) {
        return Err(ApiError::not_found(
            "channel_not_found",
            format!("channel {channel_id:?} does not accept webhooks"),
        ));
    }
    let headers = request.headers().clone();
    let query = request.uri().query().map(str::to_owned);
    let body = read_body(request, &()).await?;
    let request = WebhookRequest {
        channel_id: channel_id.clone(),
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
    let messages = handler.parse(&request).await?;
    let mut results = Vec::with_capacity(messages.len());
    for mut message in messages {
        message.channel_id.clone_from(&channel_id);
        results.push(state.kit().process_inbound(message).await?);
    }
    Ok((StatusCode::OK, axum::Json(WebhookResponse { results })))
}
