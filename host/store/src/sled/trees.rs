//! Every sled tree the store uses, in one place. Names say key and value.

use sled::{Db, Tree};

/// Each tree's name and what it maps, as documented in `docs/storage.md`.
pub const TREES: &[(&str, &str)] = &[
    ("roomid_room", "room_id → Room (JSON)"),
    (
        "roomid_index_event",
        "room_id 0xFF index u64 BE → RoomEvent (JSON)",
    ),
    ("eventid_roomindex", "event_id → room_id 0xFF index u64 BE"),
    (
        "roomid_channelid_idemkey_eventid",
        "room_id 0xFF channel_id 0xFF idempotency_key → event_id",
    ),
    (
        "roomid_channelid_binding",
        "room_id 0xFF channel_id → ChannelBinding (JSON)",
    ),
    ("channelid_roomid", "channel_id 0xFF room_id → (empty)"),
    (
        "roomid_participantid_participant",
        "room_id 0xFF participant_id → Participant (JSON)",
    ),
    (
        "participantid_roomid",
        "participant_id 0xFF room_id → (empty)",
    ),
    ("identityid_identity", "identity_id → Identity (JSON)"),
    (
        "channeltype_address_identityid",
        "channel_type 0xFF address → identity_id",
    ),
    ("roomid_seq_task", "room_id 0xFF seq u64 BE → Task (JSON)"),
    ("taskid_roomseq", "task_id → room_id 0xFF seq u64 BE"),
    (
        "roomid_seq_observation",
        "room_id 0xFF seq u64 BE → Observation (JSON)",
    ),
    ("plugin_key_value", "plugin 0xFF key → value bytes"),
];

/// Open handles to every tree.
#[derive(Debug, Clone)]
pub(crate) struct Trees {
    pub rooms: Tree,
    pub events: Tree,
    pub event_ids: Tree,
    pub idempotency: Tree,
    pub bindings: Tree,
    pub channel_rooms: Tree,
    pub participants: Tree,
    pub participant_rooms: Tree,
    pub identities: Tree,
    pub addresses: Tree,
    pub tasks: Tree,
    pub task_ids: Tree,
    pub observations: Tree,
    pub kv: Tree,
}

impl Trees {
    pub(crate) fn open(db: &Db) -> sled::Result<Self> {
        let open = |i: usize| db.open_tree(TREES[i].0);
        Ok(Trees {
            rooms: open(0)?,
            events: open(1)?,
            event_ids: open(2)?,
            idempotency: open(3)?,
            bindings: open(4)?,
            channel_rooms: open(5)?,
            participants: open(6)?,
            participant_rooms: open(7)?,
            identities: open(8)?,
            addresses: open(9)?,
            tasks: open(10)?,
            task_ids: open(11)?,
            observations: open(12)?,
            kv: open(13)?,
        })
    }
}

/// The tree name for error messages.
pub(crate) fn name_of(tree: &Tree) -> &'static str {
    let name = tree.name();
    TREES
        .iter()
        .map(|(n, _)| *n)
        .find(|n| n.as_bytes() == name.as_ref())
        .unwrap_or("unknown")
}
