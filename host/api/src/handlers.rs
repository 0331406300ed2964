//! Handlers of the REST routes, one module per area. Each handler's doc starts with its route.

pub(crate) mod bindings;
pub(crate) mod ephemeral;
pub(crate) mod events;
pub(crate) mod identities;
pub(crate) mod room_data;
pub(crate) mod rooms;
pub(crate) mod system;
