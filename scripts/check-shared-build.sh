#!/usr/bin/env bash
# The test build reuses the program's build: after `cargo build` (what
# `cargo run` builds), `cargo test` may compile only trailwarden itself and
# the crates that only the tests use. Any other crate compiled again means a
# dev-dependency changed the features of a normal dependency (see the
# "Feature alignment" block in Cargo.toml): this script names it and fails.
#
#   bash scripts/check-shared-build.sh      (scripts/test.sh runs it)
set -euo pipefail
cd "$(dirname "$0")/.."

# Each unit's output file names carry a hash of its features and of its
# dependencies' features: a crate of the program build that the test build
# needs under another name is compiled twice.
artifacts() {
    python3 -c '
import json, sys
for line in sys.stdin:
    try:
        message = json.loads(line)
    except ValueError:
        continue
    if message.get("reason") == "compiler-artifact":
        package = message["package_id"]
        if "#trailwarden@" not in package and not package.startswith("path+"):
            for name in message["filenames"]:
                print(package, name)
'
}
program="$(cargo build --locked --message-format=json 2>/dev/null | artifacts | sort -u)"
tests="$(cargo test --locked --no-run --message-format=json 2>/dev/null | artifacts | sort -u)"
PROGRAM="$program" TESTS="$tests" python3 -c '
import os, sys

def table(text):
    out = {}
    for line in text.splitlines():
        package, name = line.split(" ", 1)
        out.setdefault(package, set()).add(name)
    return out

program, tests = table(os.environ["PROGRAM"]), table(os.environ["TESTS"])
again = sorted(package.rsplit("#", 1)[-1] for package, names in tests.items()
               if package in program and not names <= program[package])
if not program or not tests:
    sys.exit("error: no build output to compare")
if again:
    print("error: the test build compiles again crates the program build has "
          "(align their features in Cargo.toml):", ", ".join(again), file=sys.stderr)
    sys.exit(1)
print(f"the test build reuses all {len(program)} crates of the program build")
'
