//! The plugin kinds the host loads, as one table: a manifest's `kind` → the module that loads
//! it. Everything else about a kind lives in its own module (its world's `bindgen!`, its
//! [`crate::runtime::World`] and [`LoadedPlugin`] impls, the kit trait it implements, its
//! handle type). Adding a kind: a [`PluginKind`] variant with its world name
//! (`manifest.rs`), its module, and its line below (docs/plugins.md walks through it).

use std::path::Path;
use std::sync::Arc;

use roomkit_store::ConversationStore;

use crate::ai::WasmAiProvider;
use crate::engine::PluginEngine;
use crate::error::Result;
use crate::hook::WasmPlugin;
use crate::loaded::LoadedPlugin;
use crate::manifest::PluginKind;
use crate::provider::WasmProvider;
use crate::resolver::WasmIdentityResolver;
use crate::router::WasmInboundRouter;

/// Loads the component at `path` as a plugin of `kind`.
pub(crate) fn load(
    kind: PluginKind,
    engine: &PluginEngine,
    path: &Path,
    store: Option<Arc<dyn ConversationStore>>,
) -> Result<Arc<dyn LoadedPlugin>> {
    Ok(match kind {
        PluginKind::Hook => Arc::new(WasmPlugin::load(engine, path, store)?),
        PluginKind::IdentityResolver => Arc::new(WasmIdentityResolver::load(engine, path, store)?),
        PluginKind::InboundRouter => Arc::new(WasmInboundRouter::load(engine, path, store)?),
        PluginKind::Provider => Arc::new(WasmProvider::load(engine, path, store)?),
        PluginKind::AiProvider => Arc::new(WasmAiProvider::load(engine, path, store)?),
    })
}
