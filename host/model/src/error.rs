use thiserror::Error;

/// Why a value breaks a rule of the data model. The message names the field and the rule.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ValidationError {
    /// A media, audio or video URL that is not http(s) or data:, or that climbs with `..`.
    #[error("{field}: URL must be http(s) or data: and must not contain '..' (got {url:?})")]
    UnsafeUrl { field: &'static str, url: String },
    /// Latitude outside -90..90 or longitude outside -180..180.
    #[error("{field} {value} is out of range {min}..{max}")]
    OutOfRange {
        field: &'static str,
        value: f64,
        min: f64,
        max: f64,
    },
    /// A composite with no parts.
    #[error("composite content needs at least one part")]
    EmptyComposite,
    /// Composites nested deeper than the limit.
    #[error("composite content is nested {depth} levels deep; the limit is {max}")]
    CompositeTooDeep { depth: usize, max: usize },
    /// A visibility string that does not follow the grammar.
    #[error("invalid visibility {value:?}: {reason}")]
    InvalidVisibility { value: String, reason: &'static str },
    /// `internal` visibility where the spec refuses it (inbound messages, bindings).
    #[error("visibility 'internal' is not allowed on {place}")]
    InternalVisibilityRefused { place: &'static str },
    /// A confidence outside 0..1.
    #[error("confidence {0} is out of range 0..1")]
    ConfidenceOutOfRange(f64),
    /// A required text field is empty.
    #[error("{0} must not be empty")]
    Empty(&'static str),
    /// An id that is empty, too long or holds control characters.
    #[error("{field}: {reason}")]
    InvalidId { field: &'static str, reason: String },
    /// A value its field does not allow.
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
}
