//! Every route, registered in one table. [`ROUTES`] lists them for the OpenAPI sync test; the
//! same macro invocation builds the router, so the list cannot drift from what is served.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;

use crate::handlers::{bindings, ephemeral, events, identities, room_data, rooms, system};
use crate::{ApiState, auth, channels, sources, webhooks, ws};

/// A route of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The method, lowercase as in OpenAPI (`get`, `post`, `put`, `patch`, `delete`).
    pub method: &'static str,
    /// The path, with `{param}` placeholders as in OpenAPI.
    pub path: &'static str,
    /// Whether the route needs a bearer token (when tokens are configured).
    pub needs_token: bool,
}

macro_rules! route_table {
    ($( $method:ident $path:literal $access:ident => $handler:path; )*) => {
        /// Every route the router serves.
        pub const ROUTES: &[Route] = &[
            $( Route {
                method: stringify!($method),
                path: $path,
                needs_token: route_table!(@token $access),
            }, )*
        ];

        /// Adds every route to the open or the protected router.
        fn register(
            mut open: Router<ApiState>,
            mut protected: Router<ApiState>,
        ) -> (Router<ApiState>, Router<ApiState>) {
            $( route_table!(@add open protected $access $method $path $handler); )*
            (open, protected)
        }
    };
    (@token open) => { false };
    (@token token) => { true };
    (@add $open:ident $protected:ident open $method:ident $path:literal $handler:path) => {
        $open = $open.route($path, axum::routing::$method($handler));
    };
    (@add $open:ident $protected:ident token $method:ident $path:literal $handler:path) => {
        $protected = $protected.route($path, axum::routing::$method($handler));
    };
}

route_table! {
    get    "/healthz" open => system::healthz;
    get    "/metrics" token => system::metrics;
    get    "/v1/openapi.json" token => system::openapi;

    get    "/v1/rooms" token => rooms::list;
    post   "/v1/rooms" token => rooms::create;
    get    "/v1/rooms/{room_id}" token => rooms::get;
    post   "/v1/rooms/{room_id}/close" token => rooms::close;
    post   "/v1/rooms/{room_id}/archive" token => rooms::archive;
    post   "/v1/rooms/{room_id}/pause" token => rooms::pause;
    post   "/v1/rooms/{room_id}/resume" token => rooms::resume;
    put    "/v1/rooms/{room_id}/timers" token => rooms::set_timers;
    post   "/v1/timers/check" token => rooms::check_timers;

    get    "/v1/rooms/{room_id}/bindings" token => bindings::list;
    post   "/v1/rooms/{room_id}/bindings" token => bindings::attach;
    get    "/v1/rooms/{room_id}/bindings/{channel_id}" token => bindings::get;
    delete "/v1/rooms/{room_id}/bindings/{channel_id}" token => bindings::detach;
    post   "/v1/rooms/{room_id}/bindings/{channel_id}/mute" token => bindings::mute;
    post   "/v1/rooms/{room_id}/bindings/{channel_id}/unmute" token => bindings::unmute;
    put    "/v1/rooms/{room_id}/bindings/{channel_id}/access" token => bindings::set_access;
    put    "/v1/rooms/{room_id}/bindings/{channel_id}/visibility" token => bindings::set_visibility;
    put    "/v1/rooms/{room_id}/bindings/{channel_id}/metadata" token => bindings::set_metadata;
    get    "/v1/rooms/{room_id}/bindings/{channel_id}/read" token => bindings::get_read;
    post   "/v1/rooms/{room_id}/bindings/{channel_id}/read" token => bindings::mark_read;

    get    "/v1/channels" token => channels::list;
    post   "/v1/channels" token => channels::register;
    get    "/v1/channels/{channel_id}" token => channels::get;
    delete "/v1/channels/{channel_id}" token => channels::unregister;

    get    "/v1/sources" token => sources::list;
    post   "/v1/sources" token => sources::attach;
    get    "/v1/sources/{channel_id}" token => sources::get;
    delete "/v1/sources/{channel_id}" token => sources::detach;

    get    "/v1/identities" token => identities::list;
    post   "/v1/identities" token => identities::create;
    get    "/v1/identities/{identity_id}" token => identities::get;
    post   "/v1/identities/{identity_id}/addresses" token => identities::link_address;

    post   "/v1/inbound" token => events::inbound;
    post   "/v1/rooms/{room_id}/messages" token => events::room_message;
    post   "/v1/rooms/{room_id}/events" token => events::send;
    get    "/v1/rooms/{room_id}/events" token => events::timeline;
    get    "/v1/rooms/{room_id}/events/{event_id}" token => events::get;

    get    "/v1/rooms/{room_id}/participants" token => room_data::participants;
    post   "/v1/rooms/{room_id}/participants" token => room_data::add_participant;
    get    "/v1/rooms/{room_id}/participants/{participant_id}" token => room_data::participant;
    patch  "/v1/rooms/{room_id}/participants/{participant_id}" token => room_data::update_participant;
    post   "/v1/rooms/{room_id}/participants/{participant_id}/resolve" token => room_data::resolve_participant;
    get    "/v1/rooms/{room_id}/tasks" token => room_data::tasks;
    get    "/v1/rooms/{room_id}/tasks/{task_id}" token => room_data::task;
    patch  "/v1/rooms/{room_id}/tasks/{task_id}" token => room_data::update_task;
    get    "/v1/rooms/{room_id}/observations" token => room_data::observations;

    post   "/v1/rooms/{room_id}/typing" token => ephemeral::typing;
    post   "/v1/rooms/{room_id}/presence" token => ephemeral::presence;
    post   "/v1/rooms/{room_id}/read-receipts" token => ephemeral::read_receipt;

    get    "/v1/plugins" token => system::plugins;
    get    "/v1/plugins/{name}" token => system::plugin;

    post   "/v1/webhooks/{channel_id}" open => webhooks::receive;
    // Authenticates itself: header, `?token=` or a first `auth` message.
    get    "/v1/ws" open => ws::upgrade;
}

/// The API over `state`: every route of [`ROUTES`], the token check on those that need it, the
/// body limit, and JSON errors for unknown routes and methods.
pub fn router(state: ApiState) -> Router {
    let (open, protected) = register(Router::new(), Router::new());
    let protected = protected.route_layer(middleware::from_fn_with_state(
        state.clone(),
        auth::require_token,
    ));
    open.merge(protected)
        .fallback(system::no_route)
        .method_not_allowed_fallback(system::wrong_method)
        .layer(DefaultBodyLimit::max(state.config().body_limit))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            state.config().connections.body_read_timeout,
        ))
        .layer(middleware::from_fn(crate::json_errors::json_errors))
        .with_state(state)
}
