//! What the host knows about a loaded plugin: plain data every other module reads.

use std::path::Path;
use std::sync::Arc;

use roomkit_store::ConversationStore;

use crate::manifest::Manifest;

/// What the host knows about a loaded plugin.
#[derive(Debug)]
pub struct PluginInfo {
    /// The plugin's name (its file stem).
    pub name: String,
    /// Its manifest.
    pub manifest: Manifest,
    /// Where its key-value space lives (none: the plugin gets an error when it uses it).
    pub store: Option<Arc<dyn ConversationStore>>,
    /// The SHA-256 of its wasm, in hex: which version is loaded.
    pub version: String,
}

/// The plugin name of a component file (its stem).
pub(crate) fn plugin_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plugin".to_owned())
}
