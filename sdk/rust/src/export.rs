//! The export macros, one per plugin kind. Each generates the bindings of its one world inside
//! the plugin crate (see "One world per component" in the crate docs) and forwards the world's
//! exports to the plugin's trait implementation.

/// Exports a [`Hook`](crate::Hook) implementation as the component's `hook` world.
///
/// ```
/// # use roomkit_sdk::{Hook, HookResult, HookTrigger, RoomContext, RoomEvent};
/// struct AllowAll;
/// impl Hook for AllowAll {
///     fn handle(_: HookTrigger, _: RoomEvent, _: &RoomContext) -> Result<HookResult, String> {
///         Ok(HookResult::allow())
///     }
/// }
/// roomkit_sdk::export_hook!(AllowAll);
/// ```
#[macro_export]
macro_rules! export_hook {
    ($plugin:ty) => {
        #[doc(hidden)]
        #[allow(dead_code)]
        type __RoomkitPlugin = $plugin;
        $crate::__export_world!("roomkit:plugin/hook@0.2.0", {
            "roomkit:plugin/room-context@0.2.0": ::roomkit_sdk::__private::room_context,
        },
            impl Guest for __RoomkitExport {
                fn handle(
                    trigger: ::roomkit_sdk::HookTrigger,
                    event: ::roomkit_sdk::RoomEvent,
                    ctx: &::roomkit_sdk::__private::room_context::Context,
                ) -> ::core::result::Result<::roomkit_sdk::HookResult, ::std::string::String> {
                    <super::__RoomkitPlugin as ::roomkit_sdk::Hook>::handle(
                        trigger,
                        event,
                        &::roomkit_sdk::RoomContext::__host(ctx),
                    )
                }
            }
        );
    };
}

/// Exports a hook that also implements [`IdentityHook`](crate::IdentityHook) as the
/// component's `identity-hook` world: `handle` for the ordinary triggers, `handle-identity` for
/// `on_identity_ambiguous` and `on_identity_unknown`.
///
/// ```
/// # use roomkit_sdk::{Hook, HookResult, HookTrigger, IdentityDecision, IdentityHook,
/// #     IdentityResult, InboundMessage, RoomContext, RoomEvent};
/// struct AskStrangers;
/// impl Hook for AskStrangers {
///     fn handle(_: HookTrigger, _: RoomEvent, _: &RoomContext) -> Result<HookResult, String> {
///         Ok(HookResult::allow())
///     }
/// }
/// impl IdentityHook for AskStrangers {
///     fn handle_identity(
///         _: HookTrigger,
///         _: InboundMessage,
///         _: IdentityResult,
///         _: &RoomContext,
///     ) -> Result<Option<IdentityDecision>, String> {
///         Ok(Some(IdentityDecision::challenge("Who is this?")))
///     }
/// }
/// roomkit_sdk::export_identity_hook!(AskStrangers);
/// ```
#[macro_export]
macro_rules! export_identity_hook {
    ($plugin:ty) => {
        #[doc(hidden)]
        #[allow(dead_code)]
        type __RoomkitPlugin = $plugin;
        $crate::__export_world!("roomkit:plugin/identity-hook@0.2.0", {
            "roomkit:plugin/room-context@0.2.0": ::roomkit_sdk::__private::room_context,
        },
            impl Guest for __RoomkitExport {
                fn handle(
                    trigger: ::roomkit_sdk::HookTrigger,
                    event: ::roomkit_sdk::RoomEvent,
                    ctx: &::roomkit_sdk::__private::room_context::Context,
                ) -> ::core::result::Result<::roomkit_sdk::HookResult, ::std::string::String> {
                    <super::__RoomkitPlugin as ::roomkit_sdk::Hook>::handle(
                        trigger,
                        event,
                        &::roomkit_sdk::RoomContext::__host(ctx),
                    )
                }
                fn handle_identity(
                    trigger: ::roomkit_sdk::HookTrigger,
                    message: ::roomkit_sdk::InboundMessage,
                    identity: ::roomkit_sdk::IdentityResult,
                    ctx: &::roomkit_sdk::__private::room_context::Context,
                ) -> ::core::result::Result<
                    ::core::option::Option<::roomkit_sdk::IdentityDecision>,
                    ::std::string::String,
                > {
                    <super::__RoomkitPlugin as ::roomkit_sdk::IdentityHook>::handle_identity(
                        trigger,
                        message,
                        identity,
                        &::roomkit_sdk::RoomContext::__host(ctx),
                    )
                }
            }
        );
    };
}

