//! Rules both backends apply the same way, kept in one place so they cannot drift.

use roomkit_model::{Room, RoomEvent, RoomStatus, Timestamp, now};

use crate::{Error, EventQuery, Result, RoomFilter};

/// What a commit reads and changes of a room: its status and the commit-owned counters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CommitState {
    pub(crate) status: RoomStatus,
    pub(crate) event_count: u64,
    pub(crate) last_activity_at: Option<Timestamp>,
}

impl CommitState {
    pub(crate) fn of(room: &Room) -> Self {
        CommitState {
            status: room.status,
            event_count: room.event_count,
            last_activity_at: room.timers.last_activity_at,
        }
    }

    /// Writes the counters into a room record (`latest_index` follows `event_count`).
    pub(crate) fn write_to(&self, room: &mut Room) {
        room.status = self.status;
        room.event_count = self.event_count;
        room.latest_index = self.event_count.checked_sub(1);
        room.timers.last_activity_at = self.last_activity_at;
    }

    /// Assigns the event its index and advances the counters (SPEC §2 step 13): unless the
    /// event is blocked, `last_activity_at` becomes its `created_at` and a paused room turns
    /// active. Returns whether the status changed. `updated_at` is not the commit's: it tracks
    /// changes to the room record itself.
    pub(crate) fn apply(&mut self, event: &mut RoomEvent) -> bool {
        event.index = self.event_count;
        self.event_count += 1;
        if event.is_blocked() {
            return false;
        }
        self.last_activity_at = Some(event.created_at);
        if self.status == RoomStatus::Paused {
            self.status = RoomStatus::Active;
            return true;
        }
        false
    }
}

/// `new` with the commit-owned fields taken from `stored`.
pub(crate) fn keep_counters(stored: &Room, new: &Room) -> Room {
    let mut merged = new.clone();
    merged.event_count = stored.event_count;
    merged.latest_index = stored.latest_index;
    merged.timers.last_activity_at = stored.timers.last_activity_at;
    merged
}

/// The room as `update_room` stores it: the caller's fields, the stored counters and creation
/// time, a fresh `updated_at`.
pub(crate) fn merge_room_update(stored: &Room, new: &Room) -> Room {
    let mut merged = keep_counters(stored, new);
    merged.created_at = stored.created_at;
    merged.updated_at = now();
    merged
}

/// Applies offset and limit to events that pass the query's filters, in the order given.
pub(crate) fn page_events<I>(events: I, query: &EventQuery) -> Result<Vec<RoomEvent>>
where
    I: Iterator<Item = Result<RoomEvent>>,
{
    let mut out = Vec::with_capacity(query.limit.min(1024));
    let mut skipped = 0;
    for event in events {
        let event = event?;
        if !query.admits(&event) {
            continue;
        }
        if skipped < query.offset {
            skipped += 1;
            continue;
        }
        out.push(event);
        if out.len() >= query.limit {
            break;
        }
    }
    Ok(out)
}

/// Sorts rooms into creation order and applies the filter's offset and limit.
pub(crate) fn page_rooms(mut rooms: Vec<Room>, filter: &RoomFilter) -> Vec<Room> {
    rooms.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    let limit = filter.limit.unwrap_or(usize::MAX);
    rooms.into_iter().skip(filter.offset).take(limit).collect()
}

/// The new read marker: a high-water mark that never moves back and never passes the newest
/// event.
pub(crate) fn raise_marker(room: &Room, current: Option<u64>, index: u64) -> Result<u64> {
    match room.latest_index {
        Some(latest) if index <= latest => Ok(current.map_or(index, |c| c.max(index))),
        latest => Err(Error::IndexOutOfRange {
            room_id: room.id.clone(),
            index,
            latest,
        }),
    }
}
