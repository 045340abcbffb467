#!/usr/bin/env python3
"""Benchmark `trailwarden audit --org` against moto (not run by CI).

    python3 scripts/bench.py [BINARY] [--accounts N] [--concurrency C]

Starts moto_server from the repository's .venv on a free port, seeds an
organization of N accounts (default 100) with a mix of postures over two
regions (tests/seed/seed.py bench), runs the audit once, and prints wall
time, API calls (total and per account, from the saved snapshot's stats)
and trailwarden's peak RSS. BINARY defaults to target/release/trailwarden,
else target/debug/trailwarden. scripts/bench_prowler.py runs the same audit
beside Prowler, counting both tools' calls with a proxy.
"""

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from benchlib import REPO, free_port, moto_python, trailwarden_binary, wait_for





def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()

    binary = trailwarden_binary(args.binary)
    moto_server, python = moto_python()

    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    # tests/seed/moto_server.py adds the RPC v2 CBOR protocol that the Rust
    # SDK speaks to CloudWatch (plain moto_server would fail DescribeAlarms).
    moto = subprocess.Popen([str(python), str(REPO / "tests/seed/moto_server.py"), "-H", "127.0.0.1",
                             "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(port, moto)
        started = time.time()
        subprocess.run([str(python), str(REPO / "tests/seed/seed.py"), "bench", "--endpoint", endpoint,
                        "--accounts", str(args.accounts)], check=True, stdout=subprocess.DEVNULL)
        print(f"seeded {args.accounts} accounts in {time.time() - started:.1f} s")

        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_EC2_METADATA_DISABLED="true")
        with tempfile.TemporaryDirectory() as tmp:
            snap = Path(tmp) / "snapshot.json"
            cmd = [str(binary), "audit", "--org", "--endpoint-url", endpoint,
                   "--regions", "us-east-1,eu-west-1", "--concurrency", str(args.concurrency),
                   "--format", "json", "--output", str(Path(tmp) / "report.json"),
                   "--save-snapshot", str(snap)]
            started = time.time()
            proc = subprocess.Popen(cmd, env=env)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.time() - started
            code = os.waitstatus_to_exitcode(status)
            stats = json.loads(snap.read_text())["stats"]
            accounts = len(json.loads(snap.read_text())["accounts"])
        print(f"audit --org: exit {code}, {accounts} accounts, wall {wall:.2f} s")
        print(f"API calls: {stats['api_calls']} total, {stats['api_calls'] / max(accounts, 1):.1f} per account")
        top = sorted(stats["calls_by_operation"].items(), key=lambda kv: -kv[1])[:8]
        print("busiest operations: " + ", ".join(f"{k}={v}" for k, v in top))
        # ru_maxrss is in KiB on Linux.
        print(f"peak RSS: {usage.ru_maxrss / 1024:.1f} MiB")
    finally:
        moto.kill()
        moto.wait()


if __name__ == "__main__":
    main()
