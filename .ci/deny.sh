#!/usr/bin/env bash
# `make lint`'s dependency audit: cargo-deny (advisories, licences, bans, sources; see
# deny.toml) over the host workspace and over plugins/ (what ships inside the plugins' wasm).
# Installs the pinned cargo-deny once (`cargo install --locked`, into cargo's bin directory),
# and reads the advisory database from the snapshot in .ci/advisory-db/ (see advisory-db.sh):
# cargo-deny runs --offline, so it fetches nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
version="0.20.2"
cargo="${CARGO:-cargo}"

if [ "$($cargo deny --version 2>/dev/null)" != "cargo-deny $version" ]; then
    echo "installing cargo-deny $version (once per machine)"
    $cargo install --locked cargo-deny --version "$version"
fi
.ci/advisory-db.sh unpack target/advisory-dbs
# --offline also keeps `cargo metadata` off the network: the crates must be downloaded.
$cargo fetch --locked --quiet
$cargo fetch --locked --quiet --manifest-path plugins/Cargo.toml
deny() { $cargo deny --offline --locked --config deny.toml --manifest-path "$@"; }
echo "cargo deny: the host"
deny Cargo.toml check advisories licenses bans sources
# deny.toml is written for the host: ignores and licences the plugins do not need are fine.
echo "cargo deny: plugins/"
deny plugins/Cargo.toml check -A advisory-not-detected -A license-not-encountered \
    advisories licenses bans sources
