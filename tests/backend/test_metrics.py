"""The metrics' own bookkeeping: what each recorded fact adds, read from the registry."""

from __future__ import annotations

from backend.admission import Admission, parse_trusted_proxies
from backend.metrics import RECONCILE_OUTCOMES, Metrics
from backend.reconcile import RunReport


def reconciled(metrics: Metrics, outcome: str) -> float:
    found = metrics.registry.get_sample_value("orderbell_reconciled_total", {"outcome": outcome})
    assert found is not None, outcome
    return found


def test_a_reconciliation_pass_counts_each_order_by_what_was_found() -> None:
    """Two found paid, three unpaid, an anomaly and a failure add exactly those."""
    metrics = Metrics()
    report = RunReport(checked=7, found_paid=2, unpaid=3, anomalies=1)
    metrics.reconciliation_pass(report, failed=1)
    counted = {outcome: reconciled(metrics, outcome) for outcome in RECONCILE_OUTCOMES}
    assert counted == {
        "found_paid": 2,
        "already_paid": 0,
        "cancelled": 0,
        "unpaid": 3,
        "retried": 0,
        "anomaly": 1,
        "failed": 1,
    }


def test_passes_add_up() -> None:
    """A second pass adds to the first: the counter never goes back."""
    metrics = Metrics()
    metrics.reconciliation_pass(RunReport(checked=1, cancelled=1), failed=0)
    metrics.reconciliation_pass(RunReport(checked=2, cancelled=2), failed=0)
    assert reconciled(metrics, "cancelled") == 3


def test_an_escalation_attempt_is_counted_by_channel_and_outcome() -> None:
    """One failed DingTalk attempt: dingtalk/retry is 1, dingtalk/sent stays 0."""
    metrics = Metrics()
    metrics.escalation_attempt("dingtalk", "retry")
    sample = metrics.registry.get_sample_value
    assert sample("orderbell_escalations_total", {"channel": "dingtalk", "outcome": "retry"}) == 1
    assert sample("orderbell_escalations_total", {"channel": "dingtalk", "outcome": "sent"}) == 0


def test_the_connection_gauges_follow_the_admission_at_each_read() -> None:
    """Three streams and a plain request against caps of 10 and 7: read as they are now."""
    metrics = Metrics()
    admission = Admission(10, 5, parse_trusted_proxies("127.0.0.1"), http_reserve=3)
    metrics.watch_admission(admission)
    for _ in range(3):
        admission.admit("127.0.0.1")
        admission.upgrade()
    admission.admit("127.0.0.1")
    read = {
        name: metrics.registry.get_sample_value(f"orderbell_{name}")
        for name in ("connections_open", "connections_max", "counter_streams_open",
                     "counter_streams_max")
    }  # fmt: skip
    assert read == {
        "connections_open": 4,
        "connections_max": 10,
        "counter_streams_open": 3,
        "counter_streams_max": 7,
    }
