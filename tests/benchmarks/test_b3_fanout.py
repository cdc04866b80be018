"""B3 sizes each window by its events and compares servers over all repetitions of a rate."""

from __future__ import annotations

from dataclasses import replace

from benchmarks.profiles import FULL, QUICK
from benchmarks.scenarios.b3_fanout import pools_by_rate, window_s
from tests.benchmarks.helpers import make_step


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
    steps = [
        make_step(quiet, rate=5),
        make_step(slow, rate=5),
        make_step(quiet, rate=5),
        make_step(quiet, rate=10, server_cpu_s=2.0),
    ]
    pools = pools_by_rate(steps)
    assert list(pools) == [5, 10]
    pool = pools[5]
    assert pool.last.count == 300
    assert pool.last.p50 == 1.0
    assert pool.last.max == 9.0
    assert pool.per_core == 3_000 / 1.5
    assert pools[10].per_core == 1_000 / 2.0
