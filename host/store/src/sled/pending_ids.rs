//! The event-id index, written off the commit path. A durable commit records `id → location`
//! here; the group-commit flusher writes the entries to `eventid_roomindex` right before each
//! flush, so an acknowledged event always has its index entry on disk. Readers look here first.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use sled::Tree;

#[derive(Debug)]
pub(crate) struct PendingIds {
    /// event id → event key, not yet in the tree
    entries: Mutex<HashMap<Vec<u8>, Vec<u8>>>,
    tree: Tree,
}

impl PendingIds {
    pub(crate) fn new(tree: Tree) -> Self {
        PendingIds {
            entries: Mutex::new(HashMap::new()),
            tree,
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, HashMap<Vec<u8>, Vec<u8>>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Where the event `id` is, pending or written.
    pub(crate) fn location(&self, id: &[u8]) -> sled::Result<Option<Vec<u8>>> {
        if let Some(location) = self.lock().get(id) {
            return Ok(Some(location.clone()));
        }
        Ok(self.tree.get(id)?.map(|l| l.to_vec()))
    }

    /// Writes every pending entry to the tree. Entries are removed from memory only after they
    /// are in the tree, so a reader always finds one or the other.
    pub(crate) fn write_out(&self) -> sled::Result<()> {
        let snapshot: Vec<(Vec<u8>, Vec<u8>)> = self
            .lock()
            .iter()
            .map(|(id, location)| (id.clone(), location.clone()))
            .collect();
        if snapshot.is_empty() {
            return Ok(());
        }
        for (id, location) in &snapshot {
            self.tree.insert(id.as_slice(), location.as_slice())?;
        }
        let mut entries = self.lock();
        for (id, location) in snapshot {
            if entries.get(&id) == Some(&location) {
                entries.remove(&id);
            }
        }
        Ok(())
    }
}
