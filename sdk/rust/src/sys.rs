//! The host's imports, and their stand-ins off wasm.
//!
//! Inside a component these are the `host` imports. Compiled for the build machine (unit
//! tests), wit-bindgen's import stubs would panic with `unreachable`, so this module serves
//! them from thread-local state instead, which [`crate::testing`] fills and inspects.

#[cfg(target_arch = "wasm32")]
pub(crate) use crate::wit::roomkit::plugin::host::{config, kv_delete, kv_get, kv_set, log};

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use native::{config, kv_delete, kv_get, kv_set, log};

#[cfg(not(target_arch = "wasm32"))]
pub(crate) mod native {
    use crate::log::Level;
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    /// What the stand-in host holds for the current thread (each test runs on its own).
    #[derive(Default)]
    pub(crate) struct State {
        pub(crate) config: BTreeMap<String, String>,
        pub(crate) kv: BTreeMap<String, Vec<u8>>,
        pub(crate) kv_max_keys: Option<usize>,
        pub(crate) logs: Vec<(Level, String)>,
        pub(crate) http: Option<Box<crate::testing::HttpHandler>>,
    }

    thread_local! {
        pub(crate) static STATE: RefCell<State> = RefCell::new(State::default());
    }

    pub(crate) fn config(key: &str) -> Option<String> {
        STATE.with(|s| s.borrow().config.get(key).cloned())
    }

    pub(crate) fn kv_get(key: &str) -> Option<Vec<u8>> {
        STATE.with(|s| s.borrow().kv.get(key).cloned())
    }

    pub(crate) fn kv_set(key: &str, value: &[u8]) -> Result<(), crate::kv::KvError> {
        STATE.with(|s| {
            let mut state = s.borrow_mut();
            let new_key = !state.kv.contains_key(key);
            if new_key && state.kv_max_keys.is_some_and(|max| state.kv.len() >= max) {
                return Err(crate::kv::KvError::OverQuota(format!(
                    "{} keys is the limit",
                    state.kv.len()
                )));
            }
            state.kv.insert(key.to_owned(), value.to_vec());
            Ok(())
        })
    }

    pub(crate) fn kv_delete(key: &str) -> bool {
        STATE.with(|s| s.borrow_mut().kv.remove(key).is_some())
    }

    pub(crate) fn log(level: Level, message: &str) {
        STATE.with(|s| s.borrow_mut().logs.push((level, message.to_owned())));
    }
}
