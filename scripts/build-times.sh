#!/usr/bin/env bash
# Cold build times of trailwarden, as a newcomer meets them: the repository
# is cloned into a temporary directory, its crates fetched (downloads are not
# timed; they depend on the network), then each profile is built from an
# empty target directory with `cargo build --timings`, reporting:
#   - wall time and CPU time (user + sys) of the build,
#   - peak memory: the largest sum of the resident memory of every process
#     of the build at one moment (sampled every 0.2 s; parallel rustc
#     processes add up), and the largest single process,
#   - the five slowest crates (compile time of each unit, from the timings).
#
#   bash scripts/build-times.sh [--rev REV] [--profile release|debug|both]
#
# REV defaults to HEAD (committed work only: uncommitted changes are not in
# the clone). Run it on an otherwise idle machine: anything else running
# makes the figures worse. Results are printed and written to
# build-times-<rev>.md in the current directory.
set -euo pipefail

rev=HEAD
profiles=(release debug)
while [ $# -gt 0 ]; do
    case "$1" in
        --rev) rev="$2"; shift 2 ;;
        --profile)
            case "$2" in
                both) profiles=(release debug) ;;
                release | debug) profiles=("$2") ;;
                *) echo "error: --profile must be release, debug or both" >&2; exit 2 ;;
            esac
            shift 2 ;;
        -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "error: unknown argument $1" >&2; exit 2 ;;
    esac
done

repo="$(cd "$(dirname "$0")/.." && pwd)"
commit="$(git -C "$repo" rev-parse --short "$rev")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git clone --quiet --no-local "$repo" "$work/src"
git -C "$work/src" checkout --quiet "$commit"
cd "$work/src"
cargo fetch --locked --quiet

out="$OLDPWD/build-times-$commit.md"
{
    echo "# Cold builds of $commit ($(date -u +%Y-%m-%d), $(nproc) cores, $(rustc --version))"
    echo
} >"$out"

for profile in "${profiles[@]}"; do
    flag=()
    [ "$profile" = release ] && flag=(--release)
    rm -rf target
    echo "==> cargo build ${flag[*]:-} (cold) ..." >&2
    python3 - "$profile" "${flag[@]}" <<'PY' | tee -a "$out"
import glob, json, os, re, subprocess, sys, time

profile, flags = sys.argv[1], sys.argv[2:]
page = os.sysconf("SC_PAGE_SIZE")


def tree_rss(root):
    """(sum, largest) resident bytes of root and all its descendants."""
    children, rss = {}, {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                text = f.read()
            pid = int(text.split(" ", 1)[0])
            fields = text.rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(pid)
            rss[pid] = int(fields[21]) * page
        except (OSError, ValueError, IndexError):
            continue
    total, largest, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        largest = max(largest, rss.get(pid, 0))
        todo.extend(children.get(pid, []))
    return total, largest


start = time.monotonic()
before = os.times()
build = subprocess.Popen(["cargo", "build", "--locked", "--timings", *flags],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
peak_sum = peak_one = 0
while build.poll() is None:
    total, largest = tree_rss(build.pid)
    peak_sum, peak_one = max(peak_sum, total), max(peak_one, largest)
    time.sleep(0.2)
wall = time.monotonic() - start
after = os.times()
cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
if build.returncode != 0:
    sys.stderr.write(build.stderr.read()[-4000:])
    sys.exit(f"cargo build {' '.join(flags)} failed")

# The units and their durations, from the --timings page.
timing = max(glob.glob("target/cargo-timings/cargo-timing-*.html"), key=os.path.getmtime)
text = open(timing).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", text, re.S).group(1))
by_crate = {}
for unit in units:
    key = unit["name"] + (" (build script)" if unit.get("target", "").strip() == "build-script" else "")
    by_crate[key] = by_crate.get(key, 0.0) + unit["duration"]
slowest = sorted(by_crate.items(), key=lambda kv: -kv[1])[:5]

gib = 1024 ** 3
print(f"## cargo build {' '.join(flags) or '(debug)'}\n")
print(f"- wall time: {wall / 60:.1f} min ({wall:.0f} s); CPU time {cpu / 60:.1f} min")
print(f"- peak memory: {peak_sum / gib:.2f} GiB in all processes at once, "
      f"{peak_one / gib:.2f} GiB in the largest one")
print(f"- units compiled: {len(units)}")
print("- slowest crates: " + ", ".join(f"{name} {secs:.0f} s" for name, secs in slowest))
print()
PY
done
echo "written: $out" >&2
