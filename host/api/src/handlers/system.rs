//! Health, metrics, the OpenAPI document and plugins.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::catalog::PluginInfo;
use crate::{ApiError, ApiState, Result};

/// The OpenAPI 3 document of this API.
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

/// `GET /healthz`: 200 `{"status":"ok"}` while the host accepts work, 503 once it is closing.
/// Needs no token.
pub(crate) async fn healthz(State(state): State<ApiState>) -> Response {
    if state.kit().is_closed() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": "closing"})),
        )
            .into_response()
    } else {
        Json(serde_json::json!({"status": "ok"})).into_response()
    }
}

/// `GET /metrics`: Prometheus text.
pub(crate) async fn metrics(State(state): State<ApiState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics_text(),
    )
        .into_response()
}

/// `GET /v1/openapi.json`: this API's OpenAPI 3 document.
pub(crate) async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON).into_response()
}

#[derive(Debug, Serialize)]
pub(crate) struct PluginList {
    plugins: Vec<PluginInfo>,
}

/// `GET /v1/plugins`: every plugin with its kind, status, version, limits and call statistics.
pub(crate) async fn plugins(State(state): State<ApiState>) -> Json<PluginList> {
    Json(PluginList {
        plugins: state.catalog().plugins(),
    })
}

/// `GET /v1/plugins/{name}`: one plugin.
pub(crate) async fn plugin(
    State(state): State<ApiState>,
    Path(name): Path<String>,
) -> Result<Json<PluginInfo>> {
    state
        .catalog()
        .plugins()
        .into_iter()
        .find(|p| p.name == name)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("plugin_not_found", format!("no plugin {name:?}")))
}

/// Unknown paths.
pub(crate) async fn no_route() -> ApiError {
    ApiError::not_found("route_not_found", "no such route; see /v1/openapi.json")
}

/// Known paths with another method.
pub(crate) async fn wrong_method() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method; see /v1/openapi.json",
    )
}
