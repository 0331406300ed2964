//! Stand-ins for the host, for unit tests on the build machine (not compiled for wasm).
//!
//! Off wasm, [`crate::config`], [`crate::kv`] and [`crate::log`] use thread-local state that
//! these functions fill and inspect, and [`crate::http`] asks the handler set with [`on_http`].
//! Each test runs on its own thread, so tests do not see each other's state.
//!
//! ```
//! use roomkit_sdk::{config, testing};
//!
//! testing::set_config("words", "darn, heck");
//! assert_eq!(config::get("words").as_deref(), Some("darn, heck"));
//! testing::reset();
//! assert_eq!(config::get("words"), None);
//! ```

use crate::http::{Error, Request, Response};
use crate::log::Level;
use crate::sys::native::STATE;

/// What answers outbound requests in tests.
pub type HttpHandler = dyn Fn(&Request) -> Result<Response, Error>;

/// Sets a `[config]` value.
pub fn set_config(key: &str, value: &str) {
    STATE.with(|s| {
        s.borrow_mut()
            .config
            .insert(key.to_owned(), value.to_owned())
    });
}

/// Sets several `[config]` values.
pub fn set_configs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) {
    pairs.into_iter().for_each(|(k, v)| set_config(k, v));
}

/// Forgets config, key-value data, logs and the HTTP handler of this thread.
pub fn reset() {
    STATE.with(|s| *s.borrow_mut() = Default::default());
}

/// Refuses new keys once the plugin holds `max_keys` (as the host's `[kv] max_keys` does).
pub fn set_kv_max_keys(max_keys: usize) {
    STATE.with(|s| s.borrow_mut().kv_max_keys = Some(max_keys));
}

/// What the plugin stored under `key`.
pub fn kv(key: &str) -> Option<Vec<u8>> {
    crate::kv::get(key)
}

/// The log lines written so far, oldest first.
pub fn logs() -> Vec<(Level, String)> {
    STATE.with(|s| s.borrow().logs.clone())
}

/// Answers outbound requests with `handler` from now on.
pub fn on_http(handler: impl Fn(&Request) -> Result<Response, Error> + 'static) {
    STATE.with(|s| s.borrow_mut().http = Some(Box::new(handler)));
}

pub(crate) fn handle_http(request: Request) -> Result<Response, Error> {
    // Take the handler out while it runs, so that it may use the other stand-ins.
    let handler = STATE.with(|s| s.borrow_mut().http.take());
    let Some(handler) = handler else {
        return Err(Error::Unavailable);
    };
    let result = handler(&request);
    STATE.with(|s| {
        let mut state = s.borrow_mut();
        if state.http.is_none() {
            state.http = Some(handler);
        }
    });
    result
}

/// A binding of channel `sms` (type `sms`, read-write, visible to all) whose correspondent is
/// `participant_id`: what a provider's `deliver` gets in most tests.
pub fn sms_binding(participant_id: Option<&str>) -> crate::types::BindingView {
    crate::types::BindingView {
        channel_id: "sms".into(),
        channel_type: "sms".into(),
        category: "transport".into(),
        access: "read_write".into(),
        muted: false,
        visibility: "all".into(),
        participant_id: participant_id.map(str::to_owned),
        metadata: "{}".into(),
    }
}

/// A JSON answer with `status` and `body`, as a service's API gives it.
pub fn json_response(status: u16, body: &str) -> Response {
    Response {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.as_bytes().to_vec(),
    }
}
