# Sourced by setup.sh and build.sh: the project-local Go toolchain and its caches, nothing global.
# GOTOOLCHAIN=local stops Go from downloading another toolchain; GOPROXY=off keeps builds
# offline (the SDK and its runtime package come from this repository through `replace`).
SDK_GO="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOLCHAIN="$SDK_GO/.toolchain"
GOROOT=
if [ -d "$TOOLCHAIN/venv/lib" ]; then
  GOROOT="$(dirname "$(dirname "$(find "$TOOLCHAIN/venv/lib" -path '*/site-packages/go/bin/go' -type f | head -1)")")"
  export GOROOT
fi
export PATH="$GOROOT/bin:$TOOLCHAIN/bin:$PATH"
export GOPATH="$TOOLCHAIN/gopath"
export GOCACHE="$TOOLCHAIN/gocache"
export GOTOOLCHAIN=local
export GOPROXY=off
export GOFLAGS=-mod=mod
export GOTELEMETRY=off
COMPONENTIZE="$TOOLCHAIN/bin/roomkit-go-componentize"
