//! The HTTP and WebSocket surface of the RoomKit host: REST under `/v1` for everything the
//! orchestrator offers, `POST /v1/webhooks/{channel_id}`, the WebSocket endpoint `/v1/ws` with the
//! built-in `websocket` channel type, `/healthz`, `/metrics` and `/v1/openapi.json` (the OpenAPI
//! document generated from the types and the handlers' annotations: [`openapi_document`]). No
//! business logic lives here: every handler calls the kit and maps its errors to JSON
//! (`{"error":{"code":"...","message":"..."}}`).
//!
//! What the host binary provides through traits, so this crate does not depend on the plugin
//! runtime: a [`PluginCatalog`] (what `/v1/plugins` lists), a [`WebhookHandler`] (provider
//! plugins verify and parse webhooks) and a [`ChannelFactory`] (channel types of provider
//! plugins). The endpoints and the WebSocket protocol are described in `docs/api.md`.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use std::sync::Arc;
//! use roomkit_api::{ApiConfig, ApiState, NoChannelTypes, NoPlugins, NoWebhooks, router, serve};
//!
//! let kit = roomkit_kit::RoomKit::new(Arc::new(roomkit_store::MemoryStore::new()));
//! let state = ApiState::new(kit, Arc::new(NoPlugins), Arc::new(NoWebhooks),
//!     Arc::new(NoChannelTypes), ApiConfig::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! serve(listener, router(state), std::future::pending()).await
//! # }
//! ```

mod auth;
mod catalog;
mod channels;
mod config;
mod error;
mod extract;
mod handlers;
mod json_errors;
mod metrics;
mod openapi;
mod routes;
mod server;
pub mod sources;
mod state;
#[cfg(feature = "testing")]
pub mod testing;
mod webhooks;
mod ws;

use std::future::Future;

pub use catalog::{
    NoPlugins, PluginCallStats, PluginCatalog, PluginInfo, PluginLimits, PluginStatus,
};
pub use channels::{
    ChannelFactory, ChannelFactoryError, ChannelInfo, ChannelSpec, NoChannelTypes,
    WEBSOCKET_CHANNEL_TYPE,
};
pub use config::{ApiConfig, ConnectionLimits, DEFAULT_BODY_LIMIT, WebSocketConfig};
pub use error::{ApiError, Result};
pub use extract::{JsonBody, QueryParams};
pub use routes::{openapi_document, router};
pub use server::serve_with;
pub use sources::{SOURCE_TYPES, SourceInfo, SourceSpec, SseSource};
pub use state::ApiState;
pub use webhooks::{
    NoWebhooks, WebhookAnswer, WebhookError, WebhookHandler, WebhookPayload, WebhookRequest,
};

/// Serves the router on the listener with the default [`ConnectionLimits`] until `shutdown`
/// resolves, then stops accepting and lets requests in flight finish. WebSocket sessions
/// outlive it: call [`ApiState::close_websockets`] after it returns, then close the kit.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, router, ConnectionLimits::default(), shutdown).await
}