/// Exports an [`IdentityResolver`](crate::IdentityResolver) implementation as the component's
/// `identity-resolver` world.
///
/// ```
/// # use roomkit_sdk::{IdentityResolver, IdentityResult, InboundMessage, RoomContext};
/// struct NobodyKnown;
/// impl IdentityResolver for NobodyKnown {
///     fn resolve(_: InboundMessage, _: String, _: &RoomContext) -> Result<IdentityResult, String> {
///         Ok(IdentityResult::unknown())
///     }
/// }
/// roomkit_sdk::export_identity_resolver!(NobodyKnown);
/// ```
#[macro_export]
macro_rules! export_identity_resolver {
    ($plugin:ty) => {
        #[doc(hidden)]
        #[allow(dead_code)]
        type __RoomkitPlugin = $plugin;
        $crate::__export_world!("roomkit:plugin/identity-resolver@0.2.0", {
            "roomkit:plugin/room-context@0.2.0": ::roomkit_sdk::__private::room_context,
        },
            impl Guest for __RoomkitExport {
                fn resolve(
                    message: ::roomkit_sdk::InboundMessage,
                    channel_type: ::std::string::String,
                    ctx: &::roomkit_sdk::__private::room_context::Context,
                ) -> ::core::result::Result<::roomkit_sdk::IdentityResult, ::std::string::String> {
                    <super::__RoomkitPlugin as ::roomkit_sdk::IdentityResolver>::resolve(
                        message,
                        channel_type,
                        &::roomkit_sdk::RoomContext::__host(ctx),
                    )
                }
            }
        );
    };
}

/// Exports an [`InboundRouter`](crate::InboundRouter) implementation as the component's
/// `inbound-router` world.
///
/// ```
/// # use roomkit_sdk::{InboundMessage, InboundRouter, Route};
/// struct HostDecides;
/// impl InboundRouter for HostDecides {
///     fn route(_: InboundMessage, _: String) -> Result<Route, String> {
///         Ok(Route::Default)
///     }
/// }
/// roomkit_sdk::export_inbound_router!(HostDecides);
/// ```
#[macro_export]
macro_rules! export_inbound_router {
    ($plugin:ty) => {
        #[doc(hidden)]
        #[allow(dead_code)]
        type __RoomkitPlugin = $plugin;
        $crate::__export_world!("roomkit:plugin/inbound-router@0.2.0", {},
            impl Guest for __RoomkitExport {
                fn route(
                    message: ::roomkit_sdk::InboundMessage,
                    channel_type: ::std::string::String,
                ) -> ::core::result::Result<::roomkit_sdk::Route, ::std::string::String> {
                    <super::__RoomkitPlugin as ::roomkit_sdk::InboundRouter>::route(
                        message,
                        channel_type,
                    )
                }
            }
        );
    };
}

