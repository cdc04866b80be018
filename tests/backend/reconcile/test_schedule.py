"""The reconciler's back-off: when an unpaid order is looked at, and when it expires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.reconcile.schedule import Schedule

CREATED = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """``seconds`` after CREATED."""
    return CREATED + timedelta(seconds=seconds)


def looks(schedule: Schedule) -> list[float]:
    """Every look of an order never paid, in seconds after submission, up to its expiry."""
    seen = [(schedule.first_look(CREATED) - CREATED).total_seconds()]
    while at(seen[-1]) < schedule.expires_at(CREATED):
        seen.append((schedule.next_look(CREATED, at(seen[-1])) - CREATED).total_seconds())
    return seen


def test_default_looks_at_30_s_1_2_5_10_minutes_then_expires_at_15() -> None:
    """With the defaults: 30 s, 1, 2, 5 and 10 minutes, and the closing look at 15 minutes."""
    assert looks(Schedule(after_s=30, expire_s=900)) == [30, 60, 120, 300, 600, 900]


def test_schedule_scales_down_with_the_settings() -> None:
    """One-second settings run the same lifecycle in seconds (tests, drills)."""
    assert looks(Schedule(after_s=1, expire_s=15)) == [1, 2, 4, 10, 15]


def test_long_expiry_keeps_looking_every_twenty_steps() -> None:
    """After the back-off, an order is looked at every 20 x after_s until it expires."""
    assert looks(Schedule(after_s=30, expire_s=2000)) == [30, 60, 120, 300, 600, 1200, 1800, 2000]


def test_expiry_before_the_first_look_is_the_first_look() -> None:
    """An expiry shorter than the first delay: the one look is the closing one."""
    assert looks(Schedule(after_s=30, expire_s=5)) == [5]


def test_late_server_takes_the_next_look_due_without_catching_up() -> None:
    """A server back after 7 minutes looks next at 10 minutes, not at every missed step."""
    schedule = Schedule(after_s=30, expire_s=900)
    assert schedule.next_look(CREATED, at(420)) == at(600)


def test_look_falling_on_a_step_moves_to_the_next_one() -> None:
    """Looking exactly at the 1-minute step schedules the 2-minute one."""
    assert Schedule(after_s=30, expire_s=900).next_look(CREATED, at(60)) == at(120)


def test_past_expiry_the_next_look_is_the_expiry() -> None:
    """An order past its expiry is due for closing at once."""
    schedule = Schedule(after_s=30, expire_s=900)
    assert schedule.next_look(CREATED, at(5000)) == schedule.expires_at(CREATED)


def test_retry_after_a_failure_is_soon() -> None:
    """A failed look is retried after after_s, at most a minute."""
    now = at(100)
    assert Schedule(after_s=30, expire_s=900).retry_at(now) == now + timedelta(seconds=30)
    assert Schedule(after_s=600, expire_s=9000).retry_at(now) == now + timedelta(seconds=60)


@pytest.mark.parametrize(("after", "expire"), [(0.5, 900), (30, 0), (float("nan"), 900)])
def test_delays_under_a_second_are_refused(after: float, expire: float) -> None:
    """Delays under one second (or not numbers) are refused."""
    with pytest.raises(ValueError, match="at least 1 second"):
        Schedule(after_s=after, expire_s=expire)


def test_runs_often_enough_for_the_first_look() -> None:
    """The reconciler wakes at least four times per first delay, between 0.2 and 5 s."""
    assert Schedule(after_s=30, expire_s=900).run_every_s == 5.0
    assert Schedule(after_s=1, expire_s=5).run_every_s == 0.25
