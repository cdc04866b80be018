"""A measured fan-out window built from given latencies, for the harness's pure parts."""

from __future__ import annotations

from benchmarks.fanout import Step
from benchmarks.stats import summarize_ns


def make_step(
    last_ns: list[int],
    *,
    rate: int = 40,
    first_seq: int = 1,
    each_ns: list[int] | None = None,
    expected: int | None = None,
    server_cpu_s: float = 0.5,
) -> Step:
    """One window whose events, numbered from ``first_seq``, reached their last subscriber
    after ``last_ns``; every expected message delivered (10 per event unless given)."""
    by_seq = {first_seq + index: float(value) for index, value in enumerate(last_ns)}
    each = [] if each_ns is None else each_ns
    messages = 10 * len(last_ns) if expected is None else expected
    return Step(
        rate=rate,
        events=len(last_ns),
        expected=messages,
        delivered=messages,
        elapsed_s=1.0,
        server_cpu_s=server_cpu_s,
        load_cpu_s=0.25,
        publish_errors=0,
        last=summarize_ns(list(by_seq.values())),
        each=summarize_ns(each),
        per_subscriber_min=len(last_ns),
        per_subscriber_max=len(last_ns),
        last_by_seq=by_seq,
        first_seq=first_seq,
        each_ns=each,
    )
