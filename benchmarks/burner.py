"""``python -m benchmarks.burner --duty 0.25``: a controlled background load on one core.

Busy for ``duty`` of every period, asleep for the rest, on an absolute schedule so the share
does not drift: the kind of neighbour a deployment's machine has (a backup, a log shipper).
The harness starts it pinned to the server core and measures the CPU it really took.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

DEFAULT_PERIOD_MS = 10.0


def busy_until(start_s: float, period_s: float, duty: float, index: int) -> tuple[float, float]:
    """Period ``index``'s end of work and end of rest, from the schedule's start."""
    begin = start_s + index * period_s
    return begin + duty * period_s, begin + period_s


def main(argv: Sequence[str] | None = None) -> int:
    """Burn until killed."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.burner", description=__doc__)
    parser.add_argument("--duty", type=float, required=True, help="busy share of each period")
    parser.add_argument("--period-ms", type=float, default=DEFAULT_PERIOD_MS)
    args = parser.parse_args(argv)
    if not 0.0 < args.duty < 1.0 or args.period_ms <= 0:
        parser.error("--duty must be between 0 and 1 and --period-ms positive")
    period_s = args.period_ms / 1000
    start = time.monotonic()
    index = 0
    while True:
        work_end, rest_end = busy_until(start, period_s, args.duty, index)
        while time.monotonic() < work_end:
            pass
        time.sleep(max(0.0, rest_end - time.monotonic()))
        # Behind schedule (preempted): skip the missed periods rather than burn them all at once.
        index = max(index + 1, int((time.monotonic() - start) / period_s))


if __name__ == "__main__":
    raise SystemExit(main())
