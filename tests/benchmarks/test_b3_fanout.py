"""B3 sizes each window by its events and compares servers over all repetitions of a rate."""

from __future__ import annotations

from dataclasses import replace

from benchmarks.fanout import Step
from benchmarks.profiles import FULL, QUICK
from benchmarks.scenarios.b3_fanout import pool_at, window_s
from benchmarks.stats import summarize_ns


def step(rate: int, last_ns: list[int], server_cpu_s: float) -> Step:
    by_seq = {1 + index: float(value) for index, value in enumerate(last_ns)}
    return Step(
        rate=rate,
        events=len(last_ns),
        expected=len(last_ns) * 10,
        delivered=len(last_ns) * 10,
        elapsed_s=1.0,
        server_cpu_s=server_cpu_s,
        load_cpu_s=0.1,
        publish_errors=0,
        last=summarize_ns(list(by_seq.values())),
        each=summarize_ns([]),
        per_subscriber_min=len(last_ns),
        per_subscriber_max=len(last_ns),
        last_by_seq=by_seq,
        first_seq=1,
    )


def test_slow_rates_get_windows_long_enough_for_their_events() -> None:
    """At 5 events/s a window runs 40 s (200 events); at 80 the profile's 5 s already do."""
    assert window_s(FULL, 5) == 40.0
    assert window_s(FULL, 40) == 5.0
    assert window_s(FULL, 80) == 5.0
    assert window_s(replace(FULL, fanout_min_events=0), 5) == FULL.fanout_window_s
    assert window_s(QUICK, 50) == QUICK.fanout_window_s


def test_a_rate_is_compared_over_all_its_repetitions() -> None:
    """One slow window among three counts in the pool: its p99 is over all 300 events."""
    quiet = [1_000_000] * 100
    slow = [1_000_000] * 95 + [9_000_000] * 5
    steps = [step(5, quiet, 0.5), step(5, slow, 0.5), step(5, quiet, 0.5), step(10, quiet, 2.0)]
    pool = pool_at(steps, 5)
    assert pool is not None
    assert pool.last.count == 300
    assert pool.last.p50 == 1.0
    assert pool.last.max == 9.0
    assert pool.per_core == 3_000 / 1.5
    assert pool_at(steps, 20) is None
