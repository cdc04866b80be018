"""Retry timing: seconds growing to minutes, and giving up once a message is a day old."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.escalation import GIVE_UP_AFTER, next_attempt_at, retry_delay_s

CREATED = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def test_delays_double_from_five_seconds_to_ten_minutes() -> None:
    """5, 10, 20, 40 ... seconds, never more than 600."""
    assert [retry_delay_s(n) for n in range(1, 10)] == [5, 10, 20, 40, 80, 160, 320, 600, 600]


def test_a_huge_attempt_count_stays_at_the_cap() -> None:
    """A corrupt attempt count does not build a giant number."""
    assert retry_delay_s(10**12) == 600


def test_the_next_attempt_follows_the_delay() -> None:
    """After the third failure the next try is 20 s later."""
    now = CREATED + timedelta(minutes=1)
    assert next_attempt_at(CREATED, 3, now) == now + timedelta(seconds=20)


def test_a_day_old_message_is_given_up() -> None:
    """No retry would fall more than 24 h after the message was decided."""
    now = CREATED + GIVE_UP_AFTER - timedelta(seconds=100)
    assert next_attempt_at(CREATED, 20, now) is None


def test_the_last_retry_inside_the_day_is_still_made() -> None:
    """A retry that lands exactly on the 24 h mark still happens."""
    now = CREATED + GIVE_UP_AFTER - timedelta(seconds=600)
    assert next_attempt_at(CREATED, 20, now) == CREATED + GIVE_UP_AFTER
