"""Tray: menu actions as signals, icon and tooltip by state, notifications where possible."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtWidgets import QSystemTrayIcon

from desktop.ui.icons import TrayState
from desktop.ui.tray import Tray


@pytest.fixture
def tray(qapp: Any) -> Tray:
    return Tray()


def picture(tray: Tray) -> bytes:
    return bytes(tray.icon().pixmap(32, 32).toImage().constBits())


@pytest.mark.parametrize(
    ("name", "signal"),
    [
        ("orders", "orders_requested"),
        ("test_alert", "test_alert_requested"),
        ("settings", "settings_requested"),
        ("reconnect", "reconnect_requested"),
        ("quit", "quit_requested"),
    ],
)
def test_menu_action_emits_its_signal(qtbot: Any, tray: Tray, name: str, signal: str) -> None:
    """Each menu entry asks the wiring for its job."""
    with qtbot.waitSignal(getattr(tray, signal), timeout=1000):
        tray.action(name).trigger()


@pytest.mark.parametrize(("name", "minutes"), [("mute_15", 15), ("mute_30", 30), ("mute_60", 60)])
def test_mute_action_emits_minutes(qtbot: Any, tray: Tray, name: str, minutes: int) -> None:
    """A Mute entry asks for that many minutes of silence."""
    with qtbot.waitSignal(tray.mute_requested, timeout=1000) as blocker:
        tray.action(name).trigger()
    assert blocker.args == [minutes]


def test_unmute_emits_zero(qtbot: Any, tray: Tray) -> None:
    """Unmute asks for zero minutes."""
    tray.set_state(TrayState.MUTED, muted_until=datetime(2026, 11, 26, 14, 30, tzinfo=UTC))
    with qtbot.waitSignal(tray.mute_requested, timeout=1000) as blocker:
        tray.action("unmute").trigger()
    assert blocker.args == [0]


def test_menu_order(tray: Tray) -> None:
    """The menu reads Orders, Mute, Test alert, Settings, Reconnect, Quit."""
    entries = [a.objectName() or a.text() for a in tray.menu.actions() if not a.isSeparator()]
    assert entries == ["orders", "Mute", "test_alert", "settings", "reconnect", "quit"]


def test_mute_submenu(tray: Tray) -> None:
    """Mute offers 15, 30 and 60 minutes, then Unmute."""
    entries = [a.text() for a in tray.mute_menu.actions() if not a.isSeparator()]
    assert entries == ["15 minutes", "30 minutes", "60 minutes", "Unmute"]


def test_unmute_is_disabled_when_not_muted(tray: Tray) -> None:
    """There is nothing to unmute until speech is muted."""
    tray.set_state(TrayState.CONNECTED)
    assert not tray.action("unmute").isEnabled()


def test_icon_changes_with_state(tray: Tray) -> None:
    """Each state shows its own picture."""
    pictures = set()
    for state in TrayState:
        tray.set_state(state, count=2)
        pictures.add(picture(tray))
    assert len(pictures) == len(TrayState)


def test_icon_changes_with_count(tray: Tray) -> None:
    """The alerting badge follows the number of waiting orders."""
    tray.set_state(TrayState.ALERTING, count=1)
    one = picture(tray)
    tray.set_state(TrayState.ALERTING, count=2)
    assert picture(tray) != one


def test_tooltip_counts_waiting_orders(tray: Tray) -> None:
    """While alerting the tooltip says how many orders wait."""
    tray.set_state(TrayState.ALERTING, count=2)
    assert tray.tool_tip() == "OrderBell\nOrders waiting: 2"


def test_tooltip_says_until_when_muted(tray: Tray) -> None:
    """While muted the tooltip says until when, in local time."""
    until = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)
    tray.set_state(TrayState.MUTED, muted_until=until)
    assert tray.tool_tip().endswith(f"Muted until {until.astimezone().strftime('%H:%M')}")


def test_tooltip_adds_detail(tray: Tray) -> None:
    """A detail line explains the state further."""
    tray.set_state(TrayState.DISCONNECTED, detail="since 14:02")
    assert tray.tool_tip() == "OrderBell\nDisconnected\nsince 14:02"


def test_no_tray_offscreen(tray: Tray) -> None:
    """Offscreen there is no tray: showing reports it instead of failing."""
    assert not tray.available
    assert tray.show() is False


def test_notify_without_tray_reports_not_shown(tray: Tray) -> None:
    """A notification that cannot be shown says so."""
    assert tray.notify("New order", "ending 1234") is False


def test_clicking_the_icon_asks_for_orders(qtbot: Any, tray: Tray) -> None:
    """A click on the tray icon opens the orders window."""
    icon = tray.findChild(QSystemTrayIcon)
    with qtbot.waitSignal(tray.orders_requested, timeout=1000):
        icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)


def test_context_click_does_not_ask_for_orders(qtbot: Any, tray: Tray) -> None:
    """Opening the context menu is not a request for the orders window."""
    icon = tray.findChild(QSystemTrayIcon)
    with qtbot.assertNotEmitted(tray.orders_requested):
        icon.activated.emit(QSystemTrayIcon.ActivationReason.Context)


def test_no_sound_state_says_so(tray: Tray) -> None:
    """When alerts cannot be heard the tooltip says there is no sound output."""
    tray.set_state(TrayState.NO_SOUND)
    assert tray.tool_tip().splitlines()[1] == "No sound output"
