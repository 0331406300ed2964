//! Health, metrics, the OpenAPI document and plugins.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Serialize;
use utoipa::ToSchema;

use crate::catalog::PluginInfo;
use crate::error::ErrorBody;
use crate::openapi::OpenApiJson;
use crate::{ApiError, ApiState, Result};

/// Whether the host accepts work.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Health {
    status: HealthStatus,
}

/// `ok` while the host accepts work, `closing` once it shuts down.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum HealthStatus {
    Ok,
    Closing,
}

/// `GET /healthz`: 200 `{"status":"ok"}` while the host accepts work, 503 once it is closing.
/// Needs no token.
#[utoipa::path(
    get, path = "/healthz", tag = "system", operation_id = "healthz", summary = "Health",
    responses(
        (status = OK, description = "Accepting work: `{\"status\":\"ok\"}`", body = Health),
        (status = SERVICE_UNAVAILABLE, description = "Closing: `{\"status\":\"closing\"}`", body = Health),
    )
)]
pub(crate) async fn healthz(State(state): State<ApiState>) -> Response {
    if state.kit().is_closed() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                status: HealthStatus::Closing,
            }),
        )
            .into_response()
    } else {
        Json(Health {
            status: HealthStatus::Ok,
        })
        .into_response()
    }
}

/// Whether the host can serve: its store answers and every plugin it needs is loaded.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Readiness {
    /// `ready` or `not_ready`.
    status: &'static str,
    /// What is missing (empty when ready).
    reasons: Vec<String>,
}

/// `GET /readyz`: 200 `{"status":"ready","reasons":[]}` when the host accepts work, its store
/// answers a read and every required plugin (the identity resolver, the inbound router, the
/// providers of configured channels) is loaded; 503 with the reasons otherwise. Needs no token.
#[utoipa::path(
    get, path = "/readyz", tag = "system", operation_id = "readyz", summary = "Readiness",
    responses(
        (status = OK, description = "Ready", body = Readiness),
        (status = SERVICE_UNAVAILABLE, description = "Not ready, with the reasons (closing, the store failing, a required plugin not loaded)", body = Readiness),
    )
)]
pub(crate) async fn readyz(State(state): State<ApiState>) -> Response {
    let mut reasons = Vec::new();
    if state.kit().is_closed() {
        reasons.push("the host is closing".to_owned());
    }
    if let Err(err) = state.kit().store().get_room("readyz").await {
        reasons.push(format!("the store does not answer: {err}"));
    }
    let required = state.required_plugins();
    if !required.is_empty() {
        let plugins = state.catalog().plugins();
        for name in required {
            match plugins.iter().find(|p| p.name == name) {
                None => reasons.push(format!("plugin {name} is not in the plugin directory")),
                Some(p) if p.status != crate::catalog::PluginStatus::Loaded => {
                    let status = match p.status {
                        crate::catalog::PluginStatus::Failed => "failed",
                        _ => "suspended",
                    };
                    let cause = p.error.as_deref().map(|e| format!(": {e}"));
                    reasons.push(format!(
                        "plugin {name} is {status}{}",
                        cause.unwrap_or_default()
                    ));
                }
                Some(_) => {}
            }
        }
    }
    let status = if reasons.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Readiness {
        status: if reasons.is_empty() {
            "ready"
        } else {
            "not_ready"
        },
        reasons,
    };
    (status, Json(body)).into_response()
}

/// `GET /metrics`: Prometheus text.
#[utoipa::path(
    get, path = "/metrics", tag = "system", operation_id = "metrics", summary = "Prometheus metrics",
    responses(
        (status = OK, description = "Prometheus text format 0.0.4", body = String,
            content_type = "text/plain"),
    )
)]
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

/// `GET /v1/openapi.json`: this API's OpenAPI 3.1 document, generated from its types and
/// handlers.
#[utoipa::path(
    get, path = "/v1/openapi.json", tag = "system", operation_id = "openapi",
    summary = "This document",
    responses((status = OK, description = "The OpenAPI 3.1 document", body = Object)),
)]
pub(crate) async fn openapi(Extension(OpenApiJson(json)): Extension<OpenApiJson>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], json).into_response()
}

/// Every plugin the host knows.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PluginList {
    plugins: Vec<PluginInfo>,
}

/// `GET /v1/plugins`: every plugin with its kind, status, version, limits and call statistics.
#[utoipa::path(
    get, path = "/v1/plugins", tag = "plugins", operation_id = "list_plugins",
    summary = "List plugins",
    responses((status = OK, description = "Every plugin, loaded or failed, sorted by name", body = PluginList)),
)]
pub(crate) async fn plugins(State(state): State<ApiState>) -> Json<PluginList> {
    Json(PluginList {
        plugins: state.catalog().plugins(),
    })
}

/// `GET /v1/plugins/{name}`: one plugin.
#[utoipa::path(
    get, path = "/v1/plugins/{name}", tag = "plugins", operation_id = "get_plugin",
    summary = "Get a plugin",
    params(("name" = String, Path, description = "Plugin name (its file stem)")),
    responses(
        (status = OK, description = "The plugin", body = PluginInfo),
        (status = NOT_FOUND, description = "No such plugin (`plugin_not_found`)", body = ErrorBody),
    ),
)]
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
