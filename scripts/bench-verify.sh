#!/usr/bin/env bash
# verify-logs benchmark: one region, a day of digests (24) with LOGS log
# files each (default 250: 6000 log files), verified from a local copy with
# the release build. Prints the wall time of the verification alone and its
# peak memory (RSS): log files are hashed while streaming, so the peak does
# not grow with their size (LOG_KIB=65536 makes each log 64 MiB inflated).
#
#   [LOG_KIB=4] bash scripts/bench-verify.sh [LOGS_PER_DIGEST] [--debug]
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
"$TARGET/$PROFILE/examples/verify-fixture" "$WORK" 24 "$LOGS" "${LOG_KIB:-4}"
python3 - "$WORK" "$TARGET/$PROFILE/trailwarden" "$PROFILE" "${LOG_KIB:-4}" <<'PY'
import json, resource, subprocess, sys, time
work, binary, profile, log_kib = sys.argv[1:5]
start = time.monotonic()
with open(f"{work}/report.json", "wb") as out:
    subprocess.run([binary, "verify-logs",
                    "--trail", "arn:aws:cloudtrail:us-east-1:123456789012:trail/main",
                    "--start-time", "2026-11-27T00:00:00Z", "--end-time", "2026-11-28T00:00:00Z",
                    "--local", f"{work}/copy", "--s3-bucket", "bench-trail-bucket",
                    "--public-keys", f"{work}/keys.json", "--format", "json"],
                   stdout=out, check=False)
secs = time.monotonic() - start
peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
report = json.load(open(f"{work}/report.json"))
s = report["summary"]
print(f"verify-logs ({profile}): {s['digests']['valid']} digests and {s['logs']['valid']} log files "
      f"of {log_kib} KiB verified in {secs:.2f} s ({s['logs']['valid'] / secs:.0f} log files/s), "
      f"peak RSS {peak_mib:.0f} MiB; result {report['result']}")
assert report["result"] == "VERIFIED", report["result"]
PY
