use thiserror::Error;

/// Result of a store operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a store operation failed. Variants name the record involved.
#[derive(Debug, Error)]
pub enum Error {
    /// A room with this id already exists.
    #[error("room {0:?} already exists")]
    RoomExists(String),
    /// No room with this id.
    #[error("room {0:?} not found")]
    RoomNotFound(String),
    /// An event with this id was already committed.
    #[error("event {0:?} already exists")]
    EventExists(String),
    /// No event with this id.
    #[error("event {0:?} not found")]
    EventNotFound(String),
    /// An update tried to move an event to another room or index.
    #[error("event {event_id:?} belongs to room {room_id:?} at index {index}; it cannot be moved")]
    EventMoved {
        /// The event.
        event_id: String,
        /// Its stored room.
        room_id: String,
        /// Its stored index.
        index: u64,
    },
    /// The channel is not attached to the room.
    #[error("channel {channel_id:?} is not attached to room {room_id:?}")]
    BindingNotFound {
        /// The room.
        room_id: String,
        /// The channel.
        channel_id: String,
    },
    /// An identity with this id already exists.
    #[error("identity {0:?} already exists")]
    IdentityExists(String),
    /// No identity with this id.
    #[error("identity {0:?} not found")]
    IdentityNotFound(String),
    /// The address already belongs to another identity.
    #[error("{channel_type} address {address:?} already belongs to identity {identity_id:?}")]
    AddressTaken {
        /// The channel type.
        channel_type: String,
        /// The address.
        address: String,
        /// The identity that has it.
        identity_id: String,
    },
    /// A task with this id already exists.
    #[error("task {0:?} already exists")]
    TaskExists(String),
    /// No task with this id.
    #[error("task {0:?} not found")]
    TaskNotFound(String),
    /// A read marker beyond the room's newest event.
    #[error("index {index} is beyond the newest event of room {room_id:?} ({latest:?})")]
    IndexOutOfRange {
        /// The room.
        room_id: String,
        /// The requested index.
        index: u64,
        /// The room's newest index, if any.
        latest: Option<u64>,
    },
    /// A record breaks a rule of the data model.
    #[error("invalid record: {0}")]
    Invalid(#[from] roomkit_model::ValidationError),
    /// A stored value could not be decoded.
    #[error("corrupt record in tree {tree} at key {key:?}: {reason}")]
    Corrupt {
        /// The tree.
        tree: &'static str,
        /// The key, lossily printed.
        key: String,
        /// The decoding error.
        reason: String,
    },
    /// The database itself failed (disk, I/O).
    #[error("storage backend failed: {0}")]
    Backend(String),
    /// The store was closed.
    #[error("the store is closed")]
    Closed,
}

impl From<::sled::Error> for Error {
    fn from(err: ::sled::Error) -> Self {
        Error::Backend(err.to_string())
    }
}
