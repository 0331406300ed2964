//! Per-room delivery lanes (SPEC §2 step 14): deliveries of a room run one event at a time in
//! commit order, so every target sees index order, while the room lock is already free for the
//! next commit. A ticket is taken under the room lock right after the commit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

#[derive(Debug)]
struct Lane {
    next: Mutex<u64>,
    serving: watch::Sender<u64>,
}

/// The lanes of all rooms.
#[derive(Debug, Default)]
pub(crate) struct Lanes {
    lanes: Mutex<HashMap<String, Arc<Lane>>>,
}

/// A place in a room's lane. Dropping it unused still gives up its turn in order.
#[derive(Debug)]
pub(crate) struct Ticket {
    lane: Option<Arc<Lane>>,
    number: u64,
}

/// Holding the turn; the lane moves on when it drops (also on panic or cancellation).
#[derive(Debug)]
pub(crate) struct Turn {
    lane: Arc<Lane>,
}

impl Lanes {
    /// Takes the next place in the room's lane. Call with the room lock held.
    pub(crate) fn ticket(&self, room_id: &str) -> Ticket {
        let lane = {
            let mut lanes = self.lanes.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(lanes.entry(room_id.to_owned()).or_insert_with(|| {
                Arc::new(Lane {
                    next: Mutex::new(0),
                    serving: watch::Sender::new(0),
                })
            }))
        };
        let number = {
            let mut next = lane.next.lock().unwrap_or_else(|p| p.into_inner());
            let number = *next;
            *next += 1;
            number
        };
        Ticket {
            lane: Some(lane),
            number,
        }
    }
}

impl Ticket {
    /// Waits until every earlier ticket of the lane is done.
    pub(crate) async fn turn(mut self) -> Turn {
        let number = self.number;
        let lane = self.lane.take();
        wait_turn(lane, number).await
    }
}

async fn wait_turn(lane: Option<Arc<Lane>>, number: u64) -> Turn {
    let Some(lane) = lane else {
        unreachable!("a ticket's lane is taken only once");
    };
    let mut serving = lane.serving.subscribe();
    // The sender lives in the lane we hold, so the channel cannot close.
    let _ = serving.wait_for(|s| *s >= number).await;
    Turn { lane }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let Some(lane) = self.lane.take() else {
            return;
        };
        let number = self.number;
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { drop(wait_turn(Some(lane), number).await) });
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.lane.serving.send_modify(|s| *s += 1);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn turns_come_in_ticket_order_whatever_order_they_wait_in() {
        let lanes = Lanes::default();
        let tickets: Vec<Ticket> = (0..5).map(|_| lanes.ticket("r")).collect();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (n, ticket) in tickets.into_iter().enumerate().rev() {
            let order = Arc::clone(&order);
            tasks.push(tokio::spawn(async move {
                let _turn = ticket.turn().await;
                tokio::time::sleep(Duration::from_millis(2)).await;
                order.lock().unwrap().push(n);
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), vec![0, 1, 2, 3, 4]);
    }

    #[tokio::test]
    async fn an_unused_ticket_gives_up_its_turn_in_order() {
        let lanes = Lanes::default();
        let first = lanes.ticket("r");
        let unused = lanes.ticket("r");
        let third = lanes.ticket("r");
        drop(unused);
        let turn = first.turn().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
        let mut waiting = Box::pin(third.turn());
        assert!(
            futures_poll_once(&mut waiting).await.is_none(),
            "third waits for first"
        );
        drop(turn);
        assert!(
            tokio::time::timeout(Duration::from_secs(30), waiting)
                .await
                .is_ok()
        );
    }

    async fn futures_poll_once<F: std::future::Future + Unpin>(f: &mut F) -> Option<F::Output> {
        tokio::time::timeout(Duration::from_millis(20), f)
            .await
            .ok()
    }

    #[tokio::test]
    async fn a_dropped_turn_lets_the_next_one_go() {
        let lanes = Lanes::default();
        let first = lanes.ticket("r");
        let second = lanes.ticket("r");
        let other_room = lanes.ticket("s");
        drop(other_room.turn().await); // other rooms never wait for this one
        drop(first.turn().await);
        let next = tokio::time::timeout(Duration::from_secs(30), second.turn()).await;
        assert!(next.is_ok());
    }
}
