//! Channels: how events reach people (transports, through a [`Provider`]) and intelligence
//! (AI channels, through an [`AiProvider`](crate::ai::AiProvider)).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use roomkit_model::{
    ChannelBinding, ChannelCapabilities, ChannelCategory, Content, Metadata, Observation,
    RateLimit, RetryPolicy, RoomEvent, Task,
};

use crate::RoomContext;

/// A delivery that did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DeliveryError {
    /// What went wrong.
    pub message: String,
    /// Whether trying again may help (timeouts, 5xx) or not (bad address, 4xx).
    pub retryable: bool,
    /// The service's own error code, when it gave one.
    pub code: Option<String>,
    /// How long the service asked to wait before trying again (a 429's `Retry-After`).
    pub retry_after: Option<Duration>,
}

impl DeliveryError {
    /// A failure worth retrying.
    pub fn retryable(message: impl Into<String>) -> Self {
        DeliveryError {
            message: message.into(),
            retryable: true,
            code: None,
            retry_after: None,
        }
    }

    /// A failure that will not go away by retrying.
    pub fn permanent(message: impl Into<String>) -> Self {
        DeliveryError {
            message: message.into(),
            retryable: false,
            code: None,
            retry_after: None,
        }
    }

    /// With the service's error code.
    pub fn with_code(mut self, code: Option<String>) -> Self {
        self.code = code;
        self
    }

    /// With how long the service asked to wait.
    pub fn with_retry_after(mut self, wait: Option<Duration>) -> Self {
        self.retry_after = wait;
        self
    }
}

impl crate::resilience::Retryable for DeliveryError {
    fn is_retryable(&self) -> bool {
        self.retryable
    }

    fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
}

/// An answer an intelligence channel gives to an event; it re-enters the pipeline as a new
/// event from that channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// What it says.
    pub content: Content,
    /// Data stored on the response event (model, token counts, …).
    pub metadata: Metadata,
}

impl Response {
    /// A text answer.
    pub fn text(body: impl Into<String>) -> Self {
        Response {
            content: Content::text(body),
            metadata: Metadata::new(),
        }
    }
}

/// What a channel did with an event.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChannelOutput {
    /// The provider's id for a delivered message.
    pub provider_message_id: Option<String>,
    /// Answers (intelligence channels).
    pub responses: Vec<Response>,
    /// Tasks to create.
    pub tasks: Vec<Task>,
    /// Observations to record.
    pub observations: Vec<Observation>,
}

/// A channel registered with the kit.
#[async_trait]
pub trait Channel: Send + Sync {
    /// Unique id.
    fn id(&self) -> &str;
    /// Type (sms, email, websocket, ai, …).
    fn channel_type(&self) -> &str;
    /// Transport or intelligence.
    fn category(&self) -> ChannelCategory {
        ChannelCategory::Transport
    }
    /// What it renders; bindings start from this.
    fn capabilities(&self) -> ChannelCapabilities;
    /// The retry policy of deliveries to bindings that set none of their own.
    fn retry_policy(&self) -> Option<RetryPolicy> {
        None
    }
    /// The outbound rate limit of bindings that set none of their own.
    fn rate_limit(&self) -> Option<RateLimit> {
        None
    }
    /// Delivers the event (transport) or answers it (intelligence). The event's content is
    /// already transcoded to the binding's capabilities.
    async fn on_event(
        &self,
        event: &RoomEvent,
        binding: &ChannelBinding,
        ctx: &RoomContext,
    ) -> Result<ChannelOutput, DeliveryError>;
}

/// What a provider reports for a sent message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProviderResult {
    /// The provider's id for the message.
    pub provider_message_id: Option<String>,
}

/// Sends events to an outside service (an SMS gateway, an e-mail API, a webhook).
#[async_trait]
pub trait Provider: Send + Sync {
    /// The provider's name (for events and metrics).
    fn name(&self) -> &str;
    /// Sends one event to the binding's recipient.
    async fn send(
        &self,
        event: &RoomEvent,
        binding: &ChannelBinding,
    ) -> Result<ProviderResult, DeliveryError>;
}

/// A transport channel that delivers through a [`Provider`].
#[derive(Clone)]
pub struct TransportChannel {
    id: String,
    channel_type: String,
    capabilities: ChannelCapabilities,
    provider: Arc<dyn Provider>,
    retry_policy: Option<RetryPolicy>,
    rate_limit: Option<RateLimit>,
}

impl std::fmt::Debug for TransportChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportChannel")
            .field("id", &self.id)
            .field("channel_type", &self.channel_type)
            .field("provider", &self.provider.name())
            .finish()
    }
}

impl TransportChannel {
    /// A transport channel of a type, with capabilities, sending through `provider`.
    pub fn new(
        id: impl Into<String>,
        channel_type: impl Into<String>,
        capabilities: ChannelCapabilities,
        provider: Arc<dyn Provider>,
    ) -> Self {
        TransportChannel {
            id: id.into(),
            channel_type: channel_type.into(),
            capabilities,
            provider,
            retry_policy: None,
            rate_limit: None,
        }
    }

    /// With a retry policy for bindings that set none.
    pub fn with_retry_policy(mut self, policy: Option<RetryPolicy>) -> Self {
        self.retry_policy = policy;
        self
    }

    /// With an outbound rate limit for bindings that set none.
    pub fn with_rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.rate_limit = limit;
        self
    }
}

#[async_trait]
impl Channel for TransportChannel {
    fn id(&self) -> &str {
        &self.id
    }

    fn channel_type(&self) -> &str {
        &self.channel_type
    }

    fn capabilities(&self) -> ChannelCapabilities {
        self.capabilities.clone()
    }

    fn retry_policy(&self) -> Option<RetryPolicy> {
        self.retry_policy.clone()
    }

    fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit.clone()
    }

    async fn on_event(
        &self,
        event: &RoomEvent,
        binding: &ChannelBinding,
        _ctx: &RoomContext,
    ) -> Result<ChannelOutput, DeliveryError> {
        let sent = self.provider.send(event, binding).await?;
        Ok(ChannelOutput {
            provider_message_id: sent.provider_message_id,
            ..ChannelOutput::default()
        })
    }
}
