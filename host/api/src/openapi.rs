//! The OpenAPI 3.1 document of the API, generated from the types and the handlers'
//! `#[utoipa::path]` annotations (served at `GET /v1/openapi.json`).
//!
//! What every route of a kind answers is added here once rather than written on each handler:
//! routes behind the token answer 401, routes that read a JSON body answer 400, 413 and 422, and
//! routes that read a query string answer 400 for one that does not parse. Open routes carry an
//! empty `security`, so the document's bearer requirement does not apply to them.

use axum::body::Bytes;
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

use crate::error::ErrorBody;

/// The served document, rendered once when the router is built.
#[derive(Debug, Clone)]
pub(crate) struct OpenApiJson(pub(crate) Bytes);

#[derive(OpenApi)]
#[openapi(
    info(
        title = "RoomKit host API",
        description = "REST and WebSocket surface of the RoomKit host. Every error is \
            `{\"error\":{\"code\",\"message\"}}` with a stable `code`; the codes each route \
            answers are listed with its responses. Besides those, any route that reads or \
            writes the store answers 503 `storage_unavailable` when the store fails (the \
            request was not applied) and 500 `internal` when it finds corrupt data; unknown \
            paths answer 404 `route_not_found` and known paths with another method 405 \
            `method_not_allowed`. The WebSocket protocol of `/v1/ws` is described in \
            docs/api.md.",
    ),
    security(("bearer" = [])),
    modifiers(&BearerScheme),
    components(schemas(ErrorBody)),
    tags(
        (name = "system", description = "Health, metrics and this document"),
        (name = "rooms", description = "Rooms and what they hold: participants, tasks, observations"),
        (name = "bindings", description = "Channels attached to rooms"),
        (name = "channels", description = "Channels registered in the host"),
        (name = "sources", description = "Event-driven sources (SSE and WebSocket clients) feeding channels"),
        (name = "identities", description = "People and systems, and the channel addresses they are reachable at"),
        (name = "messages", description = "Inbound messages, sent events and the timeline"),
        (name = "ephemeral", description = "Typing, presence and read receipts: published, never stored"),
        (name = "plugins", description = "The WebAssembly plugins the host runs"),
        (name = "webhooks", description = "Provider webhooks, verified by the channel's provider"),
        (name = "websocket", description = "The realtime WebSocket endpoint"),
    )
)]
struct ApiDoc;

/// The `bearer` security scheme the document's `security` names.
struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "One of the configured API tokens, as `Authorization: Bearer <token>`. \
                         With no token configured the API is open.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The whole document: the shared parts (info, tags, security scheme, error schema) with the
/// paths the router collected.
pub(crate) fn document(paths: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(paths);
    for item in doc.paths.paths.values_mut() {
        for operation in operations(item) {
            add_extractor_responses(operation);
        }
    }
    doc
}

/// Marks the routes that need no token: an empty `security` overrides the document's.
pub(crate) fn mark_open(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        for operation in operations(item) {
            operation.security = Some(Vec::new());
        }
    }
}

/// Adds the token check's answer to the routes behind it.
pub(crate) fn mark_protected(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        for operation in operations(item) {
            add_response(
                operation,
                "401",
                "Missing or invalid token (`missing_token`, `invalid_token`)",
            );
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

/// The answers of the `JsonBody` and `QueryParams` extractors.
fn add_extractor_responses(operation: &mut Operation) {
    let json_body = operation.request_body.as_ref().is_some_and(
        |body| matches!(body, RefOr::T(body) if body.content.contains_key("application/json")),
    );
    if json_body {
        add_response(
            operation,
            "400",
            "The body is empty or not JSON (`malformed_json`)",
        );
        add_response(
            operation,
            "413",
            "The body is larger than the limit (`payload_too_large`)",
        );
        add_response(
            operation,
            "422",
            "Well-formed JSON of the wrong shape: a missing field, a wrong type or an unknown \
             field (`invalid_request`)",
        );
    }
    let query = operation.parameters.iter().flatten().any(|parameter| {
        matches!(parameter, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Query))
    });
    if query {
        add_response(
            operation,
            "400",
            "The query string does not parse: a wrong type or an unknown parameter \
             (`invalid_query`)",
        );
    }
}

/// Adds an error response, or extends the description of the one the route documents.
fn add_response(operation: &mut Operation, status: &str, description: &str) {
    match operation.responses.responses.get_mut(status) {
        Some(RefOr::T(existing)) => {
            if !existing.description.contains(description) {
                existing.description = format!("{description}; {}", existing.description);
            }
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            operation
                .responses
                .responses
                .insert(status.to_owned(), RefOr::T(error_response(description)));
        }
    }
}

/// A response whose body is the API's error.
fn error_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}
