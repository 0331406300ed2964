//! Stable handles to plugins of the directory. The kit takes its identity resolver and
//! inbound router when it is built, and channels name their provider in configuration, so
//! they hold a handle rather than a plugin: every call goes to the version loaded at that
//! moment, and a call in flight finishes on the version it started with (it holds that
//! version's `Arc`). While no version is loaded, calls fail with [`Error::NotLoaded`]
//! (resolver: unknown sender; router: default routing).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use async_trait::async_trait;
use roomkit_kit::ai::{AiContext, AiProvider, AiResponse};
use roomkit_kit::{
    DefaultInboundRouter, DeliveryError, IdentityResolver, IdentityResult, InboundMessage,
    InboundRouter, Provider, ProviderResult, RoomContext,
};
use roomkit_model::{ChannelBinding, RoomEvent};
use roomkit_store::ConversationStore;

use crate::provider::delivery_error;
use crate::{
    Error, Result, WasmAiProvider, WasmIdentityResolver, WasmInboundRouter, WasmProvider,
    WebhookRequest,
};

/// Where the current version of a plugin lives; shared by the directory and its handles.
pub(crate) type Slot<T> = Arc<RwLock<Option<Arc<T>>>>;

/// A stable handle to the plugin called `name` of kind `T`: see the module docs.
#[derive(Debug)]
pub struct PluginHandle<T> {
    name: Arc<str>,
    slot: Slot<T>,
}

impl<T> Clone for PluginHandle<T> {
    fn clone(&self) -> Self {
        PluginHandle {
            name: Arc::clone(&self.name),
            slot: Arc::clone(&self.slot),
        }
    }
}

/// A handle to a provider plugin; implements the kit's [`Provider`].
pub type ProviderHandle = PluginHandle<WasmProvider>;
/// A handle to an identity resolver plugin; implements the kit's [`IdentityResolver`].
pub type IdentityResolverHandle = PluginHandle<WasmIdentityResolver>;
/// A handle to an inbound router plugin; implements the kit's [`InboundRouter`].
pub type InboundRouterHandle = PluginHandle<WasmInboundRouter>;
/// A handle to an AI provider plugin; implements the kit's [`AiProvider`].
pub type AiProviderHandle = PluginHandle<WasmAiProvider>;

impl<T> PluginHandle<T> {
    pub(crate) fn new(name: &str, slot: Slot<T>) -> Self {
        PluginHandle {
            name: name.into(),
            slot,
        }
    }

    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version loaded now, if any.
    pub fn current(&self) -> Option<Arc<T>> {
        self.slot.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Whether a version is loaded now.
    pub fn is_loaded(&self) -> bool {
        self.current().is_some()
    }

    fn loaded(&self, function: &'static str) -> Result<Arc<T>> {
        self.current().ok_or_else(|| Error::NotLoaded {
            plugin: self.name.to_string(),
            function,
        })
    }
}

impl ProviderHandle {
    /// [`WasmProvider::verify_signature`] on the current version.
    pub async fn verify_signature(&self, request: &WebhookRequest) -> Result<bool> {
        self.loaded("verify-signature")?
            .verify_signature(request)
            .await
    }

    /// [`WasmProvider::parse_webhook`] on the current version.
    pub async fn parse_webhook(&self, request: &WebhookRequest) -> Result<Vec<InboundMessage>> {
        self.loaded("parse-webhook")?.parse_webhook(request).await
    }
}

#[async_trait]
impl Provider for ProviderHandle {
    fn name(&self) -> &str {
        &self.name
    }

    async fn send(
        &self,
        event: &RoomEvent,
        binding: &ChannelBinding,
    ) -> Result<ProviderResult, DeliveryError> {
        let provider = self.loaded("deliver").map_err(delivery_error)?;
        provider.deliver(event, binding).await
    }
}

#[async_trait]
impl IdentityResolver for IdentityResolverHandle {
    async fn resolve(
        &self,
        message: &InboundMessage,
        channel_type: &str,
        ctx: &RoomContext,
    ) -> Result<IdentityResult, String> {
        let resolver = self.loaded("resolve").map_err(|e| e.to_string())?;
        resolver.resolve(message, channel_type, ctx).await
    }
}

#[async_trait]
impl InboundRouter for InboundRouterHandle {
    async fn route(
        &self,
        message: &InboundMessage,
        channel_type: &str,
        store: &dyn ConversationStore,
    ) -> roomkit_kit::Result<Option<String>> {
        match self.current() {
            Some(router) => router.route(message, channel_type, store).await,
            None => {
                tracing::warn!(plugin = %self.name, "inbound router not loaded; default routing");
                DefaultInboundRouter
                    .route(message, channel_type, store)
                    .await
            }
        }
    }
}

/// Model names live as long as the process: the trait hands out `&str` tied to the handle,
/// while the version behind it may be swapped. Each distinct name is kept once (and names
/// are capped in length at load), so this stays as small as the set of models ever loaded.
fn interned(name: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(known) = names.get(name) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

#[async_trait]
impl AiProvider for AiProviderHandle {
    fn model_name(&self) -> &str {
        match self.current() {
            Some(ai) => interned(&ai.about().model_name),
            None => &self.name,
        }
    }

    fn supports_vision(&self) -> bool {
        self.current().is_some_and(|ai| ai.about().supports_vision)
    }

    async fn generate(&self, context: &AiContext) -> Result<AiResponse, DeliveryError> {
        let ai = self.loaded("generate").map_err(delivery_error)?;
        ai.answer(context).await
    }
}
