//! The behaviour contract (sdk/contract.md): the same hook built in Rust, JavaScript and Go
//! must give the same answers through the pipeline. A test binary of its own, because building
//! and compiling the JS component keeps both cores busy for tens of seconds, which would slow
//! every test of `all` beside it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/build_fixture.rs"]
mod build_fixture;
// Shared with `all`; this binary uses only part of it.
#[allow(dead_code)]
#[path = "../all/fixtures.rs"]
mod fixtures;

#[path = "cases.rs"]
mod contract;
mod identity;
