#!/usr/bin/env python3
"""Benchmark `trailwarden evaluate` on a large synthetic organization (not run by CI).

    python3 scripts/bench-evaluate.py [BINARY] [--accounts N] [--format json|html] [--keep PATH]

Builds a snapshot of N accounts (default 5000) from the demo organization
(examples/demo-org.snapshot.json): half the accounts are copies of its
workload account (an own, badly configured trail, bucket and AWS Config),
half are copies of its log-archive account (covered by the organization
trail), each with its own ids, trail ARNs and bucket names. Then runs
`evaluate --format json` on it (or `--format html`: the page for auditors)
several times (a shared machine's timings vary) and prints the best and
median wall time, the peak RSS of the process, the size of the report and
the number of findings. BINARY defaults to
target/release/trailwarden, else target/debug/trailwarden.
"""

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import REPO, trailwarden_binary
DEMO = REPO / "examples" / "demo-org.snapshot.json"
WORKLOAD, ARCHIVE = "333333333333", "222222222222"
WORKLOAD_BUCKET = "acme-workload-prod-trail-logs"


def clone(text, old_id, new_id, suffix):
    """The JSON text of an account's facts with its ids made unique."""
    return json.loads(
        text.replace(old_id, new_id).replace(WORKLOAD_BUCKET, f"{WORKLOAD_BUCKET}-{suffix}")
    )


def build(n):
    demo = json.loads(DEMO.read_text())
    accounts = {a["account_id"]: a for a in demo["accounts"]}
    workload_trails = {k: v for k, v in demo["trails"].items() if v["account_id"] == WORKLOAD}
    workload_buckets = {k: v for k, v in demo["buckets"].items() if k == WORKLOAD_BUCKET}
    workload_alarms = {k: v for k, v in demo.get("alarms", {}).items() if k.startswith(WORKLOAD)}
    template_text = {
        WORKLOAD: json.dumps([accounts[WORKLOAD], workload_trails, workload_buckets, workload_alarms]),
        ARCHIVE: json.dumps([accounts[ARCHIVE], {}, {}, {k: v for k, v in demo.get("alarms", {}).items()
                                                      if k.startswith(ARCHIVE)}]),
    }
    snap = demo
    existing = len(snap["accounts"])
    for i in range(max(n - existing, 0)):
        new_id = f"{900000000000 + i:012d}"
        kind = WORKLOAD if i % 2 == 0 else ARCHIVE
        account, trails, buckets, alarms = clone(template_text[kind], kind, new_id, i)
        account["name"] = f"bench-{i}"
        snap["accounts"].append(account)
        snap["trails"].update(trails)
        snap["buckets"].update(buckets)
        snap.setdefault("alarms", {}).update(alarms)
        snap["organization"]["accounts"].append({"id": new_id, "name": f"bench-{i}", "status": "ACTIVE"})
        snap["scope"]["accounts"].append(new_id)
    snap["accounts"].sort(key=lambda a: a["account_id"])
    snap["scope"]["accounts"].sort()
    return snap


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--keep", help="also save the synthetic snapshot here")
    parser.add_argument("--format", choices=["json", "html"], default="json",
                        help="the report to render and measure (default json)")
    parser.add_argument("--runs", type=int, default=5,
                        help="evaluate this many times; the best and the median are printed (default 5)")
    args = parser.parse_args()
    binary = trailwarden_binary(args.binary)
    snap = build(args.accounts)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "scale.snapshot.json"
        path.write_text(json.dumps(snap))
        size_mb = path.stat().st_size / 1e6
        out = Path(tmp) / f"report.{args.format}"
        runs = []
        for _ in range(max(args.runs, 1)):
            start = time.perf_counter()
            proc = subprocess.run(
                [str(binary), "evaluate", str(path), "--no-config", "--format", args.format, "--output", str(out)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            wall = time.perf_counter() - start
            if proc.returncode not in (0, 1, 3):
                sys.exit(f"evaluate failed ({proc.returncode}): {proc.stderr.decode()}")
            runs.append(wall)
        # ru_maxrss of children is the largest of any one child's peak.
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        report_bytes = out.stat().st_size
        report_mb = report_bytes / 1e6
        if args.format == "json":
            report = json.loads(out.read_text())
            checks, total, exit_code = len(report["checks"]), report["summary"]["total"], report["exit_code"]
        else:
            # The page states its counts in attributes the browser test reads too.
            page = out.read_text()
            checks = len(re.findall(r'<article class="check"', page))
            total = int(re.search(r'id="tw-stats" hidden data-total="(\d+)"', page).group(1))
            exit_code = int(re.search(r'<body data-exit-code="(\d+)"', page).group(1))
    runs.sort()
    print(f"binary:        {binary}")
    print(f"accounts:      {len(snap['accounts'])} ({len(snap['trails'])} trails, {len(snap['buckets'])} buckets)")
    print(f"snapshot:      {size_mb:.1f} MB")
    print(f"evaluate:      {runs[0]:.2f} s best, {runs[len(runs) // 2]:.2f} s median of {len(runs)} runs "
          f"(read, {checks} checks, {report_mb:.0f} MB {args.format.upper()} report written)")
    print(f"peak RSS:      {peak_kib / 1024:.0f} MiB")
    print(f"report:        {report_mb:.1f} MB ({report_bytes} bytes, {args.format})")
    print(f"findings:      {total} (exit code {exit_code})")


if __name__ == "__main__":
    main()
