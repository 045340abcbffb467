"""What the benchmark scripts share (not run by CI): the repository, the
trailwarden binary to measure, the moto server of .venv, and waiting for a
server's port."""

import os
import socket
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"


def trailwarden_binary(given):
    """`given`, else target/release/trailwarden, else target/debug/trailwarden;
    exits with a message when there is none."""
    binary = Path(given) if given else next(
        (p for p in (REPO / "target/release/trailwarden", REPO / "target/debug/trailwarden") if p.exists()),
        None,
    )
    if binary is None or not binary.exists():
        sys.exit("no trailwarden binary: build one (cargo build --release) or pass its path")
    return binary


def moto_python():
    """(moto_server, the python of its virtualenv): $TRAILWARDEN_MOTO_SERVER
    or .venv's; exits with a message when missing."""
    moto_server = Path(os.environ.get("TRAILWARDEN_MOTO_SERVER", VENV_BIN / "moto_server"))
    if not moto_server.exists():
        sys.exit(f"{moto_server} not found: run bash scripts/test.sh once to create .venv")
    return moto_server, moto_server.parent / "python"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, proc, timeout=60):
    """Until 127.0.0.1:port accepts connections; exits if `proc` dies first."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit("moto_server exited early")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("moto_server did not start")
