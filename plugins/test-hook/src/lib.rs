//! The host's test fixture: one hook component whose behaviour its manifest's `mode` picks.
//!
//! The mode applies to messages containing "attack"; every other message gets `keywords`.
//! Friendly modes: `keywords` (the default: blocks `block_word`, masks `secret`, counts calls in
//! the key-value store), `error` (returns an error of its own), `history` (blocks with the
//! number of recent events it can read). Hostile modes: `loop` (infinite loop), `burn` (long CPU
//! burn), `bomb` (allocates without end), `trap` (panics), `recursion` (unbounded recursion),
//! `huge` (answers with a huge result), `grow` (modifies the event into a text of `grow_bytes`
//! bytes, 2 MiB unless set), `env` and `fs` (try to read the environment and files; they block
//! with what they found, which must be nothing), `log-flood` and `stdout-flood` (log, or print
//! to stdout, `flood_lines` lines, 10,000 unless set, then allow), `kv-flood` (writes new keys of
//! `flood_bytes` bytes, 1,024 unless set, until a write fails).

#![allow(clippy::unwrap_used)]

wit_bindgen::generate!({
    path: "../../wit",
    world: "hook",
});

// The world `use`s these into the crate root; the rest come from their interfaces.
use roomkit::plugin::host;
use roomkit::plugin::types::{Content, HookAction, TextContent};

struct TestHook;

fn result(action: HookAction) -> HookResult {
    HookResult {
        action,
        injected_events: Vec::new(),
        tasks: Vec::new(),
        observations: Vec::new(),
    }
}

fn text(event: &RoomEvent) -> String {
    match &event.content {
        Content::Text(t) => t.body.clone(),
        _ => String::new(),
    }
}

/// Counts the call in the plugin's key-value space.
fn count_call() {
    let count = host::kv_get("calls")
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(0)
        + 1;
    // Over the quota the count is simply not kept; the call goes on.
    let _ = host::kv_set("calls", count.to_string().as_bytes());
}

#[inline(never)]
fn recurse(n: u64) -> u64 {
    if n == 0 {
        0
    } else {
        1 + recurse(std::hint::black_box(n - 1))
    }
}

impl Guest for TestHook {
    fn handle(
        _trigger: HookTrigger,
        event: RoomEvent,
        ctx: &Context,
    ) -> Result<HookResult, String> {
        // The mode applies only to messages that say "attack", so that the next message shows
        // the plugin still works.
        let mode = match host::config("mode") {
            Some(mode) if text(&event).contains("attack") => mode,
            _ => "keywords".to_owned(),
        };
        match mode.as_str() {
            "loop" => loop {
                std::hint::black_box(0);
            },
            "burn" => {
                let mut x = 0u64;
                for i in 0..u64::MAX {
                    x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
                }
                Ok(result(HookAction::Block(x.to_string())))
            }
            "bomb" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "trap" => panic!("test-hook panics on purpose"),
            "recursion" => Ok(result(HookAction::Block(recurse(u64::MAX).to_string()))),
            "huge" => Ok(result(HookAction::Block("x".repeat(48 << 20)))),
            "grow" => {
                let bytes = host::config("grow_bytes")
                    .and_then(|b| b.parse().ok())
                    .unwrap_or(2 << 20);
                let mut grown = event.clone();
                grown.content = Content::Text(TextContent {
                    body: "x".repeat(bytes),
                    language: None,
                });
                Ok(result(HookAction::Modify(grown)))
            }
            "env" => {
                let found: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
                Ok(result(HookAction::Block(format!("env: {found:?}"))))
            }
            "fs" => {
                let found = std::fs::read_to_string("/etc/hostname").map_err(|e| e.to_string());
                Ok(result(HookAction::Block(format!("fs: {found:?}"))))
            }
            "error" => Err("test-hook refuses: told to".to_owned()),
            "kv-flood" => {
                // Fresh keys of `flood_bytes` bytes each until the host refuses one.
                let size: usize = host::config("flood_bytes")
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1024);
                let start = host::kv_get("flood-next")
                    .and_then(|v| String::from_utf8(v).ok())
                    .and_then(|s| s.parse::<u64>().ok())
                    .unwrap_or(0);
                for n in start.. {
                    let stored = host::kv_set("flood-next", (n + 1).to_string().as_bytes())
                        .and_then(|()| host::kv_set(&format!("flood-{n}"), &vec![b'x'; size]));
                    if let Err(error) = stored {
                        return Ok(result(HookAction::Block(format!(
                            "kv refused key {n}: {error:?}"
                        ))));
                    }
                }
                Ok(result(HookAction::Allow))
            }
            "log-flood" | "stdout-flood" => {
                let lines: u64 = host::config("flood_lines")
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(10_000);
                for n in 0..lines {
                    if mode == "log-flood" {
                        host::log(host::Level::Info, &format!("flood line {n}"));
                    } else {
                        println!("stdout line {n}");
                    }
                }
                Ok(result(HookAction::Allow))
            }
            "history" => {
                let recent = ctx.recent_events(100);
                let room = ctx.room();
                Ok(result(HookAction::Block(format!(
                    "{} of {}",
                    recent.len(),
                    room.event_count
                ))))
            }
            _ => {
                if host::config("count_calls").as_deref() != Some("off") {
                    count_call();
                }
                let body = text(&event);
                let word = host::config("block_word").unwrap_or_else(|| "forbidden".to_owned());
                if body.contains(&word) {
                    host::log(
                        host::Level::Info,
                        &format!("blocking a message with {word:?}"),
                    );
                    return Ok(result(HookAction::Block(format!("contains {word}"))));
                }
                if body.contains("secret") {
                    let mut changed = event.clone();
                    changed.content = Content::Text(TextContent {
                        body: body.replace("secret", "******"),
                        language: None,
                    });
                    return Ok(result(HookAction::Modify(changed)));
                }
                Ok(result(HookAction::Allow))
            }
        }
    }
}

export!(TestHook);
