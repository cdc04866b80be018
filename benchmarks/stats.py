"""Latency summaries: full percentiles over every sample, never an average of averages."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Latency:
    """Percentiles of a set of latencies, in milliseconds."""

    count: int
    p50: float
    p90: float
    p99: float
    p999: float
    max: float

    def row(self) -> list[str]:
        """Table cells: p50, p99, p99.9, max."""
        return [ms(self.p50), ms(self.p99), ms(self.p999), ms(self.max)]


EMPTY = Latency(0, math.nan, math.nan, math.nan, math.nan, math.nan)


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of an already sorted sequence."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summarize_ns(samples_ns: Sequence[float]) -> Latency:
    """Percentiles of latencies given in nanoseconds (``inf`` for a message that never came)."""
    if not samples_ns:
        return EMPTY
    ordered = sorted(samples_ns)
    scale = 1e-6
    return Latency(
        count=len(ordered),
        p50=percentile(ordered, 0.50) * scale,
        p90=percentile(ordered, 0.90) * scale,
        p99=percentile(ordered, 0.99) * scale,
        p999=percentile(ordered, 0.999) * scale,
        max=ordered[-1] * scale,
    )


def ms(value: float) -> str:
    """A latency in milliseconds for a table cell."""
    if math.isnan(value):
        return "–"
    if math.isinf(value):
        return "never"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"
