//! `roomkit-modgraph CRATE_DIR…`: reads each crate's `src/`, builds the graph of which top-level
//! module names which other one (`crate::m::…` paths anywhere in its files, and names the crate
//! root re-exports from `m`), and fails with the cycle it finds, if any. `make lint` runs it on
//! the crates whose modules must stay a tree of dependencies (`host/plugins`, …).
//!
//! It reads source text, not a resolved crate: comment lines (doc links) do not count, a
//! `crate::` path inside a string does, which errs on the side of reporting. Tests (`#[cfg(test)] mod tests`) are read
//! like the rest.

mod graph;

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let crates: Vec<String> = std::env::args().skip(1).collect();
    if crates.is_empty() {
        eprintln!("usage: roomkit-modgraph CRATE_DIR…");
        return ExitCode::from(2);
    }
    let mut failed = false;
    for dir in &crates {
        match graph::ModuleGraph::read(Path::new(dir)) {
            Err(err) => {
                eprintln!("{dir}: {err}");
                failed = true;
            }
            Ok(graph) => match graph.cycle() {
                Some(cycle) => {
                    eprintln!("{dir}: module cycle: {}", cycle.join(" → "));
                    failed = true;
                }
                None => println!("{dir}: {} modules, no cycle", graph.len()),
            },
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
