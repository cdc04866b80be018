"""The CI perf smoke's checks: a ratio passes at or above its floor."""

from __future__ import annotations

from benchmarks.smoke import Check


def test_a_ratio_under_its_floor_fails() -> None:
    """0.99 under a 1.0 floor fails; 1.0 and above pass; the line says which."""
    assert not Check("fan-out", 0.99, 1.0, "").passed
    assert Check("fan-out", 1.0, 1.0, "").passed
    assert Check("fan-out", 2.0, 1.2, "x").line().startswith("ok   fan-out: 2.00 (floor 1.2)")
    assert Check("fan-out", 0.5, 1.2, "x").line().startswith("FAIL")
