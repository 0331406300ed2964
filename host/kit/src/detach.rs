//! Futures that run to their end even when the caller stops waiting.
//!
//! A pass must never stop half way (committed but not delivered) because an HTTP client hung
//! up. Spawning every pass as a task guarantees that, but costs two thread hand-offs per
//! message (into the task and back out). [`RunToEnd`] polls the pass in the caller's own task
//! instead, and only when the caller drops it unfinished does the rest of the pass move to a
//! task of its own: the pass is boxed, so it can change owners without moving in memory.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

type Pass<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Polls a boxed pass in place; hands the unfinished remainder to the runtime when dropped.
///
/// The pass is boxed when the `RunToEnd` is made and only the box moves after that: a pass
/// future is several KB, and every move of it is a copy.
#[must_use = "a future does nothing unless polled"]
pub(crate) struct RunToEnd<T: Send + 'static> {
    pass: Option<Pass<T>>,
    detach_on_drop: bool,
}

impl<T: Send + 'static> RunToEnd<T> {
    /// A pass that moves to a task of its own if dropped unfinished.
    pub(crate) fn new(pass: impl Future<Output = T> + Send + 'static) -> Self {
        RunToEnd {
            pass: Some(Box::pin(pass)),
            detach_on_drop: true,
        }
    }

    /// A pass that stops where it is if dropped (one nested in another pass, whose own
    /// `RunToEnd` carries it to its end).
    pub(crate) fn in_place(pass: impl Future<Output = T> + Send + 'static) -> Self {
        RunToEnd {
            pass: Some(Box::pin(pass)),
            detach_on_drop: false,
        }
    }
}

impl<T: Send + 'static> Future for RunToEnd<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // Taken out while polled: a pass that panics is dropped by the unwind, never resumed.
        let Some(mut pass) = self.pass.take() else {
            panic!("RunToEnd polled after it completed");
        };
        match pass.as_mut().poll(cx) {
            Poll::Ready(output) => Poll::Ready(output),
            Poll::Pending => {
                self.pass = Some(pass);
                Poll::Pending
            }
        }
    }
}

impl<T: Send + 'static> Drop for RunToEnd<T> {
    fn drop(&mut self) {
        if let Some(pass) = self.pass.take().filter(|_| self.detach_on_drop) {
            // Without a runtime (it is shutting down) there is nothing left to run it on.
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(pass);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn completes_in_place_and_returns_the_output() {
        let out = RunToEnd::new(async { 41 + 1 }).await;
        assert_eq!(out, 42);
    }

    #[tokio::test]
    async fn a_dropped_caller_leaves_the_rest_running_to_its_end() {
        let steps = Arc::new(AtomicUsize::new(0));
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let (finished_tx, finished) = tokio::sync::oneshot::channel::<usize>();
        let counted = Arc::clone(&steps);
        let pass = RunToEnd::new(async move {
            counted.fetch_add(1, Ordering::SeqCst);
            released.await.unwrap();
            let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
            finished_tx.send(n).unwrap();
        });
        // The caller waits a moment, then gives up (like a client hanging up).
        let gave_up = tokio::time::timeout(Duration::from_millis(20), pass).await;
        assert!(gave_up.is_err());
        assert_eq!(steps.load(Ordering::SeqCst), 1);
        release.send(()).unwrap();
        assert_eq!(finished.await.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_completed_pass_is_not_run_again_on_drop() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&runs);
        let pass = RunToEnd::new(async move {
            counted.fetch_add(1, Ordering::SeqCst);
        });
        pass.await;
        tokio::task::yield_now().await;
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_dropped_in_place_pass_stops_where_it_is() {
        let steps = Arc::new(AtomicUsize::new(0));
        let (_release, released) = tokio::sync::oneshot::channel::<()>();
        let counted = Arc::clone(&steps);
        let pass = RunToEnd::in_place(async move {
            counted.fetch_add(1, Ordering::SeqCst);
            let _ = released.await;
            counted.fetch_add(1, Ordering::SeqCst);
        });
        let gave_up = tokio::time::timeout(Duration::from_millis(20), pass).await;
        assert!(gave_up.is_err());
        // Dropped, not detached: the future was dropped with its receiver, and nothing runs on.
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(steps.load(Ordering::SeqCst), 1);
        assert_eq!(Arc::strong_count(&steps), 1);
    }
}
