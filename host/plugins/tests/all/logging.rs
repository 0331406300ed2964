//! A plugin's log under its budget: `log` calls and stdout/stderr lines reach the host's log
//! with the plugin's name, at most the manifest's `[log]` lines per call and per second; the
//! excess is dropped, counted and warned about, and a guest's panic message is seen.

use std::time::Instant;

use roomkit_kit::InboundMessage;
use tracing::Level;

use crate::fixtures::{Host, host_with};
use crate::log_capture::{self, Line};

async fn attack(host: &Host) {
    let outcome = host
        .kit
        .process_inbound(InboundMessage::text("sms", "+1", "attack now").in_room("r"))
        .await
        .unwrap();
    assert!(!outcome.blocked, "{:?}", outcome.reason);
}

fn budget_warnings(lines: &[Line]) -> usize {
    lines
        .iter()
        .filter(|l| l.level == Level::WARN && l.message.contains("log budget"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_flood_is_cut_at_the_call_budget_and_the_excess_is_counted() {
    log_capture::install();
    let host = host_with(
        "log-flooder",
        "[log]\nlines_per_call = 50\n[config]\nmode = \"log-flood\"\nflood_lines = \"10000\"\n",
    )
    .await;
    let started = Instant::now();
    attack(&host).await;
    let seconds = started.elapsed().as_secs() as usize;
    let lines = log_capture::lines_of("log-flooder");
    let kept: Vec<&str> = lines
        .iter()
        .filter(|l| l.level == Level::INFO)
        .map(|l| l.message.as_str())
        .collect();
    let expected: Vec<String> = (0..50).map(|n| format!("flood line {n}")).collect();
    assert_eq!(kept, expected);
    assert_eq!(host.plugin.snapshot().log_dropped, 9_950);
    let warnings = budget_warnings(&lines);
    assert!(
        (1..=1 + seconds).contains(&warnings),
        "one warning per second of flooding: {warnings} in {seconds} s"
    );
    assert!(lines.iter().any(|l| l.message
        == "plugin log-flooder: log budget of 50 lines or 65536 bytes per call spent; its \
            further lines are dropped and counted (log_dropped) for the rest of this second"));
    // The next call has its whole budget again.
    attack(&host).await;
    let kept = log_capture::lines_of("log-flooder")
        .iter()
        .filter(|l| l.level == Level::INFO)
        .count();
    assert_eq!(kept, 100);
    assert_eq!(host.plugin.snapshot().log_dropped, 2 * 9_950);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_flood_is_cut_at_the_per_second_budget_across_calls() {
    log_capture::install();
    let host = host_with(
        "second-flooder",
        "[log]\nlines_per_call = 1000000\nlines_per_second = 200\n\
         [config]\nmode = \"log-flood\"\nflood_lines = \"5000\"\n",
    )
    .await;
    let started = Instant::now();
    attack(&host).await;
    attack(&host).await;
    let seconds = started.elapsed().as_secs();
    let kept = log_capture::lines_of("second-flooder")
        .iter()
        .filter(|l| l.level == Level::INFO)
        .count() as u64;
    let dropped = host.plugin.snapshot().log_dropped;
    assert_eq!(
        kept + dropped,
        10_000,
        "every line is either logged or counted"
    );
    assert!(
        kept <= 200 * (1 + seconds),
        "at most 200 lines per second: {kept} in {seconds} s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdout_lines_are_logged_with_the_plugin_name_under_the_same_budget() {
    log_capture::install();
    let host = host_with(
        "printer",
        "[log]\nlines_per_call = 20\n[config]\nmode = \"stdout-flood\"\nflood_lines = \"5000\"\n",
    )
    .await;
    attack(&host).await;
    let kept: Vec<String> = log_capture::lines_of("printer")
        .into_iter()
        .filter(|l| l.level == Level::INFO)
        .map(|l| l.message)
        .collect();
    let expected: Vec<String> = (0..20).map(|n| format!("stdout line {n}")).collect();
    assert_eq!(kept, expected);
    assert_eq!(host.plugin.snapshot().log_dropped, 4_980);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_panic_message_reaches_the_log_with_the_plugin_name() {
    log_capture::install();
    let host = host_with("panicker", "[config]\nmode = \"trap\"\n").await;
    attack(&host).await;
    // Rust prints a panic as two stderr lines: where, then the message.
    let stderr: Vec<String> = log_capture::lines_of("panicker")
        .into_iter()
        .filter(|l| l.level == Level::WARN)
        .map(|l| l.message)
        .collect();
    let at = stderr
        .iter()
        .position(|l| l.contains("panicked at test-hook/src/lib.rs"))
        .unwrap_or_else(|| panic!("{stderr:#?}"));
    assert_eq!(stderr[at + 1], "test-hook panics on purpose");
}
