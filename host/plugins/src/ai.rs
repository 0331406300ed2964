//! An AI provider plugin (the `ai-provider` world) as the kit's [`AiProvider`]. Its `info`
//! (model name, vision support) is read once, when it is loaded.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use roomkit_kit::DeliveryError;
use roomkit_kit::ai::{AiContext, AiProvider, AiResponse};
use roomkit_store::ConversationStore;

use crate::convert::{ai_request_to_wit, ai_response_from_wit};
use crate::engine::PluginEngine;
use crate::error::{CallFailure, Error, Result, delivery_error, returned_delivery_error};
use crate::handle::PluginHandle;
use crate::info::PluginInfo;
use crate::loaded::loaded_plugin;
use crate::manifest::PluginKind;
use crate::runtime::{Runtime, run_to_end, world};
use crate::state::PluginState;
use crate::stats::StatsSnapshot;

/// The `ai-provider` world.
mod world {
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

use world::AiProvider as AiWorld;
world!(
    AiWorld,
    world::AiProviderPre<PluginState>,
    PluginKind::AiProvider
);

/// The longest model name kept from a plugin's `info`.
const MAX_MODEL_NAME: usize = 256;

/// What an AI provider plugin says it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AiInfo {
    /// The model's name.
    pub model_name: String,
    /// Whether it can look at images.
    pub supports_vision: bool,
}

/// An AI provider plugin, ready to call.
pub struct WasmAiProvider {
    runtime: Runtime<AiWorld>,
    about: AiInfo,
}

impl std::fmt::Debug for WasmAiProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmAiProvider")
            .field("name", &self.runtime.info.name)
            .field("model", &self.about.model_name)
            .finish_non_exhaustive()
    }
}

impl WasmAiProvider {
    /// Compiles and checks a component against the `ai-provider` world (its manifest must say
    /// `kind = "ai-provider"`) and calls its `info` once. Safe to call from async code: the
    /// `info` call runs on a thread of its own.
    pub fn load(
        engine: &PluginEngine,
        path: &Path,
        store: Option<Arc<dyn ConversationStore>>,
    ) -> Result<Self> {
        let runtime: Runtime<AiWorld> = Runtime::load(engine, path, store)?;
        let about = run_to_end(runtime.call(
            "info",
            None,
            |warm, _| Box::pin(warm.exports.call_info(&mut warm.store)),
            Ok,
        ))
        .map_err(|cause| Error::Call {
            plugin: runtime.info.name.clone(),
            function: "info",
            cause,
        })??;
        let mut model_name = about.model_name;
        model_name.truncate(model_name.floor_char_boundary(MAX_MODEL_NAME));
        Ok(WasmAiProvider {
            runtime,
            about: AiInfo {
                model_name,
                supports_vision: about.supports_vision,
            },
        })
    }

    /// Name, manifest and version.
    pub fn info(&self) -> &PluginInfo {
        &self.runtime.info
    }

    /// What the plugin said it is when it was loaded.
    pub fn about(&self) -> &AiInfo {
        &self.about
    }

    /// The call counters now.
    pub fn snapshot(&self) -> StatsSnapshot {
        self.runtime.snapshot()
    }

    /// Calls `generate`.
    pub async fn answer(&self, context: &AiContext) -> Result<AiResponse, DeliveryError> {
        let request = ai_request_to_wit(context);
        let outcome = self
            .runtime
            .call(
                "generate",
                None,
                move |warm, _| {
                    Box::pin(
                        async move { warm.exports.call_generate(&mut warm.store, &request).await },
                    )
                },
                Ok,
            )
            .await;
        match outcome {
            Ok(Ok(response)) => ai_response_from_wit(response).map_err(|cause| {
                self.runtime.count_failure();
                delivery_error(Error::Call {
                    plugin: self.runtime.info.name.clone(),
                    function: "generate",
                    cause: CallFailure::Returned(cause),
                })
            }),
            Ok(Err(refusal)) => Err({
                self.runtime.count_failure();
                returned_delivery_error(&self.runtime.info.name, "generate", refusal)
            }),
            Err(err) => Err(delivery_error(err)),
        }
    }
}

#[async_trait]
impl AiProvider for WasmAiProvider {
    fn model_name(&self) -> &str {
        &self.about.model_name
    }

    fn supports_vision(&self) -> bool {
        self.about.supports_vision
    }

    async fn generate(&self, context: &AiContext) -> Result<AiResponse, DeliveryError> {
        self.answer(context).await
    }
}

/// A handle to an AI provider plugin; implements the kit's [`AiProvider`].
pub type AiProviderHandle = PluginHandle<WasmAiProvider>;

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
            None => PluginHandle::name(self),
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

loaded_plugin!(WasmAiProvider);
