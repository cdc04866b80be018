"""Daily acceptance figures from order timestamps, by shop-local day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.stats import (
    MAX_DAYS,
    OrderTimes,
    StatsRangeError,
    daily_figures,
    day_bounds,
    nearest_rank,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def paid(
    at: datetime,
    *,
    accept_after_s: float | None = None,
    reject_after_s: float | None = None,
    reminders: int = 0,
    waiting: bool = False,
    shop: int = 1,
) -> OrderTimes:
    """An order paid at ``at``, handled so many seconds later."""
    return OrderTimes(
        shop_id=shop,
        paid_at=at,
        accepted_at=at + timedelta(seconds=accept_after_s) if accept_after_s is not None else None,
        rejected_at=at + timedelta(seconds=reject_after_s) if reject_after_s is not None else None,
        refunded_at=None,
        reminders=reminders,
        waiting=waiting,
    )


def test_a_day_starts_at_local_midnight_not_utc_midnight() -> None:
    """Shanghai's 26 November runs from 25 Nov 16:00 UTC to 26 Nov 16:00 UTC."""
    start, end = day_bounds(DAY, DAY, SHANGHAI)
    assert start == datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 26, 16, 0, tzinfo=UTC)


def test_orders_either_side_of_local_midnight_fall_on_different_days() -> None:
    """23:59 and 00:01 Shanghai time are two days, though both are the same UTC day."""
    before = paid(datetime(2026, 11, 26, 15, 59, tzinfo=UTC), accept_after_s=30)
    after = paid(datetime(2026, 11, 26, 16, 1, tzinfo=UTC), accept_after_s=60)
    figures = daily_figures([before, after], DAY, DAY + timedelta(days=1), SHANGHAI, NOW)
    assert [(f.day, f.paid, f.accept_p50_s) for f in figures] == [
        (DAY, 1, 30.0),
        (DAY + timedelta(days=1), 1, 60.0),
    ]


def test_percentiles_are_nearest_rank() -> None:
    """p50 of ten values is the fifth, p90 the ninth."""
    values = [float(n) for n in range(1, 11)]
    assert nearest_rank(values, 50) == 5.0
    assert nearest_rank(values, 90) == 9.0
    assert nearest_rank([], 50) is None


def test_a_days_counts_and_times_to_accept() -> None:
    """Paid, accepted, rejected, reminders, p50/p90/max: each counted from its own orders."""
    at = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    orders = [
        paid(at, accept_after_s=20, reminders=1),
        paid(at, accept_after_s=40),
        paid(at, accept_after_s=400, reminders=2),
        paid(at, reject_after_s=10),
    ]
    (figures,) = daily_figures(orders, DAY, DAY, SHANGHAI, NOW)
    assert (figures.paid, figures.accepted, figures.rejected, figures.reminders) == (4, 3, 1, 3)
    assert (figures.accept_p50_s, figures.accept_p90_s, figures.accept_max_s) == (40, 400, 400)
    assert figures.waited_over_5_min == 1


def test_an_order_still_waiting_counts_as_a_long_wait_once_past_five_minutes() -> None:
    """Unanswered for six minutes by now: a long wait; for four minutes: not yet."""
    long_ago = paid(NOW - timedelta(minutes=6), waiting=True)
    recent = paid(NOW - timedelta(minutes=4), waiting=True)
    (figures,) = daily_figures([long_ago, recent], DAY, DAY, SHANGHAI, NOW)
    assert figures.waited_over_5_min == 1
    assert figures.accept_p50_s is None


def test_days_without_orders_are_reported_as_zeros() -> None:
    """A named shop gets a line for every day of the range, even an empty one."""
    figures = daily_figures([], DAY, DAY + timedelta(days=2), SHANGHAI, NOW, shops=[7])
    assert [(f.shop_id, f.paid) for f in figures] == [(7, 0), (7, 0), (7, 0)]


def test_orders_outside_the_range_are_left_out() -> None:
    """An order paid the day before the range does not count."""
    day_before = paid(datetime(2026, 11, 25, 3, 0, tzinfo=UTC), accept_after_s=5)
    (figures,) = daily_figures([day_before], DAY, DAY, SHANGHAI, NOW, shops=[1])
    assert figures.paid == 0


def test_shops_are_reported_apart() -> None:
    """Two shops' orders of one day give two lines."""
    at = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    figures = daily_figures([paid(at, shop=2), paid(at, shop=1)], DAY, DAY, SHANGHAI, NOW)
    assert [(f.shop_id, f.paid) for f in figures] == [(1, 1), (2, 1)]


def test_a_backwards_range_is_refused() -> None:
    """'to' before 'from' is an error, not an empty answer."""
    with pytest.raises(StatsRangeError, match="ends before it starts"):
        daily_figures([], DAY, DAY - timedelta(days=1), SHANGHAI, NOW)


def test_a_range_over_a_year_is_refused() -> None:
    """At most MAX_DAYS days at a time."""
    with pytest.raises(StatsRangeError, match="at most"):
        daily_figures([], DAY, DAY + timedelta(days=MAX_DAYS), SHANGHAI, NOW)
