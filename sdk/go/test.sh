#!/usr/bin/env bash
# The Go SDK's own tests, natively with the SDK's toolchain (sdk/go/setup.sh): the SDK module
# (package roomkit's helpers, HTTP and test host; the provider glue) and every example module
# (`make test` runs this). Off wasm the host's imports are served by roomkit.Testing.
set -euo pipefail
SDK_DIR="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=env.sh
. "$SDK_DIR/env.sh"
command -v go >/dev/null || { echo "sdk/go/test.sh: Go is not installed: run sdk/go/setup.sh" >&2; exit 1; }
for module in "$SDK_DIR" "$SDK_DIR"/examples/*/; do
  module="${module%/}"
  echo "go test in sdk/go${module#"$SDK_DIR"}"
  output="$(cd "$module" && go test -count=1 ./... 2>&1)" || { echo "$output" >&2; exit 1; }
  grep -v 'no test files' <<<"$output" || true
done
