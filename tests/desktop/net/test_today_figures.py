"""Parsing today's figures from GET /admin/stats: strict, hostile answers refused."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.net.orders import MalformedAnswer
from desktop.net.stats import TodayFigures, today_from_json


def answer(**day: Any) -> dict[str, Any]:
    figures = {"paid": 42, "acceptP50Seconds": 38.4, "reminders": 3, "waitedOver5Minutes": 1}
    return {"shopId": 1, "days": [{**figures, **day}]}


def test_the_first_day_becomes_the_figures() -> None:
    """paid, the median rounded to a whole second, reminders, long waits."""
    assert today_from_json(answer()) == TodayFigures(42, 38, 3, 1)


def test_a_null_median_means_nothing_accepted_yet() -> None:
    """acceptP50Seconds null: no median."""
    assert today_from_json(answer(acceptP50Seconds=None)).accept_median_s is None


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"days": []},
        {"days": "today"},
        answer(paid=True),
        answer(paid=-1),
        answer(paid=10**30),
        answer(reminders="3"),
        answer(acceptP50Seconds="38"),
        answer(acceptP50Seconds=float("inf")),
        answer(acceptP50Seconds=-5),
        answer(waitedOver5Minutes=None),
    ],
)
def test_anything_else_is_a_malformed_answer(data: object) -> None:
    """Wrong shapes, booleans for numbers, negatives, huge or infinite values: refused."""
    with pytest.raises(MalformedAnswer):
        today_from_json(data)
