use thiserror::Error;

/// Result of a kit operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a kit operation failed. Refusals that the spec models as *blocked* results (rate limits,
/// closed rooms, hook blocks) are not errors: they come back in an
/// [`InboundResult`](crate::InboundResult).
#[derive(Debug, Error)]
pub enum Error {
    /// No channel with this id is registered.
    #[error("channel_not_registered: no channel {0:?} is registered")]
    ChannelNotRegistered(String),
    /// A channel with this id is registered already.
    #[error("channel {0:?} is registered already")]
    ChannelExists(String),
    /// The channel has a source attached already.
    #[error("channel {0:?} has a source attached already")]
    SourceExists(String),
    /// No room with this id.
    #[error("room {0:?} not found")]
    RoomNotFound(String),
    /// The channel is not attached to the room.
    #[error("channel {channel_id:?} is not attached to room {room_id:?}")]
    NotAttached {
        /// The room.
        room_id: String,
        /// The channel.
        channel_id: String,
    },
    /// The room's state does not allow the operation.
    #[error("room {room_id:?} is {status}; cannot {action}")]
    InvalidTransition {
        /// The room.
        room_id: String,
        /// Its current status.
        status: &'static str,
        /// What was asked.
        action: &'static str,
    },
    /// No participant with this id in the room.
    #[error("participant {participant_id:?} not found in room {room_id:?}")]
    ParticipantNotFound {
        /// The room.
        room_id: String,
        /// The participant.
        participant_id: String,
    },
    /// The room has a participant with this id already.
    #[error("participant {participant_id:?} is in room {room_id:?} already")]
    ParticipantExists {
        /// The room.
        room_id: String,
        /// The participant.
        participant_id: String,
    },
    /// A finished task (completed, failed, cancelled) keeps its status.
    #[error("task {task_id:?} is {from}; it cannot become {to}")]
    InvalidTaskTransition {
        /// The task.
        task_id: String,
        /// Its current status.
        from: &'static str,
        /// The status asked for.
        to: &'static str,
    },
    /// A message or record breaks a rule of the data model.
    #[error("invalid input: {0}")]
    Invalid(#[from] roomkit_model::ValidationError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] roomkit_store::Error),
    /// The kit was closed.
    #[error("the kit is closed")]
    Closed,
}
