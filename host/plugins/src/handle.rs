//! Stable handles to plugins of the directory. The kit takes its identity resolver and
//! inbound router when it is built, and channels name their provider in configuration, so
//! they hold a handle rather than a plugin: every call goes to the version loaded at that
//! moment, and a call in flight finishes on the version it started with (it holds that
//! version's `Arc`). While no version is loaded, calls fail with [`Error::NotLoaded`]
//! (resolver: unknown sender; router: default routing).

use std::marker::PhantomData;
use std::sync::{Arc, RwLock};

use crate::error::{Error, Result};
use crate::loaded::{LoadedPlugin, downcast};

/// Where the current version of a plugin lives, whatever its kind; shared by the directory and
/// the plugin's handles. A handle of another kind than the version loaded sees nothing.
pub(crate) type Slot = Arc<RwLock<Option<Arc<dyn LoadedPlugin>>>>;

/// A stable handle to the plugin called `name` of kind `T`: see the module docs.
pub struct PluginHandle<T> {
    name: Arc<str>,
    slot: Slot,
    kind: PhantomData<fn() -> T>,
}

impl<T> Clone for PluginHandle<T> {
    fn clone(&self) -> Self {
        PluginHandle {
            name: Arc::clone(&self.name),
            slot: Arc::clone(&self.slot),
            kind: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for PluginHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginHandle")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<T: LoadedPlugin> PluginHandle<T> {
    pub(crate) fn new(name: &str, slot: Slot) -> Self {
        PluginHandle {
            name: name.into(),
            slot,
            kind: PhantomData,
        }
    }

    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version loaded now, if any.
    pub fn current(&self) -> Option<Arc<T>> {
        let loaded = self.slot.read().unwrap_or_else(|p| p.into_inner()).clone();
        loaded.and_then(downcast)
    }

    /// Whether a version is loaded now.
    pub fn is_loaded(&self) -> bool {
        self.current().is_some()
    }

    pub(crate) fn loaded(&self, function: &'static str) -> Result<Arc<T>> {
        self.current().ok_or_else(|| Error::NotLoaded {
            plugin: self.name.to_string(),
            function,
        })
    }
}
