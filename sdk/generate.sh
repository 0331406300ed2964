#!/usr/bin/env bash
# The SDKs' code generated from the WIT package `wit/`: writes it into the tree, or checks it.
#
#   sdk/generate.sh                      regenerate into the tree (`make generate`)
#   sdk/generate.sh --check [--wit DIR]  generate into a temporary directory from DIR (default
#                                        wit/) and fail, naming each file, on any difference
#                                        from the tree (`make check-generated`, part of `make lint`)
#
# What is generated, and by what:
#   sdk/go/internal/wit, sdk/go/internal/witpkg, sdk/go/*/wit_exports.go
#       roomkit-go-componentize bindgen (the Go bindings and wit-bindgen's Go runtime package)
#   sdk/js/types        sdk/js/scripts/gen-types.mjs (jco's TypeScript declarations)
#   sdk/rust/macro/wit  a copy of wit/: the WIT the Rust SDK carries inside its crates
# Needs the SDK toolchains (`make sdk-setup`).
set -euo pipefail
SDK="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$SDK")"
REGENERATE="make generate (or sdk/generate.sh)"

check=false
wit="$ROOT/wit"
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check=true; shift ;;
    --wit) [ $# -ge 2 ] || { echo "sdk/generate.sh: --wit needs a directory" >&2; exit 2; }
           wit="$(cd "$2" && pwd)"; shift 2 ;;
    -h|--help) sed -n 2,14p "$0"; exit 0 ;;
    *) echo "sdk/generate.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$check" = false ] && [ "$wit" != "$ROOT/wit" ]; then
  echo "sdk/generate.sh: --wit goes with --check (the tree is generated from wit/)" >&2
  exit 2
fi

# shellcheck source=go/env.sh
. "$SDK/go/env.sh"
if [ ! -x "$COMPONENTIZE" ] || [ ! -d "$SDK/js/node_modules/@bytecodealliance/jco-transpile" ]; then
  echo "sdk/generate.sh: the SDK toolchains are not installed: run make sdk-setup" >&2
  exit 1
fi

# Writes everything generated from $1 (a WIT directory) under $2, laid out as sdk/ is.
generate_into() {
  local from="$1" out="$2"
  "$COMPONENTIZE" bindgen --wit "$from" --out "$out/go" --module roomkit.example/sdk >/dev/null
  node "$SDK/js/scripts/gen-types.mjs" --wit "$from" --out "$out/js/types" >/dev/null
  rm -rf "$out/rust/macro/wit"
  mkdir -p "$out/rust/macro/wit"
  cp "$from"/*.wit "$out/rust/macro/wit/"
}

# The generated files of the tree, relative to sdk/: what `generate_into` owns.
tree_files() {
  (cd "$SDK" && {
    find go/internal/wit go/internal/witpkg js/types rust/macro/wit -type f 2>/dev/null
    find go -mindepth 2 -maxdepth 2 -name wit_exports.go
  } | sort)
}

if [ "$check" = false ]; then
  # Each generator replaces only its own directories (and Go's wit_exports.go files).
  generate_into "$ROOT/wit" "$SDK"
  echo "regenerated sdk/go bindings, sdk/js/types and sdk/rust/macro/wit from wit/"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
generate_into "$wit" "$tmp"
stale=0
while read -r rel; do
  if [ ! -f "$SDK/$rel" ]; then
    echo "sdk/$rel: missing (the WIT generates it)" >&2
    stale=1
  elif ! cmp -s "$tmp/$rel" "$SDK/$rel"; then
    echo "sdk/$rel: differs from what the WIT generates" >&2
    stale=1
  fi
done < <(cd "$tmp" && find . -type f | sed 's|^\./||' | sort)
while read -r rel; do
  if [ ! -f "$tmp/$rel" ]; then
    echo "sdk/$rel: no longer generated (remove it)" >&2
    stale=1
  fi
done < <(tree_files)
if [ "$stale" = 1 ]; then
  echo "the generated SDK code is out of date with ${wit}: regenerate it with: $REGENERATE" >&2
  exit 1
fi
echo "the generated SDK code matches $wit ($(cd "$tmp" && find . -type f | wc -l) files)"
