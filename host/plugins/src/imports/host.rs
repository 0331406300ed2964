//! `roomkit:plugin/host`: a plugin's log, its configuration and its key-value space in the
//! host's store (the type-only `roomkit:plugin/types` is linked here too).

use std::sync::Arc;

use roomkit_store::ConversationStore;
use wasmtime::component::{HasData, Linker};

use crate::bindings::hook::roomkit::plugin::types;
use crate::bindings::host;
use crate::info::PluginInfo;
use crate::plugin_log::{InstanceLog, Level};
/// The largest value a plugin may keep under one key.
const MAX_KV_VALUE_BYTES: usize = 64 * 1024;

/// What the `host` interface needs of a plugin's state.
pub(crate) struct HostImports<'a> {
    pub(crate) info: &'a PluginInfo,
    pub(crate) log: &'a InstanceLog,
}

impl HostImports<'_> {
    fn kv_store(&self) -> wasmtime::Result<Arc<dyn ConversationStore>> {
        self.info.store.clone().ok_or_else(|| {
            wasmtime::format_err!("this host has no store for plugin key-value data")
        })
    }
}

impl types::Host for HostImports<'_> {}

impl host::Host for HostImports<'_> {
    async fn log(&mut self, level: host::Level, message: String) -> wasmtime::Result<()> {
        let level = match level {
            host::Level::Trace => Level::Trace,
            host::Level::Debug => Level::Debug,
            host::Level::Info => Level::Info,
            host::Level::Warn => Level::Warn,
            host::Level::Error => Level::Error,
        };
        self.log.write(level, &message);
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
