"""When to try a message again: seconds at first, growing to minutes, for up to a day."""

from __future__ import annotations

from datetime import datetime, timedelta

FIRST_DELAY_S = 5
MAX_DELAY_S = 600
GIVE_UP_AFTER = timedelta(hours=24)


def retry_delay_s(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt: 5, 10, 20 ... up to 10 minutes."""
    if attempts < 1:
        return 0
    # Capped before it is computed: a huge attempt count must not build a huge integer.
    exponent = min(attempts - 1, MAX_DELAY_S.bit_length())
    delay: int = FIRST_DELAY_S << exponent
    return min(delay, MAX_DELAY_S)


def next_attempt_at(created_at: datetime, attempts: int, now: datetime) -> datetime | None:
    """When to try again after a failed attempt, or None once the message is a day old."""
    retry_at = now + timedelta(seconds=retry_delay_s(attempts))
    if retry_at > created_at + GIVE_UP_AFTER:
        return None
    return retry_at
