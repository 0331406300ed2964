//! Rules both backends apply the same way, kept in one place so they cannot drift.

use roomkit_model::{Room, RoomEvent, RoomStatus, now};

use crate::{Error, EventQuery, Result, RoomFilter};

/// Assigns the event its index and updates the room's commit-owned fields (SPEC §2 step 13):
/// `event_count`, `latest_index` and, unless the event is blocked, `last_activity_at` (the
/// event's `created_at`) and paused → active. Returns whether the room's status changed.
/// `updated_at` is left alone: it tracks changes to the room record itself.
pub(crate) fn apply_commit(room: &mut Room, event: &mut RoomEvent) -> bool {
    event.index = room.event_count;
    room.event_count += 1;
    room.latest_index = Some(event.index);
    if event.is_blocked() {
        return false;
    }
    room.timers.last_activity_at = Some(event.created_at);
    if room.status == RoomStatus::Paused {
        room.status = RoomStatus::Active;
        return true;
    }
    false
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
