//! What the directory and the handles keep of a loaded plugin, whatever its kind: one trait
//! every kind's plugin type implements, so neither needs to know the kinds.

use std::any::Any;
use std::sync::Arc;

use roomkit_kit::RoomKit;

use crate::info::PluginInfo;
use crate::stats::StatsSnapshot;

/// A loaded version of a plugin of some kind (public only to bound [`crate::PluginHandle`]; the
/// module is private, so nothing outside the crate implements it).
pub trait LoadedPlugin: Any + Send + Sync {
    /// Name, manifest and version.
    fn info(&self) -> &PluginInfo;

    /// The call counters now.
    fn snapshot(&self) -> StatsSnapshot;

    /// Registers the plugin with the kit where its kind is something the kit calls by itself
    /// (hooks, on their triggers); the names it registered, to remove them again. Other
    /// kinds are reached through handles and register nothing.
    fn register(self: Arc<Self>, _kit: &RoomKit) -> Vec<String> {
        Vec::new()
    }
}

/// A loaded plugin as the concrete type `T`, when it is one.
pub(crate) fn downcast<T: LoadedPlugin>(plugin: Arc<dyn LoadedPlugin>) -> Option<Arc<T>> {
    let any: Arc<dyn Any + Send + Sync> = plugin;
    any.downcast::<T>().ok()
}

/// Implements [`LoadedPlugin`] for a kind's plugin type that has `info` and `snapshot`.
macro_rules! loaded_plugin {
    ($plugin:ty) => {
        impl $crate::loaded::LoadedPlugin for $plugin {
            fn info(&self) -> &$crate::info::PluginInfo {
                <$plugin>::info(self)
            }
            fn snapshot(&self) -> $crate::stats::StatsSnapshot {
                <$plugin>::snapshot(self)
            }
        }
    };
}
pub(crate) use loaded_plugin;
