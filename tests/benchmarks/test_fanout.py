"""Fan-out steps: several windows pooled into one keep every event and every latency."""

from __future__ import annotations

import pytest

from benchmarks.fanout import pooled
from tests.benchmarks.helpers import make_step


def test_pooled_windows_are_summarised_over_all_their_events() -> None:
    """The pooled p99 is taken over both windows' events, not averaged from their p99s."""
    before = make_step([1_000_000] * 50, each_ns=[1_000_000] * 5, expected=500)
    after = make_step([3_000_000] * 50, first_seq=101, each_ns=[2_000_000] * 5, expected=490)
    both = pooled([before, after])
    assert both.events == 100
    assert both.expected == both.delivered == 990
    assert both.last.count == 100
    assert both.last.p50 == 1.0
    assert both.last.p99 == 3.0
    assert both.each.max == 2.0
    assert both.first_seq == 1
    assert sorted(both.last_by_seq) == [*range(1, 51), *range(101, 151)]
    assert both.complete


def test_windows_of_separate_servers_keep_every_event() -> None:
    """Windows numbering their events alike (fresh servers) are numbered on, not merged."""
    first = make_step([1_000_000] * 50)
    second = make_step([2_000_000] * 50)
    third = make_step([5_000_000] * 2)
    pool = pooled([first, second, third])
    assert pool.last.count == 102
    assert sorted(pool.last_by_seq) == list(range(1, 103))
    assert pool.last.p50 == 2.0
    assert pool.last.max == 5.0


def test_nothing_to_pool_is_an_error() -> None:
    with pytest.raises(ValueError, match="nothing to pool"):
        pooled([])
