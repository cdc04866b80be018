"""Urgency by an order's age since payment: its card's colour and how fast it repeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desktop.core.urgency import (
    Urgency,
    order_urgency,
    repeat_interval,
    urgency,
    waited_since,
)

NOW = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age_s", "level"),
    [
        (0, Urgency.NORMAL),
        (119.9, Urgency.NORMAL),
        (120, Urgency.LATE),
        (299.9, Urgency.LATE),
        (300, Urgency.OVERDUE),
        (10**12, Urgency.OVERDUE),
    ],
)
def test_urgency_by_age(age_s: float, level: Urgency) -> None:
    """Normal for 2 minutes, late until 5, overdue after."""
    assert urgency(age_s) is level


def test_levels_order_by_how_urgent() -> None:
    """A UI can compare levels: overdue is more urgent than late, late than normal."""
    assert Urgency.NORMAL < Urgency.LATE < Urgency.OVERDUE


@pytest.mark.parametrize(
    ("base_s", "age_s", "interval_s"),
    [
        (30, 0, 30),
        (30, 150, 15),
        (30, 400, 10),
        (60, 150, 30),
        (600, 400, 10),
        (10, 150, 10),
        (10, 400, 10),
        (14, 150, 10),
    ],
)
def test_repeats_grow_faster_with_age(base_s: float, age_s: float, interval_s: float) -> None:
    """Late halves the interval (not under 10 s), overdue repeats every 10 s."""
    assert repeat_interval(base_s, age_s) == interval_s


def test_waiting_time_from_payment() -> None:
    """The age is the time since payment."""
    assert waited_since(NOW - timedelta(minutes=3), NOW) == 180


@pytest.mark.parametrize(
    "paid_at",
    [
        None,
        NOW + timedelta(minutes=5),  # the PC's clock is behind the server's
        NOW - timedelta(days=2),  # a wrong clock, not a customer waiting two days
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
        datetime(2026, 11, 26, 12, 0),  # naive: no sensible difference
    ],
    ids=["unknown", "future", "two-days", "year-1", "year-9999", "naive"],
)
def test_implausible_payment_times_count_as_just_paid(paid_at: datetime | None) -> None:
    """An unknown or impossible payment time never makes an order look overdue, nor raises."""
    assert waited_since(paid_at, NOW) == 0.0
    assert order_urgency(paid_at, NOW) is Urgency.NORMAL


def test_card_urgency_of_an_order_paid_six_minutes_ago() -> None:
    """What a card shows for an order paid six minutes before now."""
    assert order_urgency(NOW - timedelta(minutes=6), NOW) is Urgency.OVERDUE
