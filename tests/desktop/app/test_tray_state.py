"""Which tray icon a counter status shows: alarms first, then waiting orders."""

from __future__ import annotations

from desktop.app import tray_state
from desktop.counter import CounterStatus
from desktop.net import LinkState
from desktop.ui.icons import TrayState

CONNECTED = CounterStatus(link=LinkState.CONNECTED, alarming=False, ringing=0, muted_until=None)


def test_no_sound_is_an_alarm_over_waiting_orders() -> None:
    """Orders waiting on a PC whose sound is not heard: the no-sound alarm, with the count."""
    status = CounterStatus(
        link=LinkState.CONNECTED, alarming=False, ringing=2, muted_until=None, sound_ok=False
    )
    assert tray_state(status) == (TrayState.NO_SOUND, 2)


def test_a_lost_link_outranks_lost_sound() -> None:
    """With the link down no alert arrives at all: that alarm shows first."""
    status = CounterStatus(
        link=LinkState.DISCONNECTED, alarming=True, ringing=0, muted_until=None, sound_ok=False
    )
    assert tray_state(status)[0] is TrayState.DISCONNECTED


def test_sound_that_works_changes_nothing() -> None:
    """A connected, quiet counter with sound shows the connected bell."""
    assert tray_state(CONNECTED) == (TrayState.CONNECTED, 0)
