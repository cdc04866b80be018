"""Time how long OrderBell takes from launch until its tray is up (the "started" log line).

Usage, from the repository root, after a build::

    python packaging/start_time.py [--runs N] [--cold] [-- COMMAND ...]

COMMAND defaults to ``dist/OrderBell/OrderBell``; pass e.g. ``-- .venv/bin/python -m desktop`` to
time the app from source. Each run gets an empty home, config, state and log folder (a first
run: the settings dialog opens beside the tray), Qt's offscreen platform, and is ended once the
line appears. ``--cold`` empties the OS page cache before each run (Linux, root only).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

READY_LINE = "started"  # desktop.__main__.run_app logs "OrderBell <version> started"
POLL_S = 0.005
TIMEOUT_S = 60.0


def drop_page_cache() -> None:
    """Make the next start read every file from disk again."""
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n", encoding="ascii")


def time_one_start(command: list[str]) -> float:
    """Seconds from launching ``command`` until its log says it started."""
    with tempfile.TemporaryDirectory(prefix="orderbell-start-") as tmp:
        home = Path(tmp)
        env = {
            **os.environ,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CACHE_HOME": str(home / "cache"),
            "QT_QPA_PLATFORM": "offscreen",
        }
        log_file = home / "state" / "OrderBell" / "log" / "orderbell.log"
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603 - the command the user asked to time
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            while time.perf_counter() - started < TIMEOUT_S:
                if log_file.exists() and READY_LINE in log_file.read_text(encoding="utf-8"):
                    return time.perf_counter() - started
                if process.poll() is not None:
                    raise SystemExit(f"{command[0]} exited with {process.returncode} first")
                time.sleep(POLL_S)
            raise SystemExit(f"no '{READY_LINE}' line in {log_file} within {TIMEOUT_S:g} s")
        finally:
            process.terminate()
            process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="drop the page cache before each run")
    parser.add_argument("command", nargs="*", default=["dist/OrderBell/OrderBell"])
    args = parser.parse_args()
    times = []
    for _ in range(args.runs):
        if args.cold:
            drop_page_cache()
        times.append(time_one_start(args.command))
    shown = ", ".join(f"{seconds:.2f}" for seconds in times)
    print(
        f"{' '.join(args.command)}: launch to tray, {'cold' if args.cold else 'warm'} cache, "
        f"median {statistics.median(times):.2f} s of {args.runs} ({shown})"
    )


if __name__ == "__main__":
    main()
