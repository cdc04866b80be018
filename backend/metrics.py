"""The server's Prometheus metrics: one registry per app, labels from small fixed sets.

Counted per event, never per counter socket, so the fan-out pays nothing for them. No label
holds a shop, an order or a device: their values are bounded by the sets below.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

from backend.admission import Admission
from backend.escalation import Channel
from backend.reconcile import RunReport

NOTIFICATION_KINDS = ("payment", "refund")
# What became of a WeChat Pay notification (refused: before the database, e.g. a bad
# signature; decrypt_failed: signed, but the APIv3 key does not open it; mismatch: genuine but
# not bookable; error: the database failed).
NOTIFICATION_OUTCOMES = (
    "paid",
    "refunded",
    "partly_refunded",
    "duplicate",
    "ignored",
    "refused",
    "decrypt_failed",
    "unknown_order",
    "mismatch",
    "conflict",
    "too_large",
    "error",
)
EVENT_TYPES = ("1", "2", "3")
HANDLED_OUTCOMES = ("accepted", "rejected")
# Close codes worth telling apart; any other is counted as "other", a counter's own end as "peer".
CLOSE_CODES = ("1000", "1001", "4401", "4408", "peer", "other")
TRANSACTION_KINDS = ("read", "write")
ESCALATION_CHANNELS = tuple(channel.value for channel in Channel)
# An escalation message's attempt: delivered, to be tried again, or given up for the day.
ESCALATION_OUTCOMES = ("sent", "retry", "gave_up")
# What the reconciler found of an unpaid order it asked WeChat Pay about (found_paid: paid, and
# its notification never came; failed: the look itself failed and is taken up again).
RECONCILE_OUTCOMES = (
    "found_paid",
    "already_paid",
    "cancelled",
    "unpaid",
    "retried",
    "anomaly",
    "failed",
)

# Payment to acceptance: seconds at the counter, up to the hour an order can wait.
ACCEPT_BUCKETS = (5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 300.0, 600.0,
                  900.0, 1800.0, 3600.0)  # fmt: skip
# A transaction: from a fraction of a millisecond (SQLite) to a database in trouble.
TRANSACTION_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                       2.5, 5.0)  # fmt: skip


def close_code_label(code: int | None) -> str:
    """The ``code`` label of a closed stream: None is the counter's own doing."""
    if code is None:
        return "peer"
    text = str(code)
    return text if text in CLOSE_CODES else "other"


