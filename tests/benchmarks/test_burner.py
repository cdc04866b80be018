"""The background load's schedule: busy a fixed share of every period, on absolute times."""

from __future__ import annotations

import pytest

from benchmarks.burner import busy_until, main


def test_each_period_is_busy_for_its_duty_then_rests() -> None:
    """A 25 % duty over 10 ms periods: busy to 2.5 ms, rest to 10 ms, from the schedule's start."""
    assert busy_until(100.0, 0.010, 0.25, 0) == pytest.approx((100.0025, 100.010))
    assert busy_until(100.0, 0.010, 0.25, 3) == pytest.approx((100.0325, 100.040))


@pytest.mark.parametrize("duty", ["0", "1", "-0.5", "1.5"])
def test_a_duty_outside_zero_to_one_is_refused(duty: str) -> None:
    """A duty that is no share of a period is a usage error, before anything burns."""
    with pytest.raises(SystemExit) as stopped:
        main(["--duty", duty])
    assert stopped.value.code == 2
