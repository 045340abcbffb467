#!/usr/bin/env python3
"""trailwarden vs Prowler on the same moto organization (not run by CI).

    python3 scripts/bench_prowler.py [BINARY] [--accounts N] [--concurrency C]
                                     [--prowler-accounts K] [--skip-prowler]

1. Starts moto (tests/seed/moto_server.py, from the repository's .venv) on a
   free loopback port and seeds it with `tests/seed/seed.py bench`: an
   organization of N accounts (default 100), a mix of postures over
   us-east-1 and eu-west-1.
2. Puts a counting reverse proxy (threaded, stdlib) on another loopback port
   in front of moto. Both tools are given the proxy as their endpoint, so
   every HTTP request either of them sends is counted the same way, by
   service and operation.
3. Runs `trailwarden audit --org` over both regions three times: straight to
   moto (warm-up: moto builds each account's backends on first use), through
   the proxy (the counted, reported run; its own count from the snapshot's
   stats is shown beside the proxy's, which also has the sts:AssumeRole
   calls), and straight to moto again (to show the proxy's overhead).
4. Runs Prowler (from PyPI, in .venv-prowler, created from
   scripts/prowler-requirements.txt if missing) as its documentation
   prescribes for several accounts: once per account, sequentially, with
   `-R arn:aws:iam::ACCOUNT:role/OrganizationAccountAccessRole` (the
   management account with the caller's own credentials), restricted to the
   checks equivalent to trailwarden's catalog (`--checks`) and to the same
   two regions (`-f`). With --prowler-accounts K only the first K accounts
   (the management account and K-1 members) are scanned, and Prowler's
   whole-organization wall time, CPU time and calls are extrapolated from
   them: the management run plus the members' mean times N-1 (the output
   says so). The bench seeding cycles through 4 member postures, so K = 1 +
   a multiple of 4 samples them evenly.
5. Prints accounts, regions, wall time, CPU time, API calls (total and per
   account) and peak RSS for both tools, and the ratios; writes every count
   per operation to bench-out/bench-prowler.json, Prowler's output to
   bench-out/prowler.log.

Exits non-zero with a message when Prowler cannot run against moto at all
(no account scanned). Checks that Prowler reports as crashed are listed.
"""

import argparse
import collections
import http.client
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from benchlib import REPO, free_port, moto_python, trailwarden_binary, wait_for
PROWLER_VENV = REPO / ".venv-prowler"
PROWLER_REQUIREMENTS = REPO / "scripts" / "prowler-requirements.txt"
REGIONS = ["us-east-1", "eu-west-1"]
ROLE = "OrganizationAccountAccessRole"
MGMT = "123456789012"

# Prowler's checks equivalent to trailwarden's catalog (`trailwarden checks`).
# Names that the installed Prowler does not know are dropped (and listed).
PROWLER_CHECKS = [
    # cloudtrail-multi-region, cloudtrail-organization-trail, delivery health
    "cloudtrail_multi_region_enabled",
    "cloudtrail_multi_region_enabled_logging_management_events",
    # cloudtrail-log-file-validation
    "cloudtrail_log_file_validation_enabled",
    # cloudtrail-kms-encryption
    "cloudtrail_kms_encryption_enabled",
    # cloudtrail-kms-key-rotation (Prowler checks every customer managed key)
    "kms_cmk_rotation_enabled",
    # cloudtrail-s3-data-events-read / -write
    "cloudtrail_s3_dataevents_read_enabled",
    "cloudtrail_s3_dataevents_write_enabled",
    # cloudtrail-cloudwatch-logs
    "cloudtrail_cloudwatch_logging_enabled",
    # cloudtrail-insights
    "cloudtrail_insights_exist",
    # trail-bucket-not-public, trail-bucket-access-logging
    "cloudtrail_logs_s3_bucket_is_not_publicly_accessible",
    "cloudtrail_logs_s3_bucket_access_logging_enabled",
    # trail-bucket-mfa-delete
    "cloudtrail_bucket_requires_mfa_delete",
    # trail-bucket-versioning, -object-lock, -retention (Prowler has no
    # trail-bucket variant: these check every bucket of the account)
    "s3_bucket_object_versioning",
    "s3_bucket_object_lock",
    "s3_bucket_lifecycle_enabled",
    # config-recorder-all-regions
    "config_recorder_all_regions_enabled",
    # monitor-* (CIS 4.1-4.15)
    "cloudwatch_log_metric_filter_unauthorized_api_calls",
    "cloudwatch_log_metric_filter_sign_in_without_mfa",
    "cloudwatch_log_metric_filter_root_usage",
    "cloudwatch_log_metric_filter_policy_changes",
    "cloudwatch_log_metric_filter_for_s3_bucket_policy_changes",
    "cloudwatch_log_metric_filter_authentication_failures",
    "cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk",
    "cloudwatch_log_metric_filter_security_group_changes",
    "cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled",
    "cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled",
    "cloudwatch_changes_to_network_acls_alarm_configured",
    "cloudwatch_changes_to_network_gateways_alarm_configured",
    "cloudwatch_changes_to_network_route_tables_alarm_configured",
    "cloudwatch_changes_to_vpcs_alarm_configured",
    "cloudwatch_log_metric_filter_aws_organizations_changes",
]


