//! Write RoomKit plugins in Rust: hooks, identity resolvers, inbound routers, providers and AI
//! providers, built as WebAssembly components (`wasm32-wasip2`) for the RoomKit host.
//!
//! A plugin is a type implementing one trait ([`Hook`], [`IdentityResolver`],
//! [`InboundRouter`], [`Provider`] or [`AiProvider`]; a hook may add [`IdentityHook`]) and one
//! export macro naming it:
//!
//! ```
//! use roomkit_sdk::{Hook, HookResult, HookTrigger, RoomContext, RoomEvent};
//!
//! struct NoShouting;
//!
//! impl Hook for NoShouting {
//!     fn handle(_: HookTrigger, event: RoomEvent, _: &RoomContext) -> Result<HookResult, String> {
//!         match event.text() {
//!             Some(text) if text.len() > 8 && text == text.to_uppercase() => {
//!                 Ok(HookResult::block("shouting"))
//!             }
//!             _ => Ok(HookResult::allow()),
//!         }
//!     }
//! }
//!
//! roomkit_sdk::export_hook!(NoShouting);
//! ```
//!
//! Build it with `cargo build --release --target wasm32-wasip2` (the crate is a `cdylib`) and
//! drop the `.wasm` into the host's plugin directory, with a `NAME.toml` manifest beside it.
//!
//! # What the SDK gives
//!
//! - The data types of the WIT package `roomkit:plugin@0.2.0` ([`RoomEvent`], [`Content`],
//!   [`InboundMessage`], …, all in [`types`]) with constructors and builders: [`HookResult::allow`],
//!   [`HookResult::block`], [`HookResult::modify`], [`InjectedEvent`], [`Task`], [`Observation`],
//!   [`IdentityResult::identified`], [`DeliveryError::retryable`], [`InboundMessage::text`], ….
//! - The host's imports: [`config`] (the manifest's `[config]` table), [`kv`] (the plugin's own
//!   key-value space), [`log`], the room context ([`RoomContext`]) and outbound [`http`]
//!   (wasi:http; the host allows only the manifest's `allowed_hosts`).
//! - Helpers for service providers: [`form`] (form bodies), [`sms`] (one shape for inbound
//!   SMS) and [`phone`] ([`normalize_phone`]: a number as people write it, in E.164).
//! - One export macro per kind: [`export_hook!`], [`export_identity_resolver!`],
//!   [`export_inbound_router!`], [`export_provider!`], [`export_ai_provider!`]; and
//!   [`export_identity_hook!`] for a hook that also implements [`IdentityHook`], deciding about
//!   senders identity resolution could not settle (resolved, pending, challenge, reject).
//! - Off wasm (`cargo test` on the build machine) the host imports are served by in-memory
//!   stand-ins that tests fill through [`testing`], so a plugin's trait implementation runs in
//!   ordinary unit tests.
//!
//! # One world per component
//!
//! A component must export exactly the functions of its world: the host checks a hook's
//! component against the `hook` world and refuses one that also claims, say, `deliver`.
//! wit-bindgen records the world it generated bindings for in a custom section of the object
//! code, and when a component is made, every such section linked into the module is merged into
//! one world. If this crate generated the bindings of all five worlds, every plugin would link
//! all five sections and claim all five worlds' exports (or fail to build for want of them).
//! Cargo features per kind would not help either: in a workspace that builds several plugins at
//! once, Cargo unifies the SDK's features, so each plugin would get the union.
//!
//! So this crate generates only the *imports* (the shared types, `host` and `room-context`),
//! whose custom section claims no exports; unused imports are dropped when the component is
//! made. Each export macro runs `wit_bindgen::generate!` for its one world inside the plugin
//! crate, reusing this crate's types (`with`), so only that world's custom section and
//! exports end up in the plugin. The WIT files are the internal `roomkit-sdk-macro` crate's
//! own copy of the package (its `wit/`), whose absolute path that crate supplies. The
//! generated glue refers to `::roomkit_sdk`, so depend on this crate under its own name.

#![deny(unsafe_code)]

// `generate_world!` expands to `::roomkit_sdk::…`, which this name makes valid inside the SDK too.
extern crate self as roomkit_sdk;

mod ai;
mod content;
mod context;
mod export;
mod hook;
mod identity;
mod provider;
mod router;
mod sys;

pub mod config;
pub mod form;
pub mod http;
pub mod kv;
pub mod log;
pub mod phone;
pub mod sms;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;

pub use ai::AiProvider;
pub use context::RoomContext;
pub use hook::{Hook, IdentityHook};
pub use identity::IdentityResolver;
pub use phone::{PhoneError, normalize_phone};
pub use provider::Provider;
pub use router::InboundRouter;

/// The data types of the WIT package `roomkit:plugin@0.2.0` (interface `types`), as Rust types.
///
/// Free-form objects ([`Json`](types::Json)) are JSON text and times are RFC 3339 text. The
/// most used types are also re-exported at the crate root.
pub mod types {
    pub use crate::wit::roomkit::plugin::types::*;
}

pub use types::{
    AiImage, AiInfo, AiMessage, AiPart, AiRequest, AiResponse, AiRole, BindingView, ChannelAddress,
    Content, DeliveryError, DeliveryReceipt, DeliveryStatus, Direction, EventSource, Header,
    HookAction, HookResult, HookTrigger, Identification, Identity, IdentityDecision,
    IdentityResult, InboundMessage, InjectedEvent, Json, Observation, Part, RichContent, RoomEvent,
    RoomView, Route, StatusUpdate, Task, TextContent, WebhookRequest, WebhookResponse,
    WebhookResult,
};

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExamples;

/// The generated bindings. Not part of the API: use the re-exports.
#[doc(hidden)]
#[allow(missing_docs, unsafe_code, missing_debug_implementations, clippy::all)]
pub mod wit {
    // Imports only: this section claims no exports, whatever kind of plugin links it. Through
    // the same macro as the export macros, which supplies the WIT directory of the SDK's crates.
    roomkit_sdk_macro::generate_world!({
        inline: r#"
            package roomkit:sdk;

            world imports {
                import roomkit:plugin/types@0.2.0;
                import roomkit:plugin/host@0.2.0;
                import roomkit:plugin/room-context@0.2.0;
            }
        "#,
        additional_derives: [PartialEq],
        generate_all,
    });
}

/// What the export macros expand to refers to these. Not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::wit::roomkit::plugin::{host, room_context, types};
    pub use roomkit_sdk_macro::generate_world;
    pub use wit_bindgen;
}
