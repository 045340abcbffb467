#!/usr/bin/env python3
"""Regenerates the check catalog table in docs/checks.md from checks/*.toml.

The table sits between `<!-- catalog:start -->` and `<!-- catalog:end -->`;
tests/cli_offline.rs fails when a check is missing from it. Needs Python 3.11+
(tomllib). Rows follow `trailwarden checks`: the order is the registry's when
the binary is built, else alphabetical.
"""

import json
import os
import pathlib
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
START, END = "<!-- catalog:start -->", "<!-- catalog:end -->"
FRAMEWORKS = [
    ("cis-aws-v3.0.0", "CIS v3.0.0"),
    ("cis-aws-v5.0.0", "CIS v5.0.0"),
    ("cis-aws-v6.0.0", "CIS v6.0.0"),
    ("cis-aws-v7.0.0", "CIS v7.0.0"),
    ("aws-securityhub", "Security Hub"),
    ("aws-config", "AWS Config rule"),
]


def registry_order():
    """Check ids in registry order, from the built binary when there is one."""
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    for profile in ("release", "debug"):
        binary = target / profile / "trailwarden"
        if binary.exists():
            try:
                out = subprocess.run(
                    [binary, "checks", "--format", "json"],
                    check=True,
                    capture_output=True,
                ).stdout
                return [c["id"] for c in json.loads(out)]
            except (subprocess.CalledProcessError, ValueError, KeyError):
                pass
    return []


def main():
    metas = {}
    for path in sorted((ROOT / "checks").glob("*.toml")):
        metas[path.stem] = tomllib.loads(path.read_text())
    order = [i for i in registry_order() if i in metas]
    order += [i for i in sorted(metas) if i not in order]
    header = "| Check id | Severity | One finding per | " + " | ".join(n for _, n in FRAMEWORKS) + " |"
    rule = "|" + "---|" * (3 + len(FRAMEWORKS))
    rows = [header, rule]
    for check_id in order:
        meta = metas[check_id]
        frameworks = meta.get("frameworks", {})
        cells = [", ".join(frameworks.get(key, [])) or "–" for key, _ in FRAMEWORKS]
        rows.append(
            f"| `{check_id}` | {meta['severity']} | {meta['resource_kind']} | "
            + " | ".join(cells)
            + " |"
        )
    readme = ROOT / "docs" / "checks.md"
    text = readme.read_text()
    if START not in text or END not in text:
        sys.exit(f"docs/checks.md lacks the {START} / {END} markers")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    readme.write_text(before + START + "\n" + "\n".join(rows) + "\n" + END + after)
    print(f"docs/checks.md: {len(order)} checks")


if __name__ == "__main__":
    main()
