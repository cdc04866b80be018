"""D2's verdicts, from what the sound probe reports."""

from __future__ import annotations

from typing import Any

from benchmarks.scenarios.d2_sound import first_heard, section


def probe_result(first_ms: list[float | None], said: int = 1) -> dict[str, Any]:
    """A probe's report: orders first heard (by the chime) after ``first_ms``; one burst."""
    orders = [
        {
            "arrived_ms": 5.0,
            "card_ms": 20.0,
            "first_sound": None if value is None else "chime",
            "first_ms": value,
            "chime_ms": value,
            "speech_ms": None if value is None else 1600.0,
        }
        for value in first_ms
    ]
    burst = {
        "orders": 5,
        "cards_ms": [30.0] * 5,
        "sounds": [{"sound": "chime", "heard_ms": 60.0}, {"sound": "speech", "heard_ms": 1700.0}],
        "said": [{"text": "您有5个新订单", "started_ms": 1650.0}] * said,
    }
    return {"orders": orders, "burst": burst, "speech": "available", "gather_s": 0.25}


def test_the_target_is_the_95th_percentile_over_the_orders() -> None:
    """Of 20 orders, one slow one is the p95's margin: 19 at 80 ms and one at 900 ms is met."""
    verdict = section("quick", probe_result([80.0] * 19 + [900.0])).verdicts[0]
    assert verdict.met is True
    assert "max 900" in verdict.measured
    assert "chime 20×" in verdict.measured


def test_two_slow_orders_in_twenty_miss_the_target() -> None:
    """The 19th-best of 20 over 150 ms misses."""
    assert section("quick", probe_result([80.0] * 18 + [160.0, 170.0])).verdicts[0].met is False


def test_an_order_never_heard_counts_as_never() -> None:
    """A silent order is an infinite latency, not a missing sample."""
    assert first_heard([{"first_ms": None}, {"first_ms": 50.0}]) == [50.0, float("inf")]
    assert section("quick", probe_result([None] * 20)).verdicts[0].met is False


def test_a_burst_rings_once_and_is_said_in_one_sentence() -> None:
    """The burst verdict holds with one chime first and one sentence, not with two sentences."""
    assert section("quick", probe_result([80.0], said=1)).verdicts[1].met is True
    assert section("quick", probe_result([80.0], said=2)).verdicts[1].met is False
