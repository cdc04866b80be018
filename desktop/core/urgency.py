"""How urgent an unaccepted order is by its age: what colour its card takes and how often it rings.

An order waits from the moment it is paid. Delivery platforms cancel orders left unaccepted for
a few minutes, and a customer starts to hurry one after about as long, so the alert grows
louder in step: after 2 minutes it repeats twice as often, after 5 minutes as often as allowed.
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum

# A payment time this far from the PC's clock is a wrong clock, not a waiting customer.
_PLAUSIBLE_WAIT_S = 24 * 3600.0
LATE_AFTER_S = 120.0
OVERDUE_AFTER_S = 300.0
FASTEST_REPEAT_S = 10.0


class Urgency(IntEnum):
    """An order's urgency; higher is more urgent (the card's colour, the repeat's pace)."""

    NORMAL = 0
    LATE = 1
    OVERDUE = 2


def urgency(age_s: float) -> Urgency:
    """The urgency of an order waiting for ``age_s`` seconds since payment."""
    if age_s >= OVERDUE_AFTER_S:
        return Urgency.OVERDUE
    if age_s >= LATE_AFTER_S:
        return Urgency.LATE
    return Urgency.NORMAL


def repeat_interval(base_s: float, age_s: float) -> float:
    """Seconds until the next repeat of an order of this age, for a configured ``base_s``.

    Normal: ``base_s``. Late: half of it. Overdue: every 10 s. Never slower than ``base_s``.
    """
    level = urgency(age_s)
    if level is Urgency.OVERDUE:
        return min(base_s, FASTEST_REPEAT_S)
    if level is Urgency.LATE:
        return min(base_s, max(FASTEST_REPEAT_S, base_s / 2))
    return base_s


def waited_since(paid_at: datetime | None, now: datetime | None) -> float:
    """Seconds from payment to ``now`` (both aware), 0 when either is unknown or the clocks
    disagree (a payment in the future, or more than a day ago)."""
    if paid_at is None or now is None:
        return 0.0
    try:
        seconds = (now - paid_at).total_seconds()
    except TypeError:  # one of them is naive: no sensible age
        return 0.0
    return seconds if 0.0 <= seconds <= _PLAUSIBLE_WAIT_S else 0.0


def order_urgency(paid_at: datetime | None, now: datetime) -> Urgency:
    """The urgency a card shows for an order paid at ``paid_at``, at the local time ``now``."""
    return urgency(waited_since(paid_at, now))
