//! Backends under test. Every contract test runs once per backend through [`backend_tests!`].

use std::sync::Arc;

use roomkit_store::{ConversationStore, MemoryStore, SledStore};
use tempfile::TempDir;

/// A store under test and whatever must live as long as it (the sled directory).
pub struct Backend {
    pub store: Arc<dyn ConversationStore>,
    _dir: Option<TempDir>,
}

impl std::ops::Deref for Backend {
    type Target = dyn ConversationStore;
    fn deref(&self) -> &Self::Target {
        self.store.as_ref()
    }
}

pub fn memory() -> Backend {
    Backend {
        store: Arc::new(MemoryStore::new()),
        _dir: None,
    }
}

/// A durable sled store in a fresh temporary directory.
pub fn sled() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path().join("db")).unwrap();
    Backend {
        store: Arc::new(store),
        _dir: Some(dir),
    }
}

/// Generates one `#[tokio::test]` per backend for each listed `async fn name(store: Backend)`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod memory_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::memory()).await;
                }
            )*
        }
        mod sled_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::sled()).await;
                }
            )*
        }
    };
}
