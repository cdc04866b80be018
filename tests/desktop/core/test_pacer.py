"""RequestPacer: at most one request per interval, the last change never left out."""

from __future__ import annotations

import pytest

from desktop.core.pacer import RequestPacer


def test_the_first_request_asks_at_once() -> None:
    """Nothing asked yet: ask now, nothing waits."""
    pacer = RequestPacer(5.0)
    assert pacer.request(100.0)
    assert pacer.next_deadline() is None


def test_a_request_within_the_interval_waits_for_its_end() -> None:
    """A second change 1 s later is asked for when the 5 s are over, not before."""
    pacer = RequestPacer(5.0)
    pacer.request(100.0)
    assert not pacer.request(101.0)
    assert pacer.next_deadline() == 105.0
    assert not pacer.due(104.9)
    assert pacer.due(105.0)


def test_a_burst_within_the_interval_asks_once_more() -> None:
    """Fifty changes in the interval make one more request, at its end, and then none."""
    pacer = RequestPacer(5.0)
    pacer.request(100.0)
    assert not any(pacer.request(100.0 + i / 10) for i in range(50))
    assert pacer.due(105.0)
    assert not pacer.due(106.0)
    assert pacer.next_deadline() is None


def test_a_request_after_the_interval_asks_at_once() -> None:
    """A change 5 s or more after the last request is asked for straight away."""
    pacer = RequestPacer(5.0)
    pacer.request(100.0)
    assert pacer.request(105.0)
    assert not pacer.due(200.0)


def test_the_interval_counts_from_the_waiting_request_once_made() -> None:
    """A change right after the trailing request waits a whole interval again."""
    pacer = RequestPacer(5.0)
    pacer.request(100.0)
    pacer.request(101.0)
    assert pacer.due(107.0)
    assert not pacer.request(108.0)
    assert pacer.next_deadline() == 112.0


def test_a_negative_interval_is_refused() -> None:
    """A pace below zero is a mistake, said so."""
    with pytest.raises(ValueError, match="negative"):
        RequestPacer(-1.0)
