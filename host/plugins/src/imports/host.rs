//! `roomkit:plugin/host`: a plugin's log, its configuration and its key-value space in the
//! host's store (the type-only `roomkit:plugin/types` is linked here too).

use std::sync::Arc;

use roomkit_store::ConversationStore;
use wasmtime::component::{HasData, Linker};

use crate::bindings::hook::roomkit::plugin::types;
use crate::bindings::host;
use crate::info::PluginInfo;

/// The longest log line a plugin may write; longer ones are cut.
const MAX_LOG_BYTES: usize = 4096;
/// The largest value a plugin may keep under one key.
const MAX_KV_VALUE_BYTES: usize = 64 * 1024;

/// What the `host` interface needs of a plugin's state.
pub(crate) struct HostImports<'a> {
    pub(crate) info: &'a PluginInfo,
}

impl HostImports<'_> {
    fn kv_store(&self) -> wasmtime::Result<Arc<dyn ConversationStore>> {
        self.info.store.clone().ok_or_else(|| {
            wasmtime::format_err!("this host has no store for plugin key-value data")
        })
    }
}

/// Cuts `text` to at most `max` bytes, at a character boundary.
pub(crate) fn truncate(text: &mut String, max: usize) {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
}

impl types::Host for HostImports<'_> {}

impl host::Host for HostImports<'_> {
    async fn log(&mut self, level: host::Level, message: String) -> wasmtime::Result<()> {
        let mut message = message;
        truncate(&mut message, MAX_LOG_BYTES);
        let plugin = self.info.name.as_str();
        match level {
            host::Level::Trace => tracing::trace!(plugin, "{message}"),
            host::Level::Debug => tracing::debug!(plugin, "{message}"),
            host::Level::Info => tracing::info!(plugin, "{message}"),
            host::Level::Warn => tracing::warn!(plugin, "{message}"),
            host::Level::Error => tracing::error!(plugin, "{message}"),
        }
        Ok(())
    }

    async fn config(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.info.manifest.config.get(&key).cloned())
    }

    async fn kv_get(&mut self, key: String) -> wasmtime::Result<Option<Vec<u8>>> {
        Ok(self.kv_store()?.kv_get(&self.info.name, &key).await?)
    }

    async fn kv_set(&mut self, key: String, value: Vec<u8>) -> wasmtime::Result<()> {
        if value.len() > MAX_KV_VALUE_BYTES {
            wasmtime::bail!(
                "kv-set: value of {} bytes is over the {MAX_KV_VALUE_BYTES}-byte limit",
                value.len()
            );
        }
        Ok(self
            .kv_store()?
            .kv_set(&self.info.name, &key, &value)
            .await?)
    }

    async fn kv_delete(&mut self, key: String) -> wasmtime::Result<bool> {
        Ok(self.kv_store()?.kv_delete(&self.info.name, &key).await?)
    }
}

struct HasHostImports;

impl HasData for HasHostImports {
    type Data<'a> = HostImports<'a>;
}

/// Links `host` and `types`, each call reaching the view `get` makes of the state.
pub(crate) fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> HostImports<'_>,
) -> wasmtime::Result<()> {
    types::add_to_linker::<T, HasHostImports>(linker, get)?;
    host::add_to_linker::<T, HasHostImports>(linker, get)
}
