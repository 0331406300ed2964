//! AI providers: the model behind an AI channel.

use crate::types::{AiInfo, AiMessage, AiPart, AiRequest, AiResponse, AiRole, DeliveryError};

/// A language model behind an AI channel. Export it with
/// [`export_ai_provider!`](crate::export_ai_provider).
pub trait AiProvider {
    /// What the model is.
    fn info() -> AiInfo;

    /// Answers the conversation in `request`; an empty answer means none. Errors are delivery
    /// errors, so the host knows whether trying again may help.
    fn generate(request: AiRequest) -> Result<AiResponse, DeliveryError>;
}

impl AiInfo {
    /// A model without vision.
    pub fn new(model_name: impl Into<String>) -> Self {
        AiInfo {
            model_name: model_name.into(),
            supports_vision: false,
        }
    }
}

impl AiResponse {
    /// An answer with no metadata.
    pub fn text(content: impl Into<String>) -> Self {
        AiResponse {
            content: content.into(),
            metadata: "{}".to_owned(),
        }
    }
}

impl AiMessage {
    /// A message of text only.
    pub fn text(role: AiRole, text: impl Into<String>) -> Self {
        AiMessage {
            role,
            parts: vec![AiPart::Text(text.into())],
        }
    }

    /// Its text parts joined with newlines.
    pub fn text_content(&self) -> String {
        let texts: Vec<&str> = self
            .parts
            .iter()
            .filter_map(|p| match p {
                AiPart::Text(t) => Some(t.as_str()),
                AiPart::Image(_) => None,
            })
            .collect();
        texts.join("\n")
    }
}

impl AiRequest {
    /// A request with these messages and no system prompt or limits.
    pub fn new(messages: Vec<AiMessage>) -> Self {
        AiRequest {
            system_prompt: None,
            messages,
            temperature: None,
            max_tokens: None,
        }
    }

    /// The text of the newest user message, if there is one.
    pub fn last_user_text(&self) -> Option<String> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == AiRole::User)
            .map(AiMessage::text_content)
    }
}
