//! The one place that runs `bindgen!` over `wit/`: one invocation per world. The `hook` world
//! generates the shared interfaces (`types`, `host`, `room-context`); the other worlds reuse
//! them through `with`, so there is one set of Rust types and one implementation of the host
//! side. Everything else uses these types.

/// The `hook` world, and the shared interfaces.
pub mod hook {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "hook",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "roomkit:plugin/room-context.context": crate::state::RoomCtx,
        },
    });
}

/// The `identity-hook` world: the `hook` world plus `handle-identity`.
pub mod identity_hook {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "identity-hook",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "roomkit:plugin/types": crate::bindings::hook::roomkit::plugin::types,
            "roomkit:plugin/host": crate::bindings::hook::roomkit::plugin::host,
            "roomkit:plugin/room-context": crate::bindings::hook::roomkit::plugin::room_context,
        },
    });
}

/// The `identity-resolver` world.
pub mod identity_resolver {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "identity-resolver",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "roomkit:plugin/types": crate::bindings::hook::roomkit::plugin::types,
            "roomkit:plugin/host": crate::bindings::hook::roomkit::plugin::host,
            "roomkit:plugin/room-context": crate::bindings::hook::roomkit::plugin::room_context,
        },
    });
}

/// The `inbound-router` world.
pub mod inbound_router {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "inbound-router",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "roomkit:plugin/types": crate::bindings::hook::roomkit::plugin::types,
            "roomkit:plugin/host": crate::bindings::hook::roomkit::plugin::host,
        },
    });
}

/// The `provider` world.
pub mod provider {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "provider",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "roomkit:plugin/types": crate::bindings::hook::roomkit::plugin::types,
            "roomkit:plugin/host": crate::bindings::hook::roomkit::plugin::host,
        },
    });
}

/// The `ai-provider` world.
pub mod ai_provider {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "ai-provider",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "roomkit:plugin/types": crate::bindings::hook::roomkit::plugin::types,
            "roomkit:plugin/host": crate::bindings::hook::roomkit::plugin::host,
        },
    });
}

pub use hook::roomkit::plugin::types as wit;
pub use hook::roomkit::plugin::{host, room_context};
