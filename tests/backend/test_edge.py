"""The edge policy the settings ask for, under the total cap the process can afford."""

from __future__ import annotations

from backend.edge import Edge
from backend.settings import Settings


def test_by_default_counters_get_nine_tenths_of_the_cap() -> None:
    """The default 10,000 connections: 9,000 for counters' streams, 1,000 kept for HTTP."""
    admission = Edge.from_settings(Settings(), 10_000).admission
    assert (admission.total_cap, admission.counter_cap) == (10_000, 9_000)


def test_the_operators_reserve_is_kept_for_http() -> None:
    """15,000 in all with 3,000 reserved: counters may hold 12,000."""
    settings = Settings(max_connections=15_000, http_reserved_connections=3_000)
    assert Edge.from_settings(settings, 15_000).admission.counter_cap == 12_000


def test_a_cap_lowered_by_the_open_file_limit_keeps_the_split() -> None:
    """10,000 wanted but 896 affordable: 90 kept for HTTP, 806 for counters."""
    admission = Edge.from_settings(Settings(), 896).admission
    assert (admission.http_reserve, admission.counter_cap) == (90, 806)
