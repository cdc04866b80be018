"""QuitConfirmation: quitting a counter PC is asked about, never done by one stray click."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop.ui.quit_dialog import QuitConfirmation


@pytest.fixture
def dialog(qtbot: Any) -> QuitConfirmation:
    widget = QuitConfirmation()
    qtbot.addWidget(widget)
    return widget


def test_says_how_many_orders_wait(dialog: QuitConfirmation) -> None:
    """With orders waiting, the question starts with how many."""
    dialog.ask(3)
    assert dialog.isVisible()
    assert dialog.text() == "3 orders are still waiting to be accepted."
    assert "no longer rings" in dialog.informativeText()


def test_asks_even_without_waiting_orders(dialog: QuitConfirmation) -> None:
    """Quitting silences later orders too, so the question is asked anyway."""
    dialog.ask(0)
    assert dialog.text() == "Quit OrderBell?"


def test_keeping_on_is_the_default(dialog: QuitConfirmation) -> None:
    """Enter or Escape keeps the app running."""
    dialog.ask(1)
    assert dialog.defaultButton() is dialog.cancel_button
    assert dialog.escapeButton() is dialog.cancel_button


def test_quit_button_confirms(qtbot: Any, dialog: QuitConfirmation) -> None:
    """Only the Quit button confirms."""
    dialog.ask(1)
    with qtbot.waitSignal(dialog.confirmed, timeout=1000):
        qtbot.mouseClick(dialog.quit_button, Qt.MouseButton.LeftButton)


def test_keep_button_does_not_confirm(qtbot: Any, dialog: QuitConfirmation) -> None:
    """Keep taking orders closes the question and nothing else."""
    dialog.ask(1)
    with qtbot.assertNotEmitted(dialog.confirmed):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_stays_on_top_without_blocking(dialog: QuitConfirmation) -> None:
    """The question is above the alert cards and blocks no other window."""
    assert dialog.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    assert not dialog.isModal()
