"""Latency summaries: nearest-rank percentiles over every sample, never an average."""

from __future__ import annotations

import math

from benchmarks.stats import ms, percentile, summarize_ns


def test_percentile_is_the_nearest_rank() -> None:
    """Of 100 samples, p99 is the 99th smallest and p50 the 50th."""
    ordered = [float(n) for n in range(1, 101)]
    assert percentile(ordered, 0.99) == 99.0
    assert percentile(ordered, 0.50) == 50.0
    assert percentile(ordered, 1.0) == 100.0
    assert math.isnan(percentile([], 0.5))


def test_a_message_that_never_came_makes_the_tail_infinite() -> None:
    """An undelivered message is an infinite latency, not a missing sample."""
    summary = summarize_ns([1_000_000.0] * 99 + [math.inf])
    assert summary.count == 100
    assert summary.p99 == 1.0
    assert math.isinf(summary.max)
    assert ms(summary.max) == "never"


def test_summaries_are_in_milliseconds() -> None:
    summary = summarize_ns([2_500_000, 1_000_000, 40_000_000])
    assert (summary.p50, summary.max) == (2.5, 40.0)
    assert ms(2.5) == "2.50"
    assert ms(40.0) == "40.0"
    assert ms(1234.0) == "1,234"
