//! The contract hook (`sdk/contract.md`): blocks `block_word`, masks `mask_word`, allows
//! otherwise, fails when the text is `error`, logs one line per call and counts calls in its
//! key-value space. Its JavaScript and Go twins (`sdk/js/examples/contract-hook`,
//! `sdk/go/examples/contract-hook`) must behave exactly the same; the host's contract test runs
//! the cases of `sdk/contract-cases.json` against all three.

use roomkit_sdk::{
    Content, Hook, HookResult, HookTrigger, RoomContext, RoomEvent, config, kv, log,
};

/// Counts this call in the key-value space and returns the new count.
fn count_call() -> u64 {
    let calls = kv::get_string("calls")
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(0)
        + 1;
    if let Err(error) = kv::set_string("calls", &calls.to_string()) {
        roomkit_sdk::log::warn(&format!("call count not kept: {error}"));
    }
    calls
}

/// What the hook answers for `event` with the two words; the action's name for the log.
pub fn decide(
    event: RoomEvent,
    block_word: &str,
    mask_word: &str,
) -> Result<(HookResult, &'static str), String> {
    let text = event.text().unwrap_or_default().to_owned();
    if text == "error" {
        return Err("contract-hook: asked to fail".to_owned());
    }
    if text.contains(block_word) {
        return Ok((HookResult::block(format!("contains {block_word}")), "block"));
    }
    if !mask_word.is_empty() && text.contains(mask_word) {
        let stars = "*".repeat(mask_word.chars().count());
        let mut changed = event;
        changed.content = Content::text(text.replace(mask_word, &stars));
        return Ok((HookResult::modify(changed), "modify"));
    }
    Ok((HookResult::allow(), "allow"))
}

/// The plugin.
#[derive(Debug)]
pub struct ContractHook;

impl Hook for ContractHook {
    fn handle(_: HookTrigger, event: RoomEvent, _: &RoomContext) -> Result<HookResult, String> {
        let calls = count_call();
        let block_word = config::get_or("block_word", "forbidden");
        let mask_word = config::get_or("mask_word", "secret");
        match decide(event, &block_word, &mask_word) {
            Ok((result, action)) => {
                log::info(&format!("contract-hook call {calls}: {action}"));
                Ok(result)
            }
            Err(e) => {
                log::info(&format!("contract-hook call {calls}: error"));
                Err(e)
            }
        }
    }
}

roomkit_sdk::export_hook!(ContractHook);

#[cfg(test)]
mod tests {
    use super::*;
    use roomkit_sdk::{EventSource, HookAction, RoomView, testing};

    fn handle(text: &str) -> Result<HookAction, String> {
        let event =
            RoomEvent::message("r", EventSource::inbound("sms", "sms"), Content::text(text));
        let ctx = RoomContext::fixed(RoomView::new("r"), vec![], vec![]);
        ContractHook::handle(HookTrigger::BeforeBroadcast, event, &ctx).map(|r| r.action)
    }

    #[test]
    fn blocks_masks_allows_fails_counts_and_logs() {
        testing::set_config("block_word", "darn");
        testing::set_config("mask_word", "secret");
        assert_eq!(
            handle("well darn it"),
            Ok(HookAction::Block("contains darn".into()))
        );
        let Ok(HookAction::Modify(event)) = handle("sécret secret ü") else {
            panic!("not modified");
        };
        assert_eq!(event.text(), Some("sécret ****** ü"));
        assert_eq!(handle("hello"), Ok(HookAction::Allow));
        assert_eq!(handle("error"), Err("contract-hook: asked to fail".into()));
        assert_eq!(testing::kv("calls").as_deref(), Some(&b"4"[..]));
        let logs: Vec<String> = testing::logs().into_iter().map(|(_, line)| line).collect();
        assert_eq!(
            logs,
            [
                "contract-hook call 1: block",
                "contract-hook call 2: modify",
                "contract-hook call 3: allow",
                "contract-hook call 4: error"
            ]
        );
    }

    #[test]
    fn defaults_apply_without_config() {
        assert_eq!(
            handle("forbidden fruit"),
            Ok(HookAction::Block("contains forbidden".into()))
        );
        assert!(matches!(handle("a secret"), Ok(HookAction::Modify(_))));
    }
}
