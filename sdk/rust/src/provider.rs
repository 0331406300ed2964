//! Providers: carry events to an outside service and bring webhook messages in.

use crate::types::{
    BindingView, DeliveryError, DeliveryReceipt, DeliveryStatus, InboundMessage, RoomEvent,
    StatusUpdate, WebhookRequest, WebhookResponse, WebhookResult,
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

    /// The messages and status updates a verified webhook request carries, and the answer the
    /// service expects. The default is an error: this provider takes no webhooks.
    fn parse_webhook(request: WebhookRequest) -> Result<WebhookResult, String> {
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
            code: None,
            retry_after_ms: None,
        }
    }

    /// A failure that trying again will not cure (bad address, 4xx).
    pub fn permanent(message: impl Into<String>) -> Self {
        DeliveryError {
            message: message.into(),
            retryable: false,
            code: None,
            retry_after_ms: None,
        }
    }

    /// With the service's own error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// With how long the service asked to wait before trying again.
    pub fn with_retry_after_ms(mut self, retry_after_ms: u64) -> Self {
        self.retry_after_ms = Some(retry_after_ms);
        self
    }

    /// The error for an HTTP answer that is not a success: retryable for 408, 429 and 5xx,
    /// waiting as long as its `Retry-After` (seconds or an HTTP date is not parsed: seconds
    /// only) says; `message` should carry the service's own error text.
    pub fn from_status(status: u16, retry_after: Option<&str>, message: impl Into<String>) -> Self {
        let retryable = status == 408 || status == 429 || status >= 500;
        let mut error = if retryable {
            DeliveryError::retryable(message)
        } else {
            DeliveryError::permanent(message)
        };
        if let Some(seconds) = retry_after.and_then(|v| v.trim().parse::<u64>().ok()) {
            error.retry_after_ms = Some(seconds.saturating_mul(1000));
        }
        error
    }
}

/// A request that got no answer: retryable when the HTTP layer says so (timeouts, connection
/// failures), so `send()?` works inside `deliver`.
impl From<crate::http::Error> for DeliveryError {
    fn from(error: crate::http::Error) -> Self {
        if error.is_retryable() {
            DeliveryError::retryable(error.to_string())
        } else {
            DeliveryError::permanent(error.to_string())
        }
    }
}

impl WebhookResult {
    /// Messages, with the host's default answer.
    pub fn messages(messages: Vec<InboundMessage>) -> Self {
        WebhookResult {
            messages,
            status_updates: Vec::new(),
            response: None,
        }
    }

    /// Nothing to store; the service gets `response`.
    pub fn reply(response: WebhookResponse) -> Self {
        WebhookResult {
            messages: Vec::new(),
            status_updates: Vec::new(),
            response: Some(response),
        }
    }

    /// With these status updates.
    pub fn with_status_updates(mut self, updates: Vec<StatusUpdate>) -> Self {
        self.status_updates = updates;
        self
    }

    /// With this answer to the service.
    pub fn with_response(mut self, response: WebhookResponse) -> Self {
        self.response = Some(response);
        self
    }
}

impl WebhookResponse {
    /// An answer with `status`, `content_type` and `body`.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        WebhookResponse {
            status,
            content_type: Some(content_type.to_owned()),
            body: body.into(),
        }
    }

    /// An empty `200 OK`.
    pub fn empty() -> Self {
        WebhookResponse {
            status: 200,
            content_type: None,
            body: Vec::new(),
        }
    }
}

impl StatusUpdate {
    /// An update without error or extra fields.
    pub fn new(provider_message_id: impl Into<String>, status: DeliveryStatus) -> Self {
        StatusUpdate {
            provider_message_id: provider_message_id.into(),
            status,
            error_code: None,
            error_message: None,
            metadata: "{}".to_owned(),
        }
    }
}

impl WebhookRequest {
    /// The query string's parameters, percent-decoded (`+` as space), in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        crate::form::decode(self.query.as_bytes())
    }

    /// The body's parameters when it is `application/x-www-form-urlencoded`, in order.
    pub fn form_pairs(&self) -> Vec<(String, String)> {
        crate::form::decode(&self.body)
    }

    /// The first value of header `name`, compared without regard to case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }
}
