//! The one place that runs `bindgen!` over `wit/`. Everything else uses these types.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "hook",
    imports: { default: async | trappable },
    exports: { default: async },
    with: {
        "roomkit:plugin/room-context.context": crate::state::RoomCtx,
    },
});

pub use roomkit::plugin::types as wit;
