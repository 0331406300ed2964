//! What goes wrong with a plugin, always naming it: [`Error`], and [`CallFailure`] for a call.

use roomkit_kit::DeliveryError;
use thiserror::Error;

/// Result of a plugin operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong with a plugin. Every variant names the plugin.
#[derive(Debug, Error)]
pub enum Error {
    /// The manifest could not be read or breaks a rule (unknown keys included).
    #[error("plugin {plugin}: manifest {path}: {reason}")]
    Manifest {
        /// The plugin.
        plugin: String,
        /// The manifest file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The file is not a component the host can run (not a component, wrong world, WIT
    /// version the host does not accept).
    #[error("plugin {plugin}: {path} cannot be loaded: {reason}")]
    Load {
        /// The plugin.
        plugin: String,
        /// The component file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A call into the plugin failed: a trap, a limit, or an error the host hit.
    #[error("plugin {plugin}: {function}: {cause}")]
    Call {
        /// The plugin.
        plugin: String,
        /// The exported function.
        function: &'static str,
        /// What happened.
        cause: CallFailure,
    },
    /// A handle was called while no version of its plugin is loaded (the file is missing, of
    /// another kind, or failed to load).
    #[error("plugin {plugin}: {function}: not loaded")]
    NotLoaded {
        /// The plugin.
        plugin: String,
        /// The function that was called.
        function: &'static str,
    },
    /// The engine could not be set up.
    #[error("plugin engine: {0}")]
    Engine(String),
}

/// Why a call into a plugin failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CallFailure {
    /// It used its whole fuel budget (CPU limit).
    #[error("out of fuel: the call used its budget of {0} units")]
    OutOfFuel(u64),
    /// It ran past its wall-clock deadline.
    #[error("deadline exceeded: the call ran longer than {0} ms")]
    Deadline(u64),
    /// It asked for more memory than its limit.
    #[error("memory limit exceeded ({0} bytes)")]
    Memory(u64),
    /// It trapped (panic, unreachable, stack overflow, …).
    #[error("trap: {0}")]
    Trap(String),
    /// It returned an error of its own.
    #[error("returned an error: {0}")]
    Returned(String),
    /// The host could not prepare or finish the call.
    #[error("host error: {0}")]
    Host(String),
    /// The host cancelled the call: it is shutting down.
    #[error("cancelled: the host is shutting down")]
    Cancelled,
    /// The plugin is suspended by its circuit breaker after failing too often in a row; the
    /// call did not enter it.
    #[error(
        "suspended: {failures} failures in a row (trap, limit or deadline); calls are refused for {remaining_ms} ms more"
    )]
    Suspended {
        /// The consecutive failures that opened the breaker.
        failures: u32,
        /// How long the suspension still lasts.
        remaining_ms: u64,
    },
}

impl CallFailure {
    /// The same failure with `redact` applied to the text it carries (a trap's message, the
    /// plugin's own error): secrets out of errors.
    pub(crate) fn redacted(self, redact: impl Fn(&str) -> String) -> Self {
        match self {
            CallFailure::Trap(text) => CallFailure::Trap(redact(&text)),
            CallFailure::Returned(text) => CallFailure::Returned(redact(&text)),
            CallFailure::Host(text) => CallFailure::Host(redact(&text)),
            other => other,
        }
    }
}

/// A delivery failure of the host's making: retrying helps after a deadline, a host error, a
/// cancellation (the next start delivers) or a suspension (its cool-down ends), not after the
/// plugin's own fault (trap, fuel, memory).
pub(crate) fn delivery_error(err: Error) -> DeliveryError {
    let retryable = matches!(
        err,
        Error::Call {
            cause: CallFailure::Deadline(_)
                | CallFailure::Host(_)
                | CallFailure::Cancelled
                | CallFailure::Suspended { .. },
            ..
        } | Error::NotLoaded { .. }
    );
    if retryable {
        DeliveryError::retryable(err.to_string())
    } else {
        DeliveryError::permanent(err.to_string())
    }
}

/// A delivery error the plugin returned (`deliver`, `generate`), its message prefixed with
/// `plugin NAME: FUNCTION: returned an error:`; its `retryable`, the service's code and
/// `retry-after-ms` kept.
pub(crate) fn returned_delivery_error(
    plugin: &str,
    function: &'static str,
    refusal: crate::bindings::wit::DeliveryError,
) -> DeliveryError {
    let message = Error::Call {
        plugin: plugin.to_owned(),
        function,
        cause: CallFailure::Returned(refusal.message),
    }
    .to_string();
    DeliveryError {
        message,
        retryable: refusal.retryable,
        code: refusal.code,
        retry_after: refusal.retry_after_ms.map(std::time::Duration::from_millis),
    }
}
