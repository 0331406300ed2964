use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Metadata, Timestamp, ValidationError, new_id, now};

/// A piece of work a hook or agent created in a room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Task {
    /// Unique id.
    pub id: String,
    /// The room.
    pub room_id: String,
    /// Short title.
    pub title: String,
    /// Longer text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Who should do it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    /// Progress.
    #[serde(default)]
    pub status: TaskStatus,
    /// When it was created.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Free-form data.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub metadata: Metadata,
}

impl Task {
    /// A pending task with a fresh id.
    pub fn new(room_id: impl Into<String>, title: impl Into<String>) -> Self {
        Task {
            id: new_id(),
            room_id: room_id.into(),
            title: title.into(),
            description: None,
            assigned_to: None,
            status: TaskStatus::Pending,
            created_at: now(),
            metadata: Metadata::new(),
        }
    }
}

/// Progress of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum TaskStatus {
    #[default]
    Pending,
    InProgress,
    Completed,
    Failed,
    Cancelled,
}

impl TaskStatus {
    /// The status as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    /// Completed, failed and cancelled tasks are finished: their status no longer changes.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled
        )
    }

    /// Whether a task may move from this status to `next`: any status may be set again, and
    /// an unfinished task may move to any status; a finished one stays as it is.
    pub fn can_become(self, next: TaskStatus) -> bool {
        self == next || !self.is_final()
    }
}

/// Something a hook or agent noticed about a conversation (sentiment, intent, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Observation {
    /// Unique id.
    pub id: String,
    /// The room.
    pub room_id: String,
    /// The channel that observed it.
    pub channel_id: String,
    /// What was observed.
    pub content: String,
    /// A grouping such as `sentiment`.
    #[serde(default)]
    pub category: String,
    /// How sure, 0..1.
    #[serde(default = "full_confidence")]
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub confidence: f64,
    /// When it was recorded.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Free-form data.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub metadata: Metadata,
}

fn full_confidence() -> f64 {
    1.0
}

impl Observation {
    /// An observation with a fresh id and full confidence.
    pub fn new(
        room_id: impl Into<String>,
        channel_id: impl Into<String>,
        content: impl Into<String>,
    ) -> Self {
        Observation {
            id: new_id(),
            room_id: room_id.into(),
            channel_id: channel_id.into(),
            content: content.into(),
            category: String::new(),
            confidence: 1.0,
            created_at: now(),
            metadata: Metadata::new(),
        }
    }

    /// Confidence must lie in 0..1.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if (0.0..=1.0).contains(&self.confidence) {
            Ok(())
        } else {
            Err(ValidationError::ConfidenceOutOfRange(self.confidence))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observation_confidence_must_be_between_zero_and_one() {
        let mut o = Observation::new("r", "ai", "angry");
        assert!(o.validate().is_ok());
        o.confidence = 1.5;
        assert_eq!(
            o.validate(),
            Err(ValidationError::ConfidenceOutOfRange(1.5))
        );
        o.confidence = f64::NAN;
        assert!(o.validate().is_err());
    }

    #[test]
    fn a_finished_task_keeps_its_status() {
        use TaskStatus::*;
        for from in [Pending, InProgress] {
            for to in [Pending, InProgress, Completed, Failed, Cancelled] {
                assert!(from.can_become(to), "{from:?} -> {to:?}");
            }
        }
        for from in [Completed, Failed, Cancelled] {
            for to in [Pending, InProgress, Completed, Failed, Cancelled] {
                assert_eq!(from.can_become(to), from == to, "{from:?} -> {to:?}");
            }
        }
        assert_eq!(InProgress.as_str(), "in_progress");
    }

    #[test]
    fn task_round_trips() {
        let mut t = Task::new("r", "call back");
        t.status = TaskStatus::InProgress;
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["status"], "in_progress");
        assert_eq!(serde_json::from_value::<Task>(json).unwrap(), t);
    }
}
