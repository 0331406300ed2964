//! Every route, registered in one place. Each handler's `#[utoipa::path]` annotation gives its
//! method, path and responses; `routes!` registers the handler under that method and path and
//! adds the annotation to the OpenAPI document, so the document cannot miss a route the router
//! serves.

use axum::extract::DefaultBodyLimit;
use axum::{Extension, Router, middleware};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::handlers::{bindings, ephemeral, events, identities, room_data, rooms, system};
use crate::openapi::{self, OpenApiJson};
use crate::{ApiState, auth, channels, sources, webhooks, ws};

/// Routes that need no token.
fn open_routes() -> OpenApiRouter<ApiState> {
    let mut open = OpenApiRouter::default()
        .routes(routes!(system::healthz))
        .routes(routes!(system::readyz))
        .routes(routes!(webhooks::receive, webhooks::verify))
        // Authenticates itself: header, `?token=` or a first `auth` message.
        .routes(routes!(ws::upgrade));
    openapi::mark_open(open.get_openapi_mut());
    open
}

/// Routes behind the bearer token (when tokens are configured).
fn protected_routes() -> OpenApiRouter<ApiState> {
    let mut protected = OpenApiRouter::default()
        .routes(routes!(system::metrics))
        .routes(routes!(system::openapi))
        .routes(routes!(rooms::list, rooms::create))
        .routes(routes!(rooms::get))
        .routes(routes!(rooms::close))
        .routes(routes!(rooms::archive))
        .routes(routes!(rooms::pause))
        .routes(routes!(rooms::resume))
        .routes(routes!(rooms::set_timers))
        .routes(routes!(rooms::check_timers))
        .routes(routes!(bindings::list, bindings::attach))
        .routes(routes!(bindings::get, bindings::detach))
        .routes(routes!(bindings::mute))
        .routes(routes!(bindings::unmute))
        .routes(routes!(bindings::set_access))
        .routes(routes!(bindings::set_visibility))
        .routes(routes!(bindings::set_metadata))
        .routes(routes!(bindings::get_read, bindings::mark_read))
        .routes(routes!(channels::list, channels::register))
        .routes(routes!(channels::get, channels::unregister))
        .routes(routes!(sources::list, sources::attach))
        .routes(routes!(sources::get, sources::detach))
        .routes(routes!(identities::list, identities::create))
        .routes(routes!(identities::get))
        .routes(routes!(identities::link_address))
        .routes(routes!(events::inbound))
        .routes(routes!(events::room_message))
        .routes(routes!(events::send, events::timeline))
        .routes(routes!(events::get))
        .routes(routes!(room_data::participants, room_data::add_participant))
        .routes(routes!(
            room_data::participant,
            room_data::update_participant
        ))
        .routes(routes!(room_data::resolve_participant))
        .routes(routes!(room_data::tasks))
        .routes(routes!(room_data::task, room_data::update_task))
        .routes(routes!(room_data::observations))
        .routes(routes!(ephemeral::typing))
        .routes(routes!(ephemeral::presence))
        .routes(routes!(ephemeral::read_receipt))
        .routes(routes!(system::plugins))
        .routes(routes!(system::plugin));
    openapi::mark_protected(protected.get_openapi_mut());
    protected
}

/// The OpenAPI document of every route [`router`] serves.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    openapi::document(open_routes().merge(protected_routes()).into_openapi())
}

/// The API over `state`: every route, the token check on those that need it, the body limit,
/// JSON errors for unknown routes and methods, and the OpenAPI document of it all.
pub fn router(state: ApiState) -> Router {
    let protected = protected_routes().route_layer(middleware::from_fn_with_state(
        state.clone(),
        auth::require_token,
    ));
    let (router, paths) = open_routes().merge(protected).split_for_parts();
    let document = openapi::document(paths);
    let json = serde_json::to_string(&document).unwrap_or_else(|err| {
        // The document is plain data; serialising it cannot fail, but an empty object is a
        // better answer than no server.
        tracing::error!(%err, "the OpenAPI document does not serialise");
        "{}".to_owned()
    });
    router
        .fallback(system::no_route)
        .method_not_allowed_fallback(system::wrong_method)
        .layer(Extension(OpenApiJson(json.into())))
        .layer(DefaultBodyLimit::max(state.config().body_limit))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            state.config().connections.body_read_timeout,
        ))
        .layer(middleware::from_fn(crate::json_errors::json_errors))
        .with_state(state)
}