# --- a counting loopback reverse proxy --------------------------------------

CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
CBOR_PATH = re.compile(r"^/service/[^/]+/operation/([^/?]+)")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
              "trailer", "upgrade", "proxy-authorization", "proxy-authenticate"}


def operation_of(method, path, headers, body):
    """`service:Operation` for an AWS request, as well as it can be told."""
    scope = CREDENTIAL_SCOPE.search(headers.get("Authorization", ""))
    service = scope.group(1) if scope else "?"
    target = headers.get("X-Amz-Target")
    if target:
        return f"{service}:{target.rsplit('.', 1)[-1]}"
    match = CBOR_PATH.match(path)
    if match:
        return f"{service}:{match.group(1)}"
    url = urllib.parse.urlsplit(path)
    query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    if "Action" in query:
        return f"{service}:{query['Action'][0]}"
    if body and "x-www-form-urlencoded" in headers.get("Content-Type", ""):
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        if "Action" in form:
            return f"{service}:{form['Action'][0]}"
    # REST (S3, S3 Control, ...): method, depth of the path, first sub-resource.
    parts = [p for p in url.path.split("/") if p]
    sub = "?" + sorted(query)[0] if query else ""
    shape = "/" if not parts else "/{bucket}" if len(parts) == 1 else "/{bucket}/{key}"
    return f"{service}:{method} {shape}{sub}"


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.ops = collections.Counter()
        self.errors = collections.Counter()

    def add(self, op, status):
        with self.lock:
            self.ops[op] += 1
            if status >= 400:
                self.errors[f"{op} {status}"] += 1

    def snapshot(self):
        with self.lock:
            return collections.Counter(self.ops), collections.Counter(self.errors)


def start_proxy(upstream_port, counter):
    local = threading.local()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args):
            pass

        def _body(self):
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                data = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return data
                    data += self.rfile.read(size)
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _forward(self):
            body = self._body()
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            if body or self.command in ("POST", "PUT", "PATCH"):
                headers["Content-Length"] = str(len(body))
            headers.pop("Expect", None)
            for attempt in range(2):
                conn = getattr(local, "conn", None)
                if conn is None:
                    conn = local.conn = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=300)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    break
                except (ConnectionError, http.client.HTTPException, OSError):
                    conn.close()
                    local.conn = None
                    if attempt:
                        self.send_error(502)
                        return
            counter.add(operation_of(self.command, self.path, self.headers, body), resp.status)
            self.send_response_only(resp.status, resp.reason)
            for key, value in resp.getheaders():
                if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _forward

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- helpers -----------------------------------------------------------------




def run_measured(cmd, env, log=None):
    """Run cmd; return (exit code, wall seconds, peak RSS in MiB, CPU seconds)."""
    started = time.time()
    proc = subprocess.Popen(cmd, env=env, stdout=log or subprocess.DEVNULL,
                            stderr=subprocess.STDOUT if log else subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    # ru_maxrss is in KiB on Linux: the largest of the process and the
    # descendants it waited for.
    return (os.waitstatus_to_exitcode(status), time.time() - started, usage.ru_maxrss / 1024,
            usage.ru_utime + usage.ru_stime)


def ensure_prowler():
    prowler = PROWLER_VENV / "bin" / "prowler"
    if not prowler.exists():
        print(f"creating {PROWLER_VENV.name} from {PROWLER_REQUIREMENTS.relative_to(REPO)} ...", flush=True)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(PROWLER_VENV)], check=True)
            subprocess.run([str(PROWLER_VENV / "bin" / "pip"), "install", "-q", "-r",
                            str(PROWLER_REQUIREMENTS)], check=True)
        except subprocess.CalledProcessError as err:
            sys.exit(f"cannot install Prowler into {PROWLER_VENV}: {err}")
    if not prowler.exists():
        sys.exit(f"{prowler} missing after installing {PROWLER_REQUIREMENTS}")
    version = subprocess.run([str(prowler), "--version"], capture_output=True, text=True).stdout.strip()
    return prowler, version


