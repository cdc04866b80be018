"""The default reconnection delays: exponential, capped, jittered."""

from __future__ import annotations

from itertools import islice

from desktop.net.backoff import reconnect_delays


def test_delays_double_from_the_base_up_to_the_cap() -> None:
    """Without jitter (factor 1) the delays are 1, 2, 4 ... 30, 30."""
    delays = list(islice(reconnect_delays(rng=lambda: 0.999_999), 8))
    assert [round(delay) for delay in delays] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_jitter_keeps_each_delay_between_half_and_full() -> None:
    """Every delay lies in [0.5, 1) x min(cap, base * 2**n)."""
    for n, delay in enumerate(islice(reconnect_delays(), 200)):
        ceiling = min(30.0, 2.0**n)
        assert 0.5 * ceiling <= delay < ceiling


def test_a_long_outage_does_not_overflow() -> None:
    """After thousands of attempts the delay is still the cap, not an overflow."""
    *_, last = islice(reconnect_delays(rng=lambda: 0.0), 5000)
    assert last == 15.0
