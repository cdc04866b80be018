"""When to ask WeChat Pay about an unpaid order: a back-off that scales with the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Looks at 1, 2, 4, 10 and 20 times ORDERBELL_RECONCILE_AFTER_S after submission: with the
# default 30 s, at 30 s, 1, 2, 5 and 10 minutes; then every 20 times it until the order expires.
STEPS = (1, 2, 4, 10, 20)
# After WeChat Pay could not be asked, or its answer not believed, the next try comes this soon
# at most (sooner when the first look comes sooner).
RETRY_S = 60.0


@dataclass(frozen=True, slots=True)
class Schedule:
    """The reconciler's timing: first look ``after_s`` after submission, expiry at ``expire_s``."""

    after_s: float
    expire_s: float

    def __post_init__(self) -> None:
        if not (self.after_s >= 1 and self.expire_s >= 1):
            raise ValueError("the reconciliation delays must be at least 1 second")

    def first_look(self, created_at: datetime) -> datetime:
        """When a new order is first worth asking about."""
        return created_at + timedelta(seconds=min(self.after_s, self.expire_s))

    def next_look(self, created_at: datetime, now: datetime) -> datetime:
        """The first look of the back-off after ``now``; never later than the expiry.

        Time-based, not counted: a server that was down for an hour does not catch up on the
        looks it missed, it takes the next one due.
        """
        elapsed = (now - created_at).total_seconds()
        for multiple in STEPS:
            if self.after_s * multiple > elapsed:
                return self._capped(created_at, self.after_s * multiple)
        period = self.after_s * STEPS[-1]
        return self._capped(created_at, period * (elapsed // period + 1))

    def expires_at(self, created_at: datetime) -> datetime:
        """When an order still unpaid is closed at WeChat Pay and cancelled here."""
        return created_at + timedelta(seconds=self.expire_s)

    def retry_at(self, now: datetime) -> datetime:
        """When to try again after WeChat Pay could not be asked or its answer was not usable."""
        return now + timedelta(seconds=min(self.after_s, RETRY_S))

    @property
    def run_every_s(self) -> float:
        """How often the reconciler looks for due orders: often enough to keep the schedule."""
        return min(5.0, max(0.2, self.after_s / 4))

    def _capped(self, created_at: datetime, offset_s: float) -> datetime:
        return created_at + timedelta(seconds=min(offset_s, self.expire_s))
