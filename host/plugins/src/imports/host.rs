//! `roomkit:plugin/host`: a plugin's log, its configuration and its key-value space in the
//! host's store (the type-only `roomkit:plugin/types` is linked here too).

use wasmtime::component::{HasData, Linker};

use crate::bindings::hook::roomkit::plugin::types;
use crate::bindings::host;
use crate::info::PluginInfo;
use crate::kv_space::{KvError, KvSpace};
use crate::limits::LimitHit;
use crate::plugin_log::{InstanceLog, Level};
use crate::settings::Settings;

/// What the `host` interface needs of a plugin's state.
pub(crate) struct HostImports<'a> {
    pub(crate) info: &'a PluginInfo,
    /// The settings of the channel the call is made for, asked before the manifest's.
    pub(crate) channel: Option<&'a Settings>,
    pub(crate) log: &'a InstanceLog,
    pub(crate) kv: &'a KvSpace,
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
        let channel = self.channel.and_then(|settings| settings.get(&key));
        Ok(channel
            .or_else(|| self.info.manifest.settings.get(&key))
            .map(str::to_owned))
    }

    async fn kv_get(&mut self, key: String) -> wasmtime::Result<Option<Vec<u8>>> {
        self.kv
            .get(&key)
            .await
            .map_err(|e| import_error("kv-get", e))
    }

    // A refused write (over the quota, a value or key too large) and a store failure are
    // answered to the plugin, which decides what to do; the call goes on.
    async fn kv_set(
        &mut self,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), host::KvError>> {
        Ok(match self.kv.set(&key, &value).await {
            Ok(()) => Ok(()),
            Err(KvError::Refused(reason)) => Err(host::KvError::OverQuota(reason)),
            Err(KvError::Store(reason)) => Err(host::KvError::Store(reason)),
        })
    }

    async fn kv_delete(&mut self, key: String) -> wasmtime::Result<bool> {
        self.kv
            .delete(&key)
            .await
            .map_err(|e| import_error("kv-delete", e))
    }
}

/// A key-value failure as the call's error: a refusal is a typed [`LimitHit`] (the call's error
/// says why, without a backtrace), a store failure a host error.
fn import_error(function: &str, error: KvError) -> wasmtime::Error {
    match error {
        KvError::Refused(reason) => LimitHit::Refused(format!("{function}: {reason}")).into(),
        KvError::Store(reason) => wasmtime::format_err!("{function}: {reason}"),
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
