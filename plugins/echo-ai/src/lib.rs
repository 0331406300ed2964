//! A deterministic AI provider for demos and tests. It is not a model: it answers
//! `echo: <the newest user message's text>`, the same answer for the same request every time,
//! so that tests of AI channels can assert on what comes back.
//!
//! - `info`: model name `echo-ai`, no vision.
//! - `generate`: the prefix (config `prefix`, default `echo: `) and the text of the newest user
//!   message. With `max_tokens` set, the answer keeps that many whitespace-separated words of the
//!   echoed text. No user message (or an empty one) gives an empty answer, which the host reads
//!   as "no answer". The metadata says `{"model":"echo-ai","deterministic":true}`.

use roomkit_sdk::{AiInfo, AiProvider, AiRequest, AiResponse, DeliveryError, config};

/// The model name the provider reports.
pub const MODEL_NAME: &str = "echo-ai";

/// The prefix when the manifest sets none.
pub const DEFAULT_PREFIX: &str = "echo: ";

/// The answer to `request` with `prefix`.
pub fn answer(request: &AiRequest, prefix: &str) -> AiResponse {
    let text = request.last_user_text().unwrap_or_default();
    let text = text.trim();
    if text.is_empty() {
        return metadata(AiResponse::text(""));
    }
    let mut answer = String::with_capacity(prefix.len() + text.len());
    answer.push_str(prefix);
    match request.max_tokens {
        // The first words joined by single spaces, written straight into the answer.
        Some(max) => {
            for (i, word) in text.split_whitespace().take(max as usize).enumerate() {
                if i > 0 {
                    answer.push(' ');
                }
                answer.push_str(word);
            }
        }
        None => answer.push_str(text),
    }
    metadata(AiResponse::text(answer))
}

fn metadata(mut response: AiResponse) -> AiResponse {
    response.metadata = format!(r#"{{"model":"{MODEL_NAME}","deterministic":true}}"#);
    response
}

/// The plugin.
#[derive(Debug)]
pub struct EchoAi;

impl AiProvider for EchoAi {
    fn info() -> AiInfo {
        AiInfo::new(MODEL_NAME)
    }

    fn generate(request: AiRequest) -> Result<AiResponse, DeliveryError> {
        Ok(answer(&request, &config::get_or("prefix", DEFAULT_PREFIX)))
    }
}

roomkit_sdk::export_ai_provider!(EchoAi);

#[cfg(test)]
mod tests {
    use super::*;
    use roomkit_sdk::{AiMessage, AiRole, testing, types::AiImage, types::AiPart};

    fn request(messages: Vec<AiMessage>) -> AiRequest {
        AiRequest::new(messages)
    }

    #[test]
    fn echoes_the_newest_user_message() {
        let r = request(vec![
            AiMessage::text(AiRole::User, "first"),
            AiMessage::text(AiRole::User, "  where is my order? "),
            AiMessage::text(AiRole::Assistant, "let me look"),
        ]);
        let response = answer(&r, DEFAULT_PREFIX);
        assert_eq!(response.content, "echo: where is my order?");
        assert_eq!(
            response.metadata,
            r#"{"model":"echo-ai","deterministic":true}"#
        );
        assert_eq!(answer(&r, DEFAULT_PREFIX), response);
    }

    #[test]
    fn images_are_skipped_and_text_parts_joined() {
        let message = AiMessage {
            role: AiRole::User,
            parts: vec![
                AiPart::Text("look".into()),
                AiPart::Image(AiImage {
                    url: "https://x/i.png".into(),
                    mime_type: "image/png".into(),
                }),
                AiPart::Text("here".into()),
            ],
        };
        assert_eq!(answer(&request(vec![message]), "").content, "look\nhere");
    }

    #[test]
    fn no_user_text_means_no_answer() {
        assert_eq!(answer(&request(vec![]), DEFAULT_PREFIX).content, "");
        let only_assistant = request(vec![AiMessage::text(AiRole::Assistant, "hi")]);
        assert_eq!(answer(&only_assistant, DEFAULT_PREFIX).content, "");
    }

    #[test]
    fn max_tokens_keeps_that_many_words() {
        let mut r = request(vec![AiMessage::text(AiRole::User, "one two  three four")]);
        r.max_tokens = Some(2);
        assert_eq!(answer(&r, DEFAULT_PREFIX).content, "echo: one two");
    }

    #[test]
    fn a_megabyte_message_is_echoed_whole_or_cut_to_its_words() {
        let text = "word ".repeat((1 << 20) / 5) + "end";
        let mut r = request(vec![AiMessage::text(AiRole::User, &text)]);
        assert_eq!(answer(&r, "> ").content, format!("> {text}"));
        r.max_tokens = Some(3);
        assert_eq!(answer(&r, "> ").content, "> word word word");
        r.max_tokens = Some(u32::MAX);
        assert_eq!(answer(&r, "").content, text);
    }

    #[test]
    fn provider_reports_its_name_and_reads_the_prefix() {
        assert_eq!(EchoAi::info().model_name, "echo-ai");
        assert!(!EchoAi::info().supports_vision);
        testing::set_config("prefix", "bot> ");
        let r = request(vec![AiMessage::text(AiRole::User, "hi")]);
        assert_eq!(
            EchoAi::generate(r).map(|a| a.content),
            Ok("bot> hi".to_owned())
        );
    }
}
