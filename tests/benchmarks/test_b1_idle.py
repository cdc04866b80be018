"""B1 says from its own figures whether the load clients could have capped a server's rate."""

from __future__ import annotations

import math

from benchmarks.scenarios.b1_idle import Level, client_note
from benchmarks.stats import summarize_ns


def level(connections: int, handshakes_per_s: float) -> Level:
    return Level(
        connections=connections,
        opened=connections,
        failed=0,
        handshakes_per_s=handshakes_per_s,
        handshake=summarize_ns([1_000_000]),
        rss_kib=100_000,
        per_connection_kib=6.0,
        idle_cpu_percent=0.0,
    )


def test_a_server_far_under_the_fastest_rate_is_not_called_client_bound() -> None:
    """Node at 11,133/s shows the clients' reach; OrderBell at 2,561/s is its own limit."""
    note = client_note({"OrderBell": [level(10_000, 2_561)], "Node ws": [level(10_000, 11_133)]})
    assert "opened 11,133 handshakes/s against Node ws at 10,000 counters" in note
    assert note.endswith("held back by the clients: Node ws at 10,000.")


def test_a_server_near_the_fastest_rate_is_flagged_as_possibly_client_bound() -> None:
    """Within 80 % of the best rate, a figure may be the clients' ceiling, and says so."""
    note = client_note({"OrderBell": [level(1_000, 9_500)], "Node ws": [level(1_000, 11_000)]})
    assert note.endswith("held back by the clients: Node ws at 1,000, OrderBell at 1,000.")


def test_no_measured_rate_says_so() -> None:
    """A run where nothing was measured claims nothing about the clients."""
    assert client_note({"OrderBell": [level(1_000, math.nan)]}) == "No handshake rate was measured."
