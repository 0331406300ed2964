//! An AI provider plugin (the `ai-provider` world) as the kit's [`AiProvider`]. Its `info`
//! (model name, vision support) is read once, when it is loaded.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use roomkit_kit::DeliveryError;
use roomkit_kit::ai::{AiContext, AiProvider, AiResponse};
use roomkit_store::ConversationStore;

use crate::bindings::ai_provider::AiProvider as AiWorld;
use crate::convert::{ai_request_to_wit, ai_response_from_wit};
use crate::engine::PluginEngine;
use crate::provider::delivery_error;
use crate::runtime::{Runtime, StatsSnapshot};
use crate::state::PluginInfo;
use crate::{CallFailure, Error, Result};

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
        let info_error = |cause: String| Error::Call {
            plugin: runtime.info.name.clone(),
            function: "info",
            cause: CallFailure::Host(cause),
        };
        // Loading is synchronous (the directory compiles on the blocking pool) and may be
        // called from inside a runtime, where blocking on a future is not allowed; a scoped
        // thread with a small runtime of its own calls `info`.
        let about = std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| info_error(e.to_string()))?;
                    rt.block_on(runtime.call(
                        "info",
                        None,
                        |warm, _| Box::pin(warm.exports.call_info(&mut warm.store)),
                        Ok,
                    ))
                })
                .join()
                .map_err(|_| info_error("the info thread panicked".into()))?
        })?;
        let mut model_name = about.model_name;
        if model_name.len() > MAX_MODEL_NAME {
            let mut cut = MAX_MODEL_NAME;
            while !model_name.is_char_boundary(cut) {
                cut -= 1;
            }
            model_name.truncate(cut);
        }
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
                DeliveryError {
                    message: Error::Call {
                        plugin: self.runtime.info.name.clone(),
                        function: "generate",
                        cause: CallFailure::Returned(refusal.message),
                    }
                    .to_string(),
                    retryable: refusal.retryable,
                }
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