def base_env(tmp):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    config = Path(tmp) / "aws-config"
    # Path-style S3 on a loopback endpoint, for every boto3/botocore client.
    config.write_text("[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n")
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1",
               AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(Path(tmp) / "none"),
               AWS_EC2_METADATA_DISABLED="true")
    return env


def top(ops, n=8):
    return ", ".join(f"{k}={v}" for k, v in ops.most_common(n))


def delta(after, before):
    out = collections.Counter(after)
    out.subtract(before)
    return +out


# --- the two tools -----------------------------------------------------------

def run_trailwarden(binary, endpoint, proxy_url, counter, tmp, concurrency):
    env = base_env(tmp)
    snap = Path(tmp) / "snapshot.json"

    def cmd(url):
        return [str(binary), "audit", "--org", "--endpoint-url", url,
                "--regions", ",".join(REGIONS), "--concurrency", str(concurrency),
                "--format", "json", "--output", str(Path(tmp) / "trailwarden.json"),
                "--save-snapshot", str(snap), "--no-config"]

    # A first run straight to moto warms it up (moto builds each account's
    # and region's backends on first use: Prowler then finds them built too);
    # the second, through the proxy, is the counted run whose figures are
    # reported; a third, straight to moto again, shows the proxy's overhead.
    _, cold_wall, _, _ = run_measured(cmd(endpoint), env)
    before, errs_before = counter.snapshot()
    code, wall, rss, cpu = run_measured(cmd(proxy_url), env)
    after, errs_after = counter.snapshot()
    _, direct_wall, _, _ = run_measured(cmd(endpoint), env)
    data = json.loads(snap.read_text())
    return {
        "exit": code, "wall": wall, "rss": rss, "cpu": cpu, "direct_wall": direct_wall, "cold_wall": cold_wall,
        "accounts": len(data["accounts"]),
        "proxy_calls": sum(delta(after, before).values()),
        "proxy_ops": delta(after, before),
        "proxy_errors": delta(errs_after, errs_before),
        "own_calls": data["stats"]["api_calls"],
        "own_ops": data["stats"]["calls_by_operation"],
    }


