//! AI channels: intelligence that answers room events through an [`AiProvider`].

use std::sync::Mutex;

use async_trait::async_trait;
use roomkit_model::{
    ChannelBinding, ChannelCapabilities, ChannelCategory, Content, Metadata, RoomEvent, Visibility,
};

use crate::RoomContext;
use crate::channel::{Channel, ChannelOutput, DeliveryError, Response};
use crate::transcode::text_of;
use std::sync::Arc;

/// Who said a line of the conversation, from the model's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AiRole {
    /// Someone else in the room.
    User,
    /// This AI channel itself.
    Assistant,
}

/// A piece of a message for the model.
#[derive(Debug, Clone, PartialEq)]
pub enum AiPart {
    /// Text.
    Text(String),
    /// An image, for providers that support vision.
    Image {
        /// Where it is.
        url: String,
        /// Its type.
        mime_type: String,
    },
}

/// One line of the conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct AiMessage {
    /// Who said it.
    pub role: AiRole,
    /// What was said.
    pub parts: Vec<AiPart>,
}

/// What the model is asked with.
#[derive(Debug, Clone, PartialEq)]
pub struct AiContext {
    /// The channel's instructions.
    pub system_prompt: Option<String>,
    /// The conversation, oldest first, ending with the event to answer.
    pub messages: Vec<AiMessage>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// Longest answer.
    pub max_tokens: Option<u32>,
}

/// The model's answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AiResponse {
    /// The text; empty means "no answer".
    pub content: String,
    /// Data kept on the response event.
    pub metadata: Metadata,
}

/// A language model.
#[async_trait]
pub trait AiProvider: Send + Sync {
    /// The model's name.
    fn model_name(&self) -> &str;
    /// Whether it can look at images.
    fn supports_vision(&self) -> bool {
        false
    }
    /// Answers a conversation.
    async fn generate(&self, context: &AiContext) -> Result<AiResponse, DeliveryError>;
}

/// An intelligence channel backed by an [`AiProvider`].
pub struct AiChannel {
    id: String,
    provider: Arc<dyn AiProvider>,
    /// The channel's instructions.
    pub system_prompt: Option<String>,
    /// How many recent events it reads.
    pub max_context_events: usize,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// Longest answer.
    pub max_tokens: Option<u32>,
}

impl std::fmt::Debug for AiChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AiChannel")
            .field("id", &self.id)
            .field("model", &self.provider.model_name())
            .finish()
    }
}

impl AiChannel {
    /// An AI channel reading up to 50 recent events.
    pub fn new(id: impl Into<String>, provider: Arc<dyn AiProvider>) -> Self {
        AiChannel {
            id: id.into(),
            provider,
            system_prompt: None,
            max_context_events: 50,
            temperature: None,
            max_tokens: None,
        }
    }

    /// The same channel with a system prompt.
    pub fn with_system_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.system_prompt = Some(prompt.into());
        self
    }

    fn message_for(&self, event: &RoomEvent) -> AiMessage {
        let role = if event.source.channel_id == self.id {
            AiRole::Assistant
        } else {
            AiRole::User
        };
        let mut parts = Vec::new();
        if self.provider.supports_vision() {
            collect_images(&event.content, &mut parts);
        }
        let text = text_of(&event.content);
        // An image the model can see needs no `[Media: …]` placeholder next to it.
        let seen_image = matches!(event.content, Content::Media { .. }) && !parts.is_empty();
        if !text.is_empty() && !seen_image {
            parts.insert(0, AiPart::Text(text));
        }
        AiMessage { role, parts }
    }

    /// The context for answering `event`: recent events (without `event` itself and without
    /// the room's internal records, such as channel changes) then `event`.
    pub fn context_for(&self, event: &RoomEvent, recent: &[RoomEvent]) -> AiContext {
        let history = recent
            .iter()
            .filter(|e| e.id != event.id && e.visibility != Visibility::Internal)
            .rev()
            .take(self.max_context_events.saturating_sub(1))
            .collect::<Vec<_>>();
        let messages = history
            .into_iter()
            .rev()
            .chain(std::iter::once(event))
            .map(|e| self.message_for(e))
            .collect();
        AiContext {
            system_prompt: self.system_prompt.clone(),
            messages,
            temperature: self.temperature,
            max_tokens: self.max_tokens,
        }
    }
}

fn collect_images(content: &Content, parts: &mut Vec<AiPart>) {
    match content {
        Content::Media { url, mime_type, .. } if mime_type.starts_with("image/") => {
            parts.push(AiPart::Image {
                url: url.clone(),
                mime_type: mime_type.clone(),
            });
        }
        Content::Composite { parts: inner } => {
            for part in inner {
                collect_images(part, parts);
            }
        }
        _ => {}
    }
}

#[async_trait]
impl Channel for AiChannel {
    fn id(&self) -> &str {
        &self.id
    }

    fn channel_type(&self) -> &str {
        "ai"
    }

    fn category(&self) -> ChannelCategory {
        ChannelCategory::Intelligence
    }

    fn capabilities(&self) -> ChannelCapabilities {
        let mut capabilities = ChannelCapabilities::default();
        if self.provider.supports_vision() {
            capabilities.media_types.push("media".into());
        }
        capabilities
    }

    async fn on_event(
        &self,
        event: &RoomEvent,
        _binding: &ChannelBinding,
        ctx: &RoomContext,
    ) -> Result<ChannelOutput, DeliveryError> {
        if event.source.channel_id == self.id {
            return Ok(ChannelOutput::default()); // never answer itself
        }
        let recent = ctx
            .recent_events()
            .await
            .map_err(|e| DeliveryError::retryable(format!("reading the room history: {e}")))?;
        let answer = self
            .provider
            .generate(&self.context_for(event, recent))
            .await?;
        let mut output = ChannelOutput::default();
        if !answer.content.is_empty() {
            output.responses.push(Response {
                content: Content::text(answer.content),
                metadata: answer.metadata,
            });
        }
        Ok(output)
    }
}

/// A mock AI provider for tests and demos: answers with its scripted responses in turn
/// (cycling), and records every context it was asked with. Not a model.
#[derive(Debug, Default)]
pub struct MockAiProvider {
    responses: Vec<String>,
    vision: bool,
    calls: Mutex<Vec<AiContext>>,
}

impl MockAiProvider {
    /// Answers with `responses` in turn.
    pub fn new<S: Into<String>>(responses: impl IntoIterator<Item = S>) -> Self {
        MockAiProvider {
            responses: responses.into_iter().map(Into::into).collect(),
            vision: false,
            calls: Mutex::new(Vec::new()),
        }
    }

    /// The same mock, claiming vision support.
    pub fn with_vision(mut self) -> Self {
        self.vision = true;
        self
    }

    /// Every context it was asked with, in order.
    pub fn calls(&self) -> Vec<AiContext> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl AiProvider for MockAiProvider {
    fn model_name(&self) -> &str {
        "mock"
    }

    fn supports_vision(&self) -> bool {
        self.vision
    }

    async fn generate(&self, context: &AiContext) -> Result<AiResponse, DeliveryError> {
        let mut calls = self
            .calls
            .lock()
            .map_err(|_| DeliveryError::permanent("mock provider poisoned"))?;
        let content = match self.responses.len() {
            0 => String::new(),
            n => self.responses[calls.len() % n].clone(),
        };
        calls.push(context.clone());
        Ok(AiResponse {
            content,
            metadata: Metadata::new(),
        })
    }
}
