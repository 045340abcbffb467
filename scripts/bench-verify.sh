#!/usr/bin/env bash
# verify-logs benchmark: one region, a day of digests (24) with LOGS log
# files each (default 250: 6000 log files), verified from a local copy with
# the release build. Prints the wall time of the verification alone.
#
#   bash scripts/bench-verify.sh [LOGS_PER_DIGEST] [--debug]
set -euo pipefail
cd "$(dirname "$0")/.."

LOGS=${1:-250}
PROFILE=release
FLAG=--release
if [ "${2:-}" = "--debug" ]; then PROFILE=debug; FLAG=; fi
TARGET=${CARGO_TARGET_DIR:-target}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cargo build $FLAG --quiet --bin trailwarden --example verify-fixture
"$TARGET/$PROFILE/examples/verify-fixture" "$WORK" 24 "$LOGS"
START=$(date +%s.%N)
"$TARGET/$PROFILE/trailwarden" verify-logs \
    --trail arn:aws:cloudtrail:us-east-1:123456789012:trail/main \
    --start-time 2026-11-27T00:00:00Z --end-time 2026-11-28T00:00:00Z \
    --local "$WORK/copy" --s3-bucket bench-trail-bucket \
    --public-keys "$WORK/keys.json" --format json > "$WORK/report.json"
END=$(date +%s.%N)
python3 - "$WORK/report.json" "$START" "$END" "$PROFILE" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
s = report["summary"]
secs = float(sys.argv[3]) - float(sys.argv[2])
print(f"verify-logs ({sys.argv[4]}): {s['digests']['valid']} digests and {s['logs']['valid']} log files "
      f"verified in {secs:.2f} s ({s['logs']['valid'] / secs:.0f} log files/s); result {report['result']}")
assert report["result"] == "VERIFIED", report["result"]
PY