def prowler_checks(prowler, env):
    out = subprocess.run([str(prowler), "aws", "--list-checks-json"], env=env, capture_output=True, text=True)
    known = set()
    try:
        for names in json.loads(out.stdout).values():
            known.update(names)
    except (ValueError, AttributeError):
        known = set(re.findall(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b", out.stdout))
    if not known:
        listing = subprocess.run([str(prowler), "aws", "--list-checks"], env=env, capture_output=True, text=True)
        known = set(re.findall(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b", listing.stdout))
    return [c for c in PROWLER_CHECKS if c in known], [c for c in PROWLER_CHECKS if c not in known]


def run_prowler(prowler, accounts, proxy_url, counter, tmp, checks, log_path):
    env = base_env(tmp)
    env["AWS_ENDPOINT_URL"] = proxy_url
    out_dir = Path(tmp) / "prowler-out"
    per_account = []
    crashed = collections.Counter()
    findings = collections.Counter()
    with open(log_path, "w") as log:
        for account in accounts:
            cmd = [str(prowler), "aws", "--checks", *checks, "-f", *REGIONS,
                   "--output-formats", "json-ocsf", "-o", str(out_dir), "-F", f"prowler-{account}",
                   "--no-banner", "--ignore-exit-code-3", "--log-level", "ERROR"]
            if account != MGMT:
                cmd += ["-R", f"arn:aws:iam::{account}:role/{ROLE}"]
            log.write(f"\n=== {account}: {' '.join(cmd)}\n")
            log.flush()
            before, errs_before = counter.snapshot()
            code, wall, rss, cpu = run_measured(cmd, env, log)
            after, errs_after = counter.snapshot()
            report = out_dir / f"prowler-{account}.ocsf.json"
            statuses = collections.Counter()
            if report.exists():
                try:
                    for finding in json.loads(report.read_text() or "[]"):
                        statuses[finding.get("status_code", "?")] += 1
                except ValueError:
                    pass
            findings.update(statuses)
            per_account.append({"account": account, "exit": code, "wall": wall, "rss": rss, "cpu": cpu,
                                "ops": delta(after, before), "errors": delta(errs_after, errs_before),
                                "findings": statuses})
            print(f"  prowler {account}: exit {code}, {wall:.1f} s, "
                  f"{sum(delta(after, before).values())} calls, {sum(statuses.values())} findings", flush=True)
    # Prowler says "Something went wrong in <check>" when a check raises, and
    # "Scan completed! ... in N.Ns" for the time spent running the checks.
    text = Path(log_path).read_text(errors="replace")
    crashed.update(re.findall(r"Something went wrong in (\w+)", text))
    scan_seconds = sum(float(x) for x in re.findall(r"Scan completed!.*? in ([0-9.]+)s", text))
    return per_account, crashed, findings, scan_seconds


# --- main --------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--prowler-accounts", type=int,
                        help="scan only the first K accounts with Prowler and extrapolate to all")
    parser.add_argument("--skip-prowler", action="store_true")
    parser.add_argument("--prowler-log", default=str(REPO / "bench-out" / "prowler.log"))
    parser.add_argument("--json", default=str(REPO / "bench-out" / "bench-prowler.json"),
                        help="where to write every count, per operation (default: bench-out/)")
    args = parser.parse_args()

    binary = trailwarden_binary(args.binary)
    moto_server, python = moto_python()
    prowler = version = None
    if not args.skip_prowler:
        prowler, version = ensure_prowler()

    port = free_port()
    moto = subprocess.Popen([str(python), str(REPO / "tests/seed/moto_server.py"), "-H", "127.0.0.1",
                             "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    counter = Counter()
    proxy = None
    try:
        wait_for(port, moto)
        endpoint = f"http://127.0.0.1:{port}"
        started = time.time()
        seeded = subprocess.run([str(python), str(REPO / "tests/seed/seed.py"), "bench", "--endpoint", endpoint,
                                 "--accounts", str(args.accounts)], check=True, stdout=subprocess.PIPE, text=True)
        seed = json.loads(seeded.stdout)
        accounts = [seed["management"], *seed["members"]]
        print(f"seeded {len(accounts)} accounts over {', '.join(REGIONS)} in {time.time() - started:.1f} s")
        proxy = start_proxy(port, counter)
        proxy_url = f"http://127.0.0.1:{proxy.server_address[1]}"

        with tempfile.TemporaryDirectory() as tmp:
            print(f"load average before trailwarden: {os.getloadavg()[0]:.2f}")
            tw = run_trailwarden(binary, endpoint, proxy_url, counter, tmp, args.concurrency)
            print(f"\ntrailwarden ({binary.relative_to(REPO) if binary.is_relative_to(REPO) else binary}) "
                  f"audit --org: exit {tw['exit']}, {tw['accounts']} accounts")
            print(f"  wall {tw['wall']:.2f} s through the proxy ({tw['direct_wall']:.2f} s straight to moto; "
                  f"first run on a cold moto {tw['cold_wall']:.2f} s), "
                  f"CPU {tw['cpu']:.2f} s, peak RSS {tw['rss']:.1f} MiB")
            print(f"  API calls: {tw['proxy_calls']} at the proxy "
                  f"({tw['proxy_calls'] / len(accounts):.1f} per account); "
                  f"{tw['own_calls']} in its snapshot stats")
            print(f"  busiest: {top(tw['proxy_ops'])}")
            if tw["proxy_errors"]:
                print(f"  error answers: {top(tw['proxy_errors'])}")
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            result = {"accounts": len(accounts), "regions": REGIONS, "binary": str(binary), "trailwarden": tw}
            Path(args.json).write_text(json.dumps(result, indent=1, default=str))
            if args.skip_prowler:
                return

            checks, unknown = prowler_checks(prowler, base_env(tmp))
            if not checks:
                sys.exit(f"{version} lists none of the equivalent checks: cannot compare")
            if unknown:
                print(f"\nnot in {version}, left out: {', '.join(unknown)}")
            scanned = accounts[:args.prowler_accounts] if args.prowler_accounts else accounts
            print(f"\n{version}: {len(checks)} checks, {len(scanned)} of {len(accounts)} accounts, "
                  f"one run per account (log: {args.prowler_log})", flush=True)
            Path(args.prowler_log).parent.mkdir(parents=True, exist_ok=True)
            print(f"load average before Prowler: {os.getloadavg()[0]:.2f}")
            runs, crashed, findings, scan_seconds = run_prowler(prowler, scanned, proxy_url, counter, tmp, checks,
                                                  args.prowler_log)
    finally:
        if proxy:
            proxy.shutdown()
        moto.kill()
        moto.wait()

    ok = [r for r in runs if r["exit"] == 0 and sum(r["findings"].values())]
    if not ok:
        sys.exit(f"Prowler could not scan any account against moto: see {args.prowler_log}")
    failed = [r["account"] for r in runs if r not in ok]
    p_wall = sum(r["wall"] for r in runs)
    p_ops = sum((r["ops"] for r in runs), collections.Counter())
    p_calls = sum(p_ops.values())
    p_errors = sum((r["errors"] for r in runs), collections.Counter())
    p_rss = max(r["rss"] for r in runs)
    p_cpu = sum(r["cpu"] for r in runs)
    per_acct_wall = p_wall / len(runs)
    extrapolated = len(runs) < len(accounts)

    def org_total(value):
        """Whole-organization total: measured, or the management account's
        run plus the members' mean times the number of members."""
        if not extrapolated:
            return sum(value(r) for r in runs)
        mgmt = [value(r) for r in runs if r["account"] == MGMT]
        members = [value(r) for r in runs if r["account"] != MGMT]
        if not mgmt or not members:
            return sum(value(r) for r in runs) / len(runs) * len(accounts)
        return mgmt[0] + sum(members) / len(members) * (len(accounts) - 1)

    org_wall = org_total(lambda r: r["wall"])
    org_calls = org_total(lambda r: sum(r["ops"].values()))
    org_cpu = org_total(lambda r: r["cpu"])
    per_acct_calls = org_calls / len(accounts)

    print(f"\nProwler ({version}), {len(runs)} sequential runs:")
    print(f"  wall {p_wall:.1f} s ({per_acct_wall:.2f} s per account), CPU {p_cpu:.1f} s, "
          f"peak RSS {p_rss:.1f} MiB (largest run)")
    print(f"  of which running the checks (Prowler's own 'Scan completed in'): {scan_seconds:.1f} s; "
          f"the rest is start-up, credentials and report writing")
    print(f"  API calls: {p_calls} at the proxy ({p_calls / len(runs):.1f} per account)")
    print(f"  findings: {dict(findings)}")
    print(f"  busiest: {top(p_ops)}")
    if p_errors:
        print(f"  error answers: {top(p_errors)}")
    if failed:
        print(f"  runs that failed or reported nothing: {', '.join(failed)}")
    if crashed:
        print(f"  checks that logged an error against moto: {', '.join(sorted(crashed))}")
    if extrapolated:
        print(f"  EXTRAPOLATED to {len(accounts)} accounts (management run + members' mean x {len(accounts) - 1}): "
              f"wall {org_wall:.0f} s, CPU {org_cpu:.0f} s, {org_calls:.0f} calls")

    result["prowler"] = {"version": version, "checks": checks, "unknown_checks": unknown, "runs": runs,
                         "crashed": crashed, "extrapolated": extrapolated, "org_wall": org_wall,
                         "org_calls": org_calls, "scan_seconds": scan_seconds, "cpu": p_cpu}
    Path(args.json).write_text(json.dumps(result, indent=1, default=str))
    n = len(accounts)
    tw_per = tw["proxy_calls"] / n
    mark = " (extrapolated)" if extrapolated else ""
    print("\n| tool | accounts | regions | wall (s) | CPU (s) | API calls | calls/account | peak RSS (MiB) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(f"| trailwarden | {n} | {len(REGIONS)} | {tw['wall']:.2f} | {tw['cpu']:.2f} | {tw['proxy_calls']} | "
          f"{tw_per:.1f} | {tw['rss']:.1f} |")
    print(f"| Prowler {version.split()[-1]}{mark} | {n} | {len(REGIONS)} | {org_wall:.1f} | {org_cpu:.1f} | "
          f"{org_calls:.0f} | {per_acct_calls:.1f} | {p_rss:.1f} |")
    print(f"\nProwler / trailwarden{mark}: wall time x{org_wall / tw['wall']:.1f}, CPU time x{org_cpu / tw['cpu']:.1f}, "
          f"API calls per account x{per_acct_calls / tw_per:.2f}")


if __name__ == "__main__":
    main()
