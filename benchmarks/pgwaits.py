"""What PostgreSQL's backends were doing, tallied from samples of ``pg_stat_activity``.

Pure: the probe (``benchmarks/pgprobe.py``) feeds it rows; nothing here does I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

# What an active backend that waits on nothing is doing: running on a CPU (or queued for one).
ON_CPU = "CPU (no wait event)"
# A backend inside a transaction, waiting for its client's next statement: a round trip.
IN_TRANSACTION = "idle in transaction (waiting for the server)"
ADVISORY = "Lock:advisory"


@dataclass(frozen=True, slots=True)
class Sample:
    """One backend in one sample: its pid, state, wait event, and how long it has waited on an
    advisory lock (milliseconds since pg_locks' ``waitstart``), if it does."""

    pid: int
    state: str | None
    wait_type: str | None
    wait_event: str | None
    lock_wait_ms: float | None = None
    lock_wait_start: str | None = None


def label(sample: Sample) -> str | None:
    """What the backend was doing, or None for an idle one (not part of the work)."""
    if sample.state == "active":
        if sample.wait_type is None:
            return ON_CPU
        return f"{sample.wait_type}:{sample.wait_event}"
    if sample.state is not None and sample.state.startswith("idle in transaction"):
        return IN_TRANSACTION
    return None


@dataclass
class WaitTally:
    """Counts over a window: backend-samples by activity, and each advisory-lock wait seen.

    A wait on the append lock is keyed by backend and the moment its wait began, so one wait
    seen in several samples counts once, with the longest time it was seen waiting (a lower
    bound of that wait; waits shorter than the sampling interval are mostly not seen).
    """

    samples: int = 0
    activity: Counter[str] = field(default_factory=Counter)
    lock_waits: dict[tuple[int, str], float] = field(default_factory=dict)

    def add(self, backends: Iterable[Sample]) -> None:
        """One sample: every backend of the database at one moment."""
        self.samples += 1
        for backend in backends:
            what = label(backend)
            if what is None:
                continue
            self.activity[what] += 1
            if (
                what == ADVISORY
                and backend.lock_wait_start is not None
                and backend.lock_wait_ms is not None
            ):
                key = (backend.pid, backend.lock_wait_start)
                self.lock_waits[key] = max(self.lock_waits.get(key, 0.0), backend.lock_wait_ms)

    @property
    def busy(self) -> int:
        """Backend-samples that were doing (or waiting on) something."""
        return sum(self.activity.values())

    def mean_busy(self) -> float:
        """Average number of non-idle backends per sample."""
        return self.busy / self.samples if self.samples else 0.0

    def shares(self, top: int = 5) -> list[tuple[str, float]]:
        """The most frequent activities and their share of the busy backend-samples."""
        busy = self.busy
        if not busy:
            return []
        return [(what, count / busy) for what, count in self.activity.most_common(top)]

    def lock_wait_summary(self) -> tuple[int, float, float]:
        """Advisory-lock waits seen: how many, mean and longest seen duration in ms."""
        waits = list(self.lock_waits.values())
        if not waits:
            return 0, 0.0, 0.0
        return len(waits), sum(waits) / len(waits), max(waits)
