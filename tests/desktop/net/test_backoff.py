"""The default reconnection delays: steady at first, then exponential, capped, jittered."""

from __future__ import annotations

from itertools import islice

from desktop.net.backoff import reconnect_delays


def test_delays_stay_at_the_base_then_double_up_to_the_cap() -> None:
    """Without jitter (factor 1): 1 s twelve times (a restart is over by then), 2, 4 ... 30."""
    delays = list(islice(reconnect_delays(rng=lambda: 0.999_999), 19))
    assert [round(delay) for delay in delays] == [1] * 12 + [2, 4, 8, 16, 30, 30, 30]


def test_jitter_keeps_each_delay_between_half_and_full() -> None:
    """Every delay lies in [0.5, 1) x its ceiling."""
    ceilings = [1.0] * 12 + [min(30.0, 2.0**n) for n in range(1, 189)]
    for ceiling, delay in zip(ceilings, islice(reconnect_delays(), 200), strict=True):
        assert 0.5 * ceiling <= delay < ceiling


def test_no_steady_phase_is_plain_exponential_backoff() -> None:
    """``steady=0`` starts doubling at once (from 2 x base)."""
    delays = list(islice(reconnect_delays(rng=lambda: 0.999_999, steady=0), 3))
    assert [round(delay) for delay in delays] == [2, 4, 8]


def test_a_long_outage_does_not_overflow() -> None:
    """After thousands of attempts the delay is still the cap, not an overflow."""
    *_, last = islice(reconnect_delays(rng=lambda: 0.0), 5000)
    assert last == 15.0
