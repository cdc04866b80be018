"""Every widget takes its texts from Qt's translators and follows a language change live."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

from desktop.ui.card import AlertCard
from desktop.ui.orders_window import OrdersWindow
from desktop.ui.reject_dialog import RejectDialog
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.settings_form import SettingsForm
from desktop.ui.tray import Tray


class MarkingTranslator(QTranslator):
    """Translates every text of our contexts to "<context>:<source>"."""

    CONTEXTS = frozenset(
        {
            "AlertCard",
            "NoticeCard",
            "OrderText",
            "OrdersWindow",
            "RejectDialog",
            "SettingsDialog",
            "Tray",
        }
    )

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str:
        return f"{context}:{source}" if context in self.CONTEXTS else ""

    def isEmpty(self) -> bool:  # noqa: N802 (Qt's name)
        # Qt skips the language-change event for an empty translator.
        return False


@pytest.fixture
def translator(qapp: Any) -> Iterator[QTranslator]:
    """A translator that is installed by the test and removed afterwards."""
    marking = MarkingTranslator()
    yield marking
    QCoreApplication.removeTranslator(marking)


def test_card_follows_language_change(
    qtbot: Any, translator: QTranslator, make_alert: Any, now: datetime
) -> None:
    """A shown card changes language without being rebuilt."""
    card = AlertCard(make_alert(paid_at=now - timedelta(seconds=90)), now)
    qtbot.addWidget(card)
    QCoreApplication.installTranslator(translator)
    qtbot.waitUntil(lambda: card.accept_button.text() == "AlertCard:Accept", timeout=1000)
    # The long marked texts share the header line, so the end of this one may be elided.
    assert card.waited.text().startswith("OrderText:paid 1 m")


def test_orders_window_follows_language_change(qtbot: Any, translator: QTranslator) -> None:
    """The orders window retitles itself."""
    window = OrdersWindow()
    qtbot.addWidget(window)
    QCoreApplication.installTranslator(translator)
    qtbot.waitUntil(lambda: window.refresh_button.text() == "OrdersWindow:Refresh", timeout=1000)


def test_reject_dialog_follows_language_change(qtbot: Any, translator: QTranslator) -> None:
    """The preset labels come from the translator; the reasons sent do not change."""
    dialog = RejectDialog()
    qtbot.addWidget(dialog)
    QCoreApplication.installTranslator(translator)
    expected = "RejectDialog:Restaurant closed"
    qtbot.waitUntil(lambda: dialog.preset_buttons[2].text() == expected, timeout=1000)
    assert dialog.preset_buttons[2].toolTip() == "餐厅已打烊，暂时无法接单"


def test_settings_dialog_keeps_choices_on_language_change(
    qtbot: Any, translator: QTranslator
) -> None:
    """Relabelling the choice lists keeps what was chosen."""
    form = SettingsForm(server_url="https://a.example", language="en", voice="v1")
    dialog = SettingsDialog(form, [("v1", "Voice one")])
    qtbot.addWidget(dialog)
    QCoreApplication.installTranslator(translator)
    qtbot.waitUntil(lambda: dialog.save_button.text() == "SettingsDialog:Save", timeout=1000)
    assert dialog.form() == form


def test_tray_menu_follows_language_change(qtbot: Any, translator: QTranslator) -> None:
    """The tray menu is relabelled through its menu's language-change event."""
    tray = Tray()
    QCoreApplication.installTranslator(translator)
    qtbot.waitUntil(lambda: tray.action("quit").text() == "Tray:Quit", timeout=1000)
