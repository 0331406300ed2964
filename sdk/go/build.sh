#!/usr/bin/env bash
# Builds a RoomKit plugin written in Go into a WebAssembly component.
#
#   sdk/go/build.sh [PLUGIN_DIR] [-o OUT.wasm]
#
# PLUGIN_DIR (default: the current directory) is a Go main package with a go.mod and the
# plugin's manifest NAME.toml (the only *.toml there; `kind` picks the world, `hook` when
# unset). The component goes to PLUGIN_DIR/dist/NAME.wasm with the manifest copied beside it.
#
# Steps: standard Go builds a wasip1 reactor core module
#   GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -ldflags=-checklinkname=0
# then roomkit-go-componentize embeds the kind's world and adapts WASI preview1 with wasmtime
# 48's reactor adapter. Needs sdk/go/setup.sh once.
set -euo pipefail
SDK_DIR="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=env.sh
. "$SDK_DIR/env.sh"

dir=.
out=
while [ $# -gt 0 ]; do
  case "$1" in
    -o|--out) out="$2"; shift 2 ;;
    -h|--help) sed -n 2,14p "$0"; exit 0 ;;
    -*) echo "roomkit go build: unknown option $1" >&2; exit 2 ;;
    *) dir="$1"; shift ;;
  esac
done
dir="$(cd "$dir" && pwd)"

if ! command -v go >/dev/null || [ ! -x "$COMPONENTIZE" ]; then
  echo "roomkit go build: the Go toolchain is not installed: run sdk/go/setup.sh" >&2
  exit 1
fi
[ -f "$dir/go.mod" ] || { echo "roomkit go build: $dir has no go.mod" >&2; exit 1; }

shopt -s nullglob
manifests=("$dir"/*.toml)
if [ ${#manifests[@]} -gt 1 ]; then
  echo "roomkit go build: $dir has several manifests; keep one NAME.toml" >&2
  exit 1
fi
kind=hook
if [ ${#manifests[@]} -eq 1 ]; then
  manifest="${manifests[0]}"
  name="$(basename "$manifest" .toml)"
  kind="$(sed -n 's/^[[:space:]]*kind[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$manifest" | head -1)"
  kind="${kind:-hook}"
  # A hook whose manifest names an identity trigger is built for the identity-hook world
  # (handle and handle-identity; the host refuses a plain hook component on those triggers).
  if [ "$kind" = hook ] && grep -Eq '^[[:space:]]*triggers[[:space:]]*=.*on_identity_(unknown|ambiguous)' "$manifest"; then
    kind=identity-hook
  fi
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
"$COMPONENTIZE" component --wit "$SDK_DIR/../../wit" --world "$kind" "$core" -o "$out"
if [ -n "$manifest" ]; then
  cp "$manifest" "$(dirname "$out")/$(basename "$out" .wasm).toml"
fi
