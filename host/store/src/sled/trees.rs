//! Every sled tree the store uses, in one place. Names say key and value.
//!
//! Each tree is opened by its name and held in a field of [`Trees`] with that same name, so the
//! code that reads `trees.roomid_index_event` says what the tree maps. The names are the on-disk
//! names: renaming a field would leave existing data directories behind.

use sled::{Db, Tree};

/// Declares the trees once: the [`Trees`] fields, the code that opens each by its field's name,
/// and [`TREES`] (name and layout, the layout taken from the field's doc line).
macro_rules! trees {
    ($( #[doc = $layout:literal] $name:ident, )*) => {
        /// Open handles to every tree, each field named after its tree.
        #[derive(Debug, Clone)]
        pub(crate) struct Trees {
            $( #[doc = $layout] pub $name: Tree, )*
        }

        impl Trees {
            /// Opens (or creates) every tree by its name.
            pub(crate) fn open(db: &Db) -> sled::Result<Self> {
                Ok(Trees {
                    $( $name: db.open_tree(stringify!($name))?, )*
                })
            }

            /// Every tree with its name, in the order of [`TREES`].
            pub(crate) fn all(&self) -> Vec<(&'static str, &Tree)> {
                vec![ $( (stringify!($name), &self.$name), )* ]
            }
        }

        /// Each tree's name and what it maps, as documented in `docs/storage.md`.
        pub const TREES: &[(&str, &str)] = &[ $( (stringify!($name), $layout.trim_ascii()), )* ];
    };
}

trees! {
    /// room_id → Room (JSON)
    roomid_room,
    /// room_id 0xFF index u64 BE → RoomEvent (JSON)
    roomid_index_event,
    /// event_id → room_id 0xFF index u64 BE
    eventid_roomindex,
    /// room_id 0xFF channel_id 0xFF idempotency_key → event_id
    roomid_channelid_idemkey_eventid,
    /// room_id 0xFF channel_id → ChannelBinding (JSON)
    roomid_channelid_binding,
    /// channel_id 0xFF room_id → (empty)
    channelid_roomid,
    /// room_id 0xFF participant_id → Participant (JSON)
    roomid_participantid_participant,
    /// participant_id 0xFF room_id → (empty)
    participantid_roomid,
    /// identity_id → Identity (JSON)
    identityid_identity,
    /// channel_type 0xFF address → identity_id
    channeltype_address_identityid,
    /// room_id 0xFF seq u64 BE → Task (JSON)
    roomid_seq_task,
    /// task_id → room_id 0xFF seq u64 BE
    taskid_roomseq,
    /// room_id 0xFF seq u64 BE → Observation (JSON)
    roomid_seq_observation,
    /// plugin 0xFF key → value bytes
    plugin_key_value,
    /// channel_id 0xFF participant_id (empty: none) 0xFF room_id → (empty)
    channelid_participantid_roomid,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The on-disk names of the trees: data directories written by earlier versions hold these,
    /// so changing one is a migration, not a rename.
    const ON_DISK: [&str; 15] = [
        "roomid_room",
        "roomid_index_event",
        "eventid_roomindex",
        "roomid_channelid_idemkey_eventid",
        "roomid_channelid_binding",
        "channelid_roomid",
        "roomid_participantid_participant",
        "participantid_roomid",
        "identityid_identity",
        "channeltype_address_identityid",
        "roomid_seq_task",
        "taskid_roomseq",
        "roomid_seq_observation",
        "plugin_key_value",
        "channelid_participantid_roomid",
    ];

    #[test]
    fn the_tree_names_are_the_on_disk_names() {
        let names: Vec<&str> = TREES.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, ON_DISK);
        assert_eq!(
            TREES[1],
            (
                "roomid_index_event",
                "room_id 0xFF index u64 BE → RoomEvent (JSON)"
            )
        );
    }

    #[test]
    fn each_field_holds_the_tree_of_its_name() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let trees = Trees::open(&db).unwrap();
        trees.roomid_seq_task.insert(b"k", b"v").unwrap();
        assert_eq!(db.open_tree("roomid_seq_task").unwrap().len(), 1);
        for (name, tree) in trees.all() {
            assert_eq!(tree.name().as_ref(), name.as_bytes());
            assert_eq!(name_of(tree), name);
        }
        let mut on_disk: Vec<String> = db
            .tree_names()
            .iter()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .filter(|n| n != "__sled__default")
            .collect();
        on_disk.sort();
        let mut expected = ON_DISK.map(str::to_owned).to_vec();
        expected.sort();
        assert_eq!(on_disk, expected);
    }
}
