#!/usr/bin/env bash
# Builds a RoomKit plugin written in Go into a WebAssembly component.
#
#   sdk/go/build.sh [PLUGIN_DIR] --kind KIND [--world WORLD] [-o OUT.wasm]
#
# PLUGIN_DIR (default: the current directory) is a Go main package with a go.mod and,
# optionally, the plugin's manifest NAME.toml (the only *.toml there), which names the plugin.
# KIND is the manifest's `kind` (hook, identity-resolver, inbound-router, provider, ai-provider)
# and WORLD the world of roomkit:plugin to build for: the kind's own (the default), or
# `identity-hook` for a hook whose manifest names an identity trigger. `roomkit plugin build`
# reads the manifest with the host's own parser and passes both; this script does not read it.
# The component goes to PLUGIN_DIR/dist/NAME.wasm with the manifest copied beside it.
#
# Steps: standard Go builds a wasip1 reactor core module
#   GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -ldflags=-checklinkname=0
# then roomkit-go-componentize embeds the world and adapts WASI preview1 with wasmtime 48's
# reactor adapter. Needs sdk/go/setup.sh once.
set -euo pipefail
SDK_DIR="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=env.sh
. "$SDK_DIR/env.sh"

KINDS="hook identity-resolver inbound-router provider ai-provider"
fail() { echo "roomkit go build: $*" >&2; exit 1; }

dir=.
out=
kind=
world=
while [ $# -gt 0 ]; do
  case "$1" in
    -o|--out|--kind|--world)
      [ $# -ge 2 ] || fail "$1 needs a value"
      case "$1" in
        -o|--out) out="$2" ;;
        --kind) kind="$2" ;;
        --world) world="$2" ;;
      esac
      shift 2 ;;
    -h|--help) sed -n 2,17p "$0"; exit 0 ;;
    -*) fail "unknown option $1" ;;
    *) dir="$1"; shift ;;
  esac
done
[ -n "$kind" ] || fail "missing --kind: the plugin's kind from its manifest (one of ${KINDS// /, }); \`roomkit plugin build\` passes it"
case " $KINDS " in
  *" $kind "*) ;;
  *) fail "unknown kind \"$kind\" (one of ${KINDS// /, })" ;;
esac
world="${world:-$kind}"
if [ "$world" != "$kind" ] && ! { [ "$kind" = hook ] && [ "$world" = identity-hook ]; }; then
  if [ "$kind" = hook ]; then fail "a hook is built for the world hook or identity-hook, not $world"; fi
  fail "a $kind is built for the world $kind, not $world"
fi
dir="$(cd "$dir" && pwd)"

if ! command -v go >/dev/null || [ ! -x "$COMPONENTIZE" ]; then
  fail "the Go toolchain is not installed: run sdk/go/setup.sh"
fi
[ -f "$dir/go.mod" ] || fail "$dir has no go.mod"

shopt -s nullglob
manifests=("$dir"/*.toml)
[ ${#manifests[@]} -le 1 ] || fail "$dir has several manifests; keep one NAME.toml"
if [ ${#manifests[@]} -eq 1 ]; then
  manifest="${manifests[0]}"
  name="$(basename "$manifest" .toml)"
else
  manifest=
  name="$(basename "$dir" | tr - _)"
fi
[ -n "$out" ] || out="$dir/dist/$name.wasm"
mkdir -p "$(dirname "$out")" "$dir/dist/.build"
core="$dir/dist/.build/$name.core.wasm"

start=$(date +%s%N)
(cd "$dir" && GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -ldflags=-checklinkname=0 -o "$core" .)
echo "go build: $(( ($(date +%s%N) - start) / 1000000 )) ms, core module $(( $(stat -c %s "$core") / 1024 )) KiB"
"$COMPONENTIZE" component --wit "$SDK_DIR/../../wit" --world "$world" "$core" -o "$out"
if [ -n "$manifest" ]; then
  cp "$manifest" "$(dirname "$out")/$(basename "$out" .wasm).toml"
fi