class Metrics:
    """Every metric of one server, in a registry of its own (no process-wide state)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        registry = self.registry
        self.notifications = Counter(
            "orderbell_notifications",
            "WeChat Pay notifications received, by kind and what became of them",
            ["kind", "outcome"],
            registry=registry,
        )
        self.events = Counter(
            "orderbell_events",
            "Order events committed by this instance (1 paid, 2 reminder, 3 updated)",
            ["type"],
            registry=registry,
        )
        self.counters_connected = Gauge(
            "orderbell_counters_connected",
            "Counter streams connected to this instance now",
            registry=registry,
        )
        self.connections_open = Gauge(
            "orderbell_connections_open",
            "Connections open on this instance now, HTTP and WebSocket "
            "(of orderbell_connections_max)",
            registry=registry,
        )
        self.connections_max = Gauge(
            "orderbell_connections_max",
            "Connections this instance takes in all (ORDERBELL_MAX_CONNECTIONS, or what the "
            "open-file limit allows); past it every new one is answered 503",
            registry=registry,
        )
        self.counter_streams_open = Gauge(
            "orderbell_counter_streams_open",
            "WebSocket connections open on this instance now, handshakes included "
            "(of orderbell_counter_streams_max)",
            registry=registry,
        )
        self.counter_streams_max = Gauge(
            "orderbell_counter_streams_max",
            "WebSocket connections this instance takes: the total less the connections kept for "
            "plain HTTP (ORDERBELL_HTTP_RESERVED_CONNECTIONS); past it upgrades are answered 503",
            registry=registry,
        )
        self.ws_closed = Counter(
            "orderbell_ws_closed",
            "Counter streams that ended, by close code (peer: the counter went away)",
            ["code"],
            registry=registry,
        )
        self.time_to_accept = Histogram(
            "orderbell_time_to_accept_seconds",
            "Seconds from payment to a counter accepting or rejecting the order, once per order",
            ["outcome"],
            buckets=ACCEPT_BUCKETS,
            registry=registry,
        )
        self.orders_waiting = Gauge(
            "orderbell_orders_waiting",
            "Paid orders no counter has accepted or rejected yet (status 2), all shops",
            registry=registry,
        )
        self.db_transaction = Histogram(
            "orderbell_db_transaction_seconds",
            "Seconds one database transaction took, waiting for the database included, by kind",
            ["kind"],
            buckets=TRANSACTION_BUCKETS,
            registry=registry,
        )
        self.reconciled = Counter(
            "orderbell_reconciled",
            "Unpaid orders this instance asked WeChat Pay about, by what it found "
            "(found_paid: paid without a notification)",
            ["outcome"],
            registry=registry,
        )
        self.escalations = Counter(
            "orderbell_escalations",
            "Escalation messages this instance tried to send, by channel and outcome",
            ["channel", "outcome"],
            registry=registry,
        )
        # Every label value shows from the start (at 0), so rate() and alerts see a series.
        for kind in NOTIFICATION_KINDS:
            for outcome in NOTIFICATION_OUTCOMES:
                self.notifications.labels(kind, outcome)
        for event_type in EVENT_TYPES:
            self.events.labels(event_type)
        for code in CLOSE_CODES:
            self.ws_closed.labels(code)
        for outcome in HANDLED_OUTCOMES:
            self.time_to_accept.labels(outcome)
        for transaction_kind in TRANSACTION_KINDS:
            self.db_transaction.labels(transaction_kind)
        for reconcile_outcome in RECONCILE_OUTCOMES:
            self.reconciled.labels(reconcile_outcome)
        for channel in ESCALATION_CHANNELS:
            for escalation_outcome in ESCALATION_OUTCOMES:
                self.escalations.labels(channel, escalation_outcome)

    def watch_connections(self, count: Callable[[], int]) -> None:
        """Read the connected-counter gauge from ``count`` at each scrape."""
        self.counters_connected.set_function(count)

    def watch_admission(self, admission: Admission) -> None:
        """Read the connection gauges and their caps from the server's ``admission`` at each
        scrape, so the operator sees the counters near their share before a refusal."""
        self.connections_open.set_function(lambda: admission.open)
        self.connections_max.set_function(lambda: admission.total_cap)
        self.counter_streams_open.set_function(lambda: admission.counters)
        self.counter_streams_max.set_function(lambda: admission.counter_cap)

    def notification(self, kind: str, outcome: str) -> None:
        """Count one WeChat Pay notification."""
        self.notifications.labels(kind, outcome).inc()

    def event_committed(self, event_type: int) -> None:
        """Count one event this instance committed."""
        self.events.labels(str(event_type)).inc()

    def stream_closed(self, code: int | None) -> None:
        """Count one counter stream that ended."""
        self.ws_closed.labels(close_code_label(code)).inc()

    def order_handled(self, outcome: str, paid_at: datetime | None, handled_at: datetime) -> None:
        """Observe payment → accept/reject, by the instance whose update made the transition."""
        if paid_at is not None:
            self.time_to_accept.labels(outcome).observe(
                max(0.0, (handled_at - paid_at).total_seconds())
            )

    def reconciliation_pass(self, report: RunReport, failed: int) -> None:
        """Count the orders of one reconciliation pass by what was found of each."""
        found = {
            "found_paid": report.found_paid,
            "already_paid": report.already_paid,
            "cancelled": report.cancelled,
            "unpaid": report.unpaid,
            "retried": report.retried,
            "anomaly": report.anomalies,
            "failed": failed,
        }
        for outcome, count in found.items():
            if count:
                self.reconciled.labels(outcome).inc(count)

    def escalation_attempt(self, channel: str, outcome: str) -> None:
        """Count one attempt to send an escalation message."""
        self.escalations.labels(channel, outcome).inc()

    def transaction(self, kind: str, seconds: float) -> None:
        """Observe one database transaction's duration."""
        self.db_transaction.labels(kind).observe(seconds)

    def render(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)


def metrics_table() -> str:
    """The README's table of OrderBell's own metrics, generated from a fresh registry."""
    lines = ["| metric | type | labels (every value) | meaning |", "|---|---|---|---|"]
    for family in Metrics().registry.collect():
        if not family.name.startswith("orderbell_"):
            continue
        name = f"{family.name}_total" if family.type == "counter" else family.name
        values: dict[str, list[str]] = {}
        for sample in family.samples:
            for label, value in sample.labels.items():
                if label != "le" and value not in values.setdefault(label, []):
                    values[label].append(value)
        labels = "; ".join(f"`{label}`: {', '.join(found)}" for label, found in values.items())
        lines.append(f"| `{name}` | {family.type} | {labels or '-'} | {family.documentation} |")
    return "\n".join(lines)
