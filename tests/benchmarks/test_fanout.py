"""Fan-out steps: several windows pooled into one keep every event and every latency."""

from __future__ import annotations

import pytest

from benchmarks.fanout import Step, pooled
from benchmarks.stats import summarize_ns


def step(first_seq: int, last_ns: list[int], each_ns: list[int], expected: int) -> Step:
    by_seq = {first_seq + index: float(value) for index, value in enumerate(last_ns)}
    return Step(
        rate=40,
        events=len(last_ns),
        expected=expected,
        delivered=expected,
        elapsed_s=1.0,
        server_cpu_s=0.5,
        load_cpu_s=0.25,
        publish_errors=0,
        last=summarize_ns(list(by_seq.values())),
        each=summarize_ns(each_ns),
        per_subscriber_min=len(last_ns),
        per_subscriber_max=len(last_ns),
        last_by_seq=by_seq,
        first_seq=first_seq,
        each_ns=each_ns,
    )


def test_pooled_windows_are_summarised_over_all_their_events() -> None:
    """The pooled p99 is taken over both windows' events, not averaged from their p99s."""
    before = step(1, [1_000_000] * 50, [1_000_000] * 5, expected=500)
    after = step(101, [3_000_000] * 50, [2_000_000] * 5, expected=490)
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
    first = step(1, [1_000_000] * 50, [], expected=500)
    second = step(1, [2_000_000] * 50, [], expected=500)
    third = step(1, [5_000_000] * 2, [], expected=20)
    pool = pooled([first, second, third])
    assert pool.last.count == 102
    assert sorted(pool.last_by_seq) == list(range(1, 103))
    assert pool.last.p50 == 2.0
    assert pool.last.max == 5.0


def test_nothing_to_pool_is_an_error() -> None:
    with pytest.raises(ValueError, match="nothing to pool"):
        pooled([])
