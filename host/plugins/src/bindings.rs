//! The shared WIT interfaces of `wit/` (`types`, `host`, `room-context`), generated once from the
//! `hook` world, which imports all of them. Each plugin kind's module runs `bindgen!` over its
//! own world and reuses these interfaces through `with`, so there is one set of Rust types and
//! one host side ([`crate::imports`]) for every world.

use roomkit_kit::RoomContext;

/// The `hook` world, and the shared interfaces.
pub mod hook {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "hook",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "roomkit:plugin/room-context.context": super::RoomCtx,
        },
    });
}

pub use hook::roomkit::plugin::types as wit;
pub use hook::roomkit::plugin::{host, room_context};

/// The room context lent to a plugin for one call: the host side of the `context` resource.
pub struct RoomCtx {
    pub(crate) ctx: RoomContext,
}
