"""Opening hours: HH:MM-HH:MM in shop-local time, past midnight too, and clear refusals."""

from __future__ import annotations

from datetime import time

import pytest

from backend.escalation import InvalidRule, parse_hours


def test_daytime_hours_include_the_start_and_exclude_the_end() -> None:
    """10:00-22:00 covers 10:00 and 21:59, not 22:00 or 09:59."""
    hours = parse_hours("10:00-22:00")
    assert hours.contains(time(10, 0))
    assert hours.contains(time(21, 59))
    assert not hours.contains(time(22, 0))
    assert not hours.contains(time(9, 59))


def test_hours_may_run_past_midnight() -> None:
    """18:00-02:00 covers 23:30 and 01:00, not 03:00 or noon."""
    hours = parse_hours("18:00-02:00")
    assert hours.contains(time(23, 30))
    assert hours.contains(time(1, 0))
    assert not hours.contains(time(3, 0))
    assert not hours.contains(time(12, 0))


def test_midnight_may_end_the_day() -> None:
    """06:00-24:00 covers 23:59."""
    hours = parse_hours("06:00-24:00")
    assert hours.contains(time(23, 59))
    assert not hours.contains(time(0, 0))


def test_single_digit_hours_are_read() -> None:
    """9:30-21:00 is read as 09:30-21:00."""
    assert str(parse_hours("9:30-21:00")) == "09:30-21:00"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("25:00-26:00", "25:00 is not a time of day"),
        ("10:00-25:00", "25:00 is not a time of day"),
        ("10:60-12:00", "10:60 is not a time of day"),
        ("24:00-06:00", "24:00 is not a time of day"),
        ("10:00-24:30", "24:30 is not a time of day"),
        ("10:00", "HH:MM-HH:MM"),
        ("10-22", "HH:MM-HH:MM"),
        ("１０:００-２２:００", "HH:MM-HH:MM"),
        ("10:00-22:00\n23:00-23:30", "HH:MM-HH:MM"),
        ("08:00-08:00", "same"),
        ("00:00-24:00", "same"),
    ],
)
def test_impossible_hours_are_refused(text: str, why: str) -> None:
    """Times that do not exist, other shapes and empty ranges are refused with a reason."""
    with pytest.raises(InvalidRule, match=why):
        parse_hours(text)
