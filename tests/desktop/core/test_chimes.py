"""The chime's schedule: at once when asked, or on and on while an order waits."""

from __future__ import annotations

import pytest

from desktop.core.chimes import Chimes, RingMode
from desktop.core.utterance import Priority

T0 = 100.0


def test_an_announcement_rings_at_once() -> None:
    """Asked for, the chime is due at the moment it was asked, at that priority."""
    chimes = Chimes()
    chimes.announce(Priority.NEW_ORDER, T0)
    assert chimes.next_deadline(waiting=True) == T0
    assert chimes.due(T0, waiting=True) == Priority.NEW_ORDER
    assert chimes.next_deadline(waiting=True) is None


def test_several_asks_ring_once_at_the_highest_priority() -> None:
    """A new order and a reminder at the same moment ring one chime, at reminder priority."""
    chimes = Chimes()
    chimes.announce(Priority.NEW_ORDER, T0)
    chimes.announce(Priority.REMINDER, T0)
    assert chimes.due(T0, waiting=True) == Priority.REMINDER
    assert chimes.due(T0, waiting=True) is None


def test_a_disabled_chime_stays_silent() -> None:
    """With the chime off, an announcement is spoken without it."""
    chimes = Chimes(enabled=False)
    chimes.announce(Priority.NEW_ORDER, T0)
    assert chimes.due(T0, waiting=True) is None


def test_continuous_rings_every_interval_while_an_order_waits() -> None:
    """Continuous mode rings at arrival, then every interval, as long as orders wait."""
    chimes = Chimes(mode=RingMode.CONTINUOUS, every_s=3.0)
    chimes.announce(Priority.NEW_ORDER, T0)
    assert chimes.due(T0, waiting=True) == Priority.NEW_ORDER
    assert chimes.next_deadline(waiting=True) == T0 + 3
    assert chimes.due(T0 + 2.9, waiting=True) is None
    assert chimes.due(T0 + 3, waiting=True) == Priority.NEW_ORDER
    assert chimes.next_deadline(waiting=True) == T0 + 6


def test_continuous_stops_when_nothing_waits() -> None:
    """Once every order is handled (or snoozed), the continuous ring stops."""
    chimes = Chimes(mode=RingMode.CONTINUOUS)
    chimes.announce(Priority.NEW_ORDER, T0)
    chimes.due(T0, waiting=True)
    assert chimes.due(T0 + 3, waiting=False) is None
    assert chimes.next_deadline(waiting=False) is None


def test_continuous_rings_even_with_the_chime_off() -> None:
    """Continuous mode is the ring itself: the chime switch does not silence it."""
    chimes = Chimes(enabled=False, mode=RingMode.CONTINUOUS)
    chimes.announce(Priority.NEW_ORDER, T0)
    assert chimes.due(T0, waiting=True) == Priority.NEW_ORDER


def test_switching_to_continuous_with_orders_waiting_rings_at_once() -> None:
    """Turned on while orders wait, the continuous ring starts now, not at the next order."""
    chimes = Chimes()
    chimes.mode = RingMode.CONTINUOUS
    assert chimes.next_deadline(waiting=True) == 0.0
    assert chimes.due(T0, waiting=True) == Priority.NEW_ORDER


def test_an_announcement_restarts_the_continuous_interval() -> None:
    """A repeat's chime counts as a ring: the next continuous one is a full interval later."""
    chimes = Chimes(mode=RingMode.CONTINUOUS, every_s=3.0)
    chimes.due(T0, waiting=True)
    chimes.announce(Priority.NEW_ORDER, T0 + 2)
    assert chimes.due(T0 + 2, waiting=True) == Priority.NEW_ORDER
    assert chimes.next_deadline(waiting=True) == T0 + 5


def test_the_interval_must_be_positive() -> None:
    """A zero interval would ring in a busy loop."""
    with pytest.raises(ValueError, match="positive"):
        Chimes(every_s=0)
