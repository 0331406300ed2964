//! Delivery receipts: a service's news about a message the host delivered (queued, sent,
//! delivered, read, failed), matched to the event and target through the provider's message
//! id, which delivery records.
//!
//! The match is an index in the store's key-value space (namespace [`RECEIPT_INDEX`], key
//! `channel_id/provider_message_id`, value the event id), written when a delivery that got an
//! id is recorded. An update for an id the index does not know is logged and dropped.

use roomkit_model::{
    DeliveryStatus, EphemeralEvent, EphemeralEventType, EventStatus, FrameworkEventType, Metadata,
    RoomEvent, now,
};

use super::{Inner, RoomKit};
use crate::Result;
use crate::framework::FrameworkEvent;
use crate::locks::lock_scope;

/// The store namespace of the provider message id → event index.
pub const RECEIPT_INDEX: &str = "roomkit.receipts";

/// A service's news about one delivered message.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusUpdate {
    /// The id the provider gave when it delivered the message.
    pub provider_message_id: String,
    /// Queued, sent, delivered, read or failed.
    pub status: DeliveryStatus,
    /// The service's error code (failed).
    pub error_code: Option<String>,
    /// The service's error text (failed).
    pub error_message: Option<String>,
    /// The service's other fields.
    pub metadata: Metadata,
}

/// What became of a status update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptOutcome {
    /// The event's delivery result for the channel was updated.
    Applied {
        /// The room.
        room_id: String,
        /// The event.
        event_id: String,
    },
    /// No delivered message has this id on this channel: dropped.
    Unknown,
}

fn index_key(channel_id: &str, provider_message_id: &str) -> String {
    format!("{channel_id}/{provider_message_id}")
}

/// The event's status after a receipt for one of its targets.
fn event_status(current: EventStatus, receipt: DeliveryStatus) -> EventStatus {
    match receipt {
        DeliveryStatus::Read => EventStatus::Read,
        DeliveryStatus::Failed => EventStatus::Failed,
        DeliveryStatus::Delivered if current != EventStatus::Read => EventStatus::Delivered,
        _ => current,
    }
}

impl Inner {
    /// Indexes the provider message ids of a recorded delivery. The entries are as durable as
    /// the delivery record they index (written without waiting for a flush, as it is).
    pub(crate) async fn index_provider_ids(&self, event: &RoomEvent) -> Result<()> {
        for (channel_id, result) in &event.delivery_results {
            if let Some(id) = &result.provider_message_id {
                self.store
                    .kv_set_unsynced(
                        RECEIPT_INDEX,
                        &index_key(channel_id, id),
                        event.id.as_bytes(),
                    )
                    .await?;
            }
        }
        Ok(())
    }
}

impl RoomKit {
    /// Applies a status update that a webhook of `channel_id` brought: the delivery result of
    /// that channel on the matching event takes its status (and error), the event's status
    /// follows (`read`, `failed`, `delivered`), a `delivery_receipt` framework event is
    /// emitted and the room's realtime subscribers (WebSocket clients) get a
    /// `delivery_receipt` ephemeral event.
    pub async fn apply_status_update(
        &self,
        channel_id: &str,
        update: StatusUpdate,
    ) -> Result<ReceiptOutcome> {
        let key = index_key(channel_id, &update.provider_message_id);
        let store = &self.inner.store;
        let Some(event_id) = store.kv_get(RECEIPT_INDEX, &key).await? else {
            tracing::info!(
                channel_id,
                provider_message_id = %update.provider_message_id,
                status = update.status.as_str(),
                "delivery receipt for a message this host did not deliver: dropped"
            );
            return Ok(ReceiptOutcome::Unknown);
        };
        let event_id = String::from_utf8_lossy(&event_id).into_owned();
        let Some(found) = store.get_event(&event_id).await? else {
            return Ok(ReceiptOutcome::Unknown);
        };
        let room_id = found.room_id.clone();
        let event = lock_scope(async {
            let _guard = self.inner.locks.lock(&room_id).await;
            // Read again under the lock: a delivery record may have landed meanwhile.
            let Some(mut event) = store.get_event(&event_id).await? else {
                return Ok(None);
            };
            let Some(result) = event.delivery_results.get_mut(channel_id) else {
                return Ok(None);
            };
            result.status = update.status;
            if update.status == DeliveryStatus::Failed {
                result.error_code.clone_from(&update.error_code);
                result.error = update
                    .error_message
                    .clone()
                    .or_else(|| update.error_code.clone());
            }
            result.updated_at = Some(now());
            event.status = event_status(event.status, update.status);
            store.update_event(&event).await?;
            Ok::<_, crate::Error>(Some(event))
        })
        .await?;
        let Some(event) = event else {
            return Ok(ReceiptOutcome::Unknown);
        };
        let mut data = Metadata::new();
        data.insert("event_id".into(), event.id.clone().into());
        data.insert("status".into(), update.status.as_str().into());
        data.insert(
            "provider_message_id".into(),
            update.provider_message_id.clone().into(),
        );
        if let Some(code) = &update.error_code {
            data.insert("error_code".into(), code.clone().into());
        }
        if let Some(message) = &update.error_message {
            data.insert("error_message".into(), message.clone().into());
        }
        if !update.metadata.is_empty() {
            data.insert("provider".into(), update.metadata.clone().into());
        }
        self.inner.emit(|| {
            let mut framework = FrameworkEvent::new(FrameworkEventType::DeliveryReceipt)
                .room(room_id.clone())
                .event(event.id.clone())
                .channel(channel_id.to_owned());
            framework.data = data.clone();
            framework
        });
        self.inner
            .realtime
            .publish(EphemeralEvent {
                room_id: room_id.clone(),
                event_type: EphemeralEventType::DeliveryReceipt,
                user_id: channel_id.to_owned(),
                channel_id: Some(channel_id.to_owned()),
                data,
                timestamp: now(),
            })
            .await;
        Ok(ReceiptOutcome::Applied {
            room_id,
            event_id: event.id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_status_follows_the_receipts() {
        use DeliveryStatus as D;
        use EventStatus as E;
        assert_eq!(event_status(E::Delivered, D::Read), E::Read);
        assert_eq!(event_status(E::Read, D::Delivered), E::Read);
        assert_eq!(event_status(E::Delivered, D::Failed), E::Failed);
        assert_eq!(event_status(E::Failed, D::Delivered), E::Delivered);
        assert_eq!(event_status(E::Delivered, D::Sent), E::Delivered);
    }
}
