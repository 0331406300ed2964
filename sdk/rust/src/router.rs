//! Inbound routers: which room a message that names none goes to.

use crate::types::{InboundMessage, Route};

/// Picks the room for an inbound message without a room id: [`Route::Room`] for an existing
/// room, [`Route::NewRoom`], or [`Route::Default`] to let the host decide. Export it with
/// [`export_inbound_router!`](crate::export_inbound_router).
pub trait InboundRouter {
    /// Routes `message`, which arrived on a channel of `channel_type`.
    fn route(message: InboundMessage, channel_type: String) -> Result<Route, String>;
}
