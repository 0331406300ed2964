#!/usr/bin/env bash
# Tests `sdk/generate.sh --check` (the stale-code check of `make lint`): it passes on the tree,
# and on a copy of wit/ with one line changed (a field of `inbound-message` renamed) it fails,
# naming a stale file of each SDK (Go bindings, JS types, the Rust SDK's WIT) and the command
# that regenerates them. The tree itself is never written. Run by `make test`.
set -euo pipefail
SDK="$(cd "$(dirname "$0")/.." && pwd)"
ROOT="$(dirname "$SDK")"
failures=0
pass() { echo "ok: $*"; }
fail() { echo "FAILED: $*" >&2; failures=$((failures + 1)); }
# expect TEXT PATTERN WHAT: TEXT has a line containing PATTERN (fixed string).
expect() {
  if grep -qF -- "$2" <<<"$1"; then pass "$3"; else fail "$3: no line with '$2' in:"$'\n'"$1"; fi
}

before="$(cd "$ROOT" && git status --porcelain -- sdk wit 2>/dev/null || true)"

if output="$(bash "$SDK/generate.sh" --check 2>&1)"; then
  pass "the check passes on the tree"
else
  fail "the check fails on the tree:"$'\n'"$output"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp -r "$ROOT/wit" "$tmp/wit"
sed -i 's/^\(\s*\)sender-id: string,$/\1sender-key: string,/' "$tmp/wit/types.wit"
changed="$(diff "$ROOT/wit/types.wit" "$tmp/wit/types.wit" | grep -c '^>' || true)"
[ "$changed" = 1 ] || { echo "FAILED: the test's WIT edit changed $changed lines, not 1" >&2; exit 1; }

if output="$(bash "$SDK/generate.sh" --check --wit "$tmp/wit" 2>&1)"; then
  fail "the check passes although a WIT line changed:"$'\n'"$output"
else
  status=$?
  [ "$status" = 1 ] && pass "the check exits 1 on a changed WIT line" || fail "exit $status, not 1"
fi
expect "$output" "sdk/go/internal/wit/imports/roomkit_plugin_types/wit_bindings.go: differs from what the WIT generates" \
  "names the stale Go bindings"
expect "$output" "sdk/js/types/interfaces/roomkit-plugin-types.d.ts: differs from what the WIT generates" \
  "names the stale JS types"
expect "$output" "sdk/rust/macro/wit/types.wit: differs from what the WIT generates" \
  "names the Rust SDK's stale WIT copy"
expect "$output" "regenerate it with: make generate" "says how to regenerate"
if grep -q "witpkg\|worlds.wit\|host.wit" <<<"$output"; then
  fail "names files the change does not touch:"$'\n'"$output"
else
  pass "names only what the change touches"
fi

after="$(cd "$ROOT" && git status --porcelain -- sdk wit 2>/dev/null || true)"
[ "$before" = "$after" ] && pass "the tree is untouched" || fail "the check changed the tree"

if [ "$failures" -gt 0 ]; then
  echo "sdk/tests/generate-check.sh: $failures failed" >&2
  exit 1
fi
echo "sdk/tests/generate-check.sh: all passed"
