"""A deliberately slowed server, to prove the CI perf smoke fails when OrderBell gets slower.

``python -m benchmarks.handicap WORK_US PYTHON -m MODULE ARGS...`` runs ``MODULE`` as
``PYTHON -m MODULE ARGS...`` would, with ``WORK_US`` microseconds of busy CPU work added to every
``Hub.publish`` (each event handed to the counters: every payment callback, every published
fan-out frame). Used only by ``python -m benchmarks smoke --handicap-us N``; production code is
untouched.
"""

from __future__ import annotations

import runpy
import sys
import time
from collections.abc import Sequence
from typing import Any

from backend.hub import Hub


def burn(work_us: int) -> None:
    """Keep the CPU busy for ``work_us`` microseconds of this thread's CPU time."""
    until = time.thread_time_ns() + 1000 * work_us
    while time.thread_time_ns() < until:
        pass


def slow_down(work_us: int) -> None:
    """Make every ``Hub.publish`` in this process cost ``work_us`` more CPU."""
    publish = Hub.publish

    def slowed(self: Hub, *args: Any, **kwargs: Any) -> int:
        burn(work_us)
        return publish(self, *args, **kwargs)

    Hub.publish = slowed  # type: ignore[method-assign]


def main(argv: Sequence[str]) -> None:
    """Entry point: ``WORK_US PYTHON -m MODULE ARGS...``."""
    if len(argv) < 4 or argv[2] != "-m":
        raise SystemExit("usage: python -m benchmarks.handicap WORK_US PYTHON -m MODULE ARGS...")
    work_us = int(argv[0])
    if work_us < 0:
        raise SystemExit(f"the added work must not be negative, got {work_us}")
    module = argv[3]
    slow_down(work_us)
    sys.argv = [module, *argv[4:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
