"""Today's figures as ``GET /admin/stats`` sends them, parsed strictly (the Orders window)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from desktop.net.orders import MalformedAnswer

# Figures beyond this are no shop's day: a server sending them is not understood.
MAX_FIGURE = 10**9


@dataclass(frozen=True, slots=True)
class TodayFigures:
    """Today's orders of the shop: how many, median wait to accept, reminders, long waits."""

    paid: int
    accept_median_s: int | None  # None: nothing accepted yet today
    reminders: int
    waited_over_5_min: int


def today_from_json(data: object) -> TodayFigures:
    """The first (today's) day of a stats answer; anything off raises MalformedAnswer."""
    if not isinstance(data, Mapping):
        raise MalformedAnswer("the statistics are not a JSON object")
    days = data.get("days")
    if not isinstance(days, list) or not days or not isinstance(days[0], Mapping):
        raise MalformedAnswer("field 'days' must be a non-empty list of objects")
    day = days[0]
    median = day.get("acceptP50Seconds")
    if median is not None and (
        not isinstance(median, int | float)
        or isinstance(median, bool)
        or not 0 <= median <= MAX_FIGURE
    ):
        raise MalformedAnswer("field 'acceptP50Seconds' must be a number of seconds or null")
    return TodayFigures(
        paid=_count(day, "paid"),
        accept_median_s=None if median is None else round(median),
        reminders=_count(day, "reminders"),
        waited_over_5_min=_count(day, "waitedOver5Minutes"),
    )


def _count(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_FIGURE:
        raise MalformedAnswer(f"field {key!r} must be a whole number from 0 to {MAX_FIGURE}")
    return value
