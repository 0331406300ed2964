//! Providers: carry events to an outside service and bring webhook messages in.

use crate::types::{
    BindingView, DeliveryError, DeliveryReceipt, InboundMessage, RoomEvent, WebhookRequest,
};

/// Delivers events to an outside service and, for webhook channels, checks and parses the
/// service's webhook requests. Export it with [`export_provider!`](crate::export_provider).
///
/// Outbound requests go through [`crate::http`]; the host lets them reach only the hosts in
/// the manifest's `allowed_hosts`.
pub trait Provider {
    /// Sends one event to the binding's recipient.
    fn deliver(event: RoomEvent, binding: BindingView) -> Result<DeliveryReceipt, DeliveryError>;

    /// Whether a webhook request really comes from the service. The default refuses every
    /// request: a provider without webhooks accepts none.
    fn verify_signature(request: WebhookRequest) -> bool {
        let _ = request;
        false
    }

    /// The messages a verified webhook request carries. The default is an error: this
    /// provider takes no webhooks.
    fn parse_webhook(request: WebhookRequest) -> Result<Vec<InboundMessage>, String> {
        Err(format!(
            "channel {} does not take webhooks",
            request.channel_id
        ))
    }
}

impl DeliveryReceipt {
    /// A receipt with the service's id for the message, if it gave one.
    pub fn new(provider_message_id: Option<String>) -> Self {
        DeliveryReceipt {
            provider_message_id,
        }
    }
}

impl DeliveryError {
    /// A failure that trying again may cure (timeouts, 5xx, connection errors).
    pub fn retryable(message: impl Into<String>) -> Self {
        DeliveryError {
            message: message.into(),
            retryable: true,
        }
    }

    /// A failure that trying again will not cure (bad address, 4xx).
    pub fn permanent(message: impl Into<String>) -> Self {
        DeliveryError {
            message: message.into(),
            retryable: false,
        }
    }
}

impl WebhookRequest {
    /// The first value of header `name`, compared without regard to case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }
}
