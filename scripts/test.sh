#!/usr/bin/env bash
# The one test command (README, CI): formatting, lints, and every test,
# including the end-to-end tests against a real moto server.
#
# Needs only Rust (with the rustfmt and clippy components rustup installs by
# default) and Python 3. Creates .venv with the pinned moto on first run.
set -euo pipefail

cd "$(dirname "$0")/.."

MOTO_REQUIREMENT='moto[server]==5.2.5'
VENV=.venv

step() { printf '\n==> %s\n' "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
    step "creating $VENV"
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("moto") != "5.2.5")' 2>/dev/null \
    || [ ! -x "$VENV/bin/moto_server" ]; then
    step "installing $MOTO_REQUIREMENT into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$MOTO_REQUIREMENT"
fi

# The end-to-end tests start this moto server.
export PATH="$PWD/$VENV/bin:$PATH"

if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    echo "error: cargo fmt or cargo clippy is missing; run: rustup component add rustfmt clippy" >&2
    exit 1
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings

step "cargo test"
cargo test --locked

step "all checks passed"
