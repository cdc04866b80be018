"""Acceptance statistics by shop-local day, from the orders' own timestamps (pure, no I/O).

An order counts on the day it was paid, in the shops' time zone: its acceptance, rejection,
refund and reminders are figures of that day's orders, so a day's line never changes because
of what happens to other days' orders.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# An order waiting longer than this before anyone handled it is counted apart.
LONG_WAIT = timedelta(minutes=5)
# The widest range one request or report covers.
MAX_DAYS = 366


class StatsRangeError(ValueError):
    """A day range that cannot be reported: the message says what to fix."""


@dataclass(frozen=True, slots=True)
class OrderTimes:
    """What the statistics need of one paid order (times are aware)."""

    shop_id: int
    paid_at: datetime
    accepted_at: datetime | None
    rejected_at: datetime | None
    refunded_at: datetime | None
    reminders: int
    waiting: bool  # still to be confirmed (status 2)


@dataclass(frozen=True, slots=True)
class DayFigures:
    """One shop's figures for one day; the times to accept are in seconds (None: no order)."""

    shop_id: int
    day: date
    paid: int
    accepted: int
    rejected: int
    refunded: int
    reminders: int
    accept_p50_s: float | None
    accept_p90_s: float | None
    accept_max_s: float | None
    waited_over_5_min: int

    def to_json(self) -> dict[str, object]:
        """The figures as the HTTP API and the JSON report give them."""
        return {
            "shopId": self.shop_id,
            "day": self.day.isoformat(),
            "paid": self.paid,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "refunded": self.refunded,
            "reminders": self.reminders,
            "acceptP50Seconds": self.accept_p50_s,
            "acceptP90Seconds": self.accept_p90_s,
            "acceptMaxSeconds": self.accept_max_s,
            "waitedOver5Minutes": self.waited_over_5_min,
        }


def check_range(first: date, last: date) -> None:
    """Raise StatsRangeError unless ``first..last`` is a range of at most MAX_DAYS days."""
    if last < first:
        raise StatsRangeError("the range ends before it starts: 'to' must not be before 'from'")
    if (last - first).days + 1 > MAX_DAYS:
        raise StatsRangeError(f"at most {MAX_DAYS} days at a time")


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The shop-local day of an aware moment."""
    return moment.astimezone(zone).date()


def day_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) that the shop-local days ``first..last`` cover."""
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(last + timedelta(days=1), time(0), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def nearest_rank(sorted_values: Sequence[float], percent: float) -> float | None:
    """The nearest-rank percentile of sorted values (None for none): p50 of 1..4 is 2."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(percent / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def waited(order: OrderTimes, now: datetime) -> timedelta | None:
    """How long the order waited for a first answer (until now while it still waits)."""
    handled = order.accepted_at or order.rejected_at or order.refunded_at
    if handled is not None:
        return handled - order.paid_at
    return now - order.paid_at if order.waiting else None


def daily_figures(
    orders: Iterable[OrderTimes],
    first: date,
    last: date,
    zone: ZoneInfo,
    now: datetime,
    shops: Iterable[int] = (),
) -> list[DayFigures]:
    """Each shop's figures for every day of ``first..last`` (days without orders give zeros).

    ``shops`` names shops to report even without any order in the range.
    """
    check_range(first, last)
    by_day: dict[tuple[int, date], list[OrderTimes]] = {}
    for order in orders:
        day = local_day(order.paid_at, zone)
        if first <= day <= last:
            by_day.setdefault((order.shop_id, day), []).append(order)
    every_shop = sorted({*shops, *(shop for shop, _ in by_day)})
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [
        _figures(shop, day, by_day.get((shop, day), []), now) for shop in every_shop for day in days
    ]


def _figures(shop_id: int, day: date, orders: list[OrderTimes], now: datetime) -> DayFigures:
    accept_times = sorted(
        (order.accepted_at - order.paid_at).total_seconds()
        for order in orders
        if order.accepted_at is not None
    )
    long_waits = [o for o in orders if (w := waited(o, now)) is not None and w > LONG_WAIT]
    return DayFigures(
        shop_id=shop_id,
        day=day,
        paid=len(orders),
        accepted=len(accept_times),
        rejected=sum(1 for order in orders if order.rejected_at is not None),
        refunded=sum(1 for order in orders if order.refunded_at is not None),
        reminders=sum(order.reminders for order in orders),
        accept_p50_s=nearest_rank(accept_times, 50),
        accept_p90_s=nearest_rank(accept_times, 90),
        accept_max_s=accept_times[-1] if accept_times else None,
        waited_over_5_min=len(long_waits),
    )
