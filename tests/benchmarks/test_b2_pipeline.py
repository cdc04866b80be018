"""B2's comparison of PostgreSQL's CPU per callback with SQLite's."""

from __future__ import annotations

import math

from benchmarks.scenarios.b2_pipeline import sqlite_share


def test_postgresql_is_compared_with_sqlite_at_the_rates_it_ran() -> None:
    """SQLite's faster, cheaper high rates are left out when PostgreSQL never reached them."""
    pg = [{"rate": 50, "per_core_total": 150.0}, {"rate": 100, "per_core_total": 250.0}]
    sqlite = [
        {"rate": 50, "per_core": 400.0},
        {"rate": 100, "per_core": 400.0},
        {"rate": 1000, "per_core": 1100.0},
    ]
    assert sqlite_share(pg, sqlite) == (200.0, 400.0, 0.5)


def test_without_shared_rates_all_of_sqlite_counts() -> None:
    """No rate in common: SQLite's median over all its steps."""
    pg = [{"rate": 75, "per_core_total": 100.0}]
    sqlite = [{"rate": 50, "per_core": 300.0}, {"rate": 100, "per_core": 500.0}]
    assert sqlite_share(pg, sqlite) == (100.0, 400.0, 0.25)


def test_nothing_to_compare_is_not_a_number() -> None:
    """No SQLite steps: no ratio rather than a made-up one."""
    assert all(math.isnan(value) for value in sqlite_share([], []))
