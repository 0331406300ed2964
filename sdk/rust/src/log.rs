//! The host's log; every line is tagged with the plugin's name by the host.
//!
//! ```no_run
//! roomkit_sdk::log::info("loaded 12 words");
//! roomkit_sdk::log::warn(&format!("unknown category {:?}", "x"));
//! ```

use crate::sys;

/// How severe a log line is.
pub use crate::wit::roomkit::plugin::host::Level;

/// Writes `message` at `level`.
pub fn write(level: Level, message: &str) {
    sys::log(level, message)
}

/// Writes at level trace.
pub fn trace(message: &str) {
    write(Level::Trace, message)
}

/// Writes at level debug.
pub fn debug(message: &str) {
    write(Level::Debug, message)
}

/// Writes at level info.
pub fn info(message: &str) {
    write(Level::Info, message)
}

/// Writes at level warn.
pub fn warn(message: &str) {
    write(Level::Warn, message)
}

/// Writes at level error.
pub fn error(message: &str) {
    write(Level::Error, message)
}
