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

# The end-to-end tests start .venv/bin/moto_server (or $TRAILWARDEN_MOTO_SERVER)
# and seed it with the boto3 that moto installs beside it.
if [ ! -x "$VENV/bin/python" ]; then
    step "creating $VENV"
    if ! python3 -m venv "$VENV"; then
        rm -rf "$VENV"
        echo "error: python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)" >&2
        exit 1
    fi
fi
if ! "$VENV/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("moto") != "5.2.5")' 2>/dev/null \
    || [ ! -x "$VENV/bin/moto_server" ]; then
    step "installing $MOTO_REQUIREMENT into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$MOTO_REQUIREMENT"
fi

# --- HTML report browser test (tests/html_report.rs) -----------------------
# It loads the report in headless Chromium (Debian package `chromium`) and
# fails, naming this step, when the browser is missing. As root (CI), install
# it quietly; otherwise say how. TRAILWARDEN_CHROMIUM overrides the path.
if [ -z "${TRAILWARDEN_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        step "installing chromium (for the HTML report browser test)"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "warning: /usr/bin/chromium is missing, so the HTML report browser test will fail;" \
            "install it with: sudo apt-get install -y chromium" >&2
    fi
fi
# ---------------------------------------------------------------------------

if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    echo "error: cargo fmt or cargo clippy is missing; run: rustup component add rustfmt clippy" >&2
    exit 1
fi

step "cargo fmt --check"
cargo fmt --all -- --check

# --- clippy, in the test build ----------------------------------------------
# `cargo clippy` is `cargo check` with clippy-driver as the compiler of our
# own crate: its dependencies are then *checked* in a build of their own,
# two more minutes on two cores for crates `cargo test` compiles anyway.
# Running the test build itself through clippy-driver (what `cargo clippy`
# does, as RUSTC_WORKSPACE_WRAPPER, with CLIPPY_ARGS) lints every target of
# ours with `-D warnings` and compiles each dependency once. The canary below
# fails this script if this toolchain's clippy-driver stops denying lints
# that way.
step "clippy (-D warnings) through the test build"
CLIPPY_DRIVER="$(rustc --print sysroot)/bin/clippy-driver"
if [ ! -x "$CLIPPY_DRIVER" ]; then
    echo "error: $CLIPPY_DRIVER is missing; run: rustup component add clippy" >&2
    exit 1
fi
export RUSTC_WORKSPACE_WRAPPER="$CLIPPY_DRIVER"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
canary="$(mktemp -d)"
printf 'pub fn f(v: &Vec<u8>) -> usize { v.len() }\n' >"$canary/canary.rs"
if "$CLIPPY_DRIVER" rustc "$canary/canary.rs" --crate-type lib --emit metadata \
    -o "$canary/canary.rmeta" >/dev/null 2>&1; then
    rm -rf "$canary"
    echo "error: clippy-driver did not deny a lint through CLIPPY_ARGS; run cargo clippy --all-targets -- -D warnings instead" >&2
    exit 1
fi
rm -rf "$canary"

# The test build reuses every crate the program build (`cargo run`) compiled.
step "the test build shares the program build"
bash scripts/check-shared-build.sh

step "cargo test --all-targets --no-run (lints every target)"
cargo test --all-targets --locked --no-run

step "cargo test"
cargo test --locked

step "all checks passed"