/// Exports a [`Provider`](crate::Provider) implementation as the component's `provider` world.
///
/// ```
/// # use roomkit_sdk::{BindingView, DeliveryError, DeliveryReceipt, Provider, RoomEvent};
/// struct Discard;
/// impl Provider for Discard {
///     fn deliver(_: RoomEvent, _: BindingView) -> Result<DeliveryReceipt, DeliveryError> {
///         Ok(DeliveryReceipt::new(None))
///     }
/// }
/// roomkit_sdk::export_provider!(Discard);
/// ```
#[macro_export]
macro_rules! export_provider {
    ($plugin:ty) => {
        #[doc(hidden)]
        #[allow(dead_code)]
        type __RoomkitPlugin = $plugin;
        $crate::__export_world!("roomkit:plugin/provider@0.2.0", {},
            impl Guest for __RoomkitExport {
                fn deliver(
                    event: ::roomkit_sdk::RoomEvent,
                    binding: ::roomkit_sdk::BindingView,
                ) -> ::core::result::Result<::roomkit_sdk::DeliveryReceipt, ::roomkit_sdk::DeliveryError> {
                    <super::__RoomkitPlugin as ::roomkit_sdk::Provider>::deliver(event, binding)
                }
                fn verify_signature(request: ::roomkit_sdk::WebhookRequest) -> bool {
                    <super::__RoomkitPlugin as ::roomkit_sdk::Provider>::verify_signature(request)
                }
                fn parse_webhook(
                    request: ::roomkit_sdk::WebhookRequest,
                ) -> ::core::result::Result<::roomkit_sdk::WebhookResult, ::std::string::String> {
                    <super::__RoomkitPlugin as ::roomkit_sdk::Provider>::parse_webhook(request)
                }
            }
        );
    };
}

/// Exports an [`AiProvider`](crate::AiProvider) implementation as the component's `ai-provider`
/// world.
///
/// ```
/// # use roomkit_sdk::{AiInfo, AiProvider, AiRequest, AiResponse, DeliveryError};
/// struct Silent;
/// impl AiProvider for Silent {
///     fn info() -> AiInfo {
///         AiInfo::new("silent")
///     }
///     fn generate(_: AiRequest) -> Result<AiResponse, DeliveryError> {
///         Ok(AiResponse::text(""))
///     }
/// }
/// roomkit_sdk::export_ai_provider!(Silent);
/// ```
#[macro_export]
macro_rules! export_ai_provider {
    ($plugin:ty) => {
        #[doc(hidden)]
        #[allow(dead_code)]
        type __RoomkitPlugin = $plugin;
        $crate::__export_world!("roomkit:plugin/ai-provider@0.2.0", {},
            impl Guest for __RoomkitExport {
                fn info() -> ::roomkit_sdk::AiInfo {
                    <super::__RoomkitPlugin as ::roomkit_sdk::AiProvider>::info()
                }
                fn generate(
                    request: ::roomkit_sdk::AiRequest,
                ) -> ::core::result::Result<::roomkit_sdk::AiResponse, ::roomkit_sdk::DeliveryError> {
                    <super::__RoomkitPlugin as ::roomkit_sdk::AiProvider>::generate(request)
                }
            }
        );
    };
}

/// The part all export macros share: the world's bindings, generated in the plugin crate with
/// this crate's types, the adapter type and wit-bindgen's `export!`. `{ ... }` lists the
/// remappings beyond types and host (wit-bindgen refuses one the world does not use). Only on wasm: off wasm there
/// is nothing to export to, and the plugin's trait implementation is tested directly.
#[doc(hidden)]
#[macro_export]
macro_rules! __export_world {
    ($world:literal, { $($with:tt)* }, $($glue:tt)*) => {
        #[cfg(target_arch = "wasm32")]
        #[doc(hidden)]
        #[allow(unsafe_code, missing_docs, missing_debug_implementations, clippy::all)]
        mod __roomkit_export {
            ::roomkit_sdk::__private::generate_world!({
                world: $world,
                runtime_path: "::roomkit_sdk::__private::wit_bindgen::rt",
                with: {
                    "roomkit:plugin/types@0.2.0": ::roomkit_sdk::__private::types,
                    "roomkit:plugin/host@0.2.0": ::roomkit_sdk::__private::host,
                    $($with)*
                },
            });

            struct __RoomkitExport;

            $($glue)*

            export!(__RoomkitExport with_types_in self);
        }
    };
}
