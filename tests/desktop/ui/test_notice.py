"""NoticeCard: notices about the app itself, alarm or warning, closed by staff or by the app."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from desktop.core.marks import QT_TRANSLATE_NOOP, message
from desktop.counter import link_down_notice
from desktop.i18n import install_translator
from desktop.ui.notice import NoticeAction, NoticeCard, NoticeLevel
from tests.desktop.ui.test_card_fit import clipped

LINK_DOWN = ("link_down", "Order alerts disconnected", "Check the network")


@pytest.fixture
def notices(qtbot: Any) -> NoticeCard:
    card = NoticeCard()
    qtbot.addWidget(card)
    return card


def button(card: NoticeCard, name: str) -> QPushButton:
    found = card.findChild(QPushButton, name)
    assert found is not None
    return found


def test_show_notice_shows_title_and_text(notices: NoticeCard) -> None:
    """The notice's words are on the shown card."""
    notices.show_notice(*LINK_DOWN)
    texts = [label.text() for label in notices.findChildren(QLabel)]
    assert notices.isVisible()
    assert "Order alerts disconnected" in texts
    assert "Check the network" in texts


def test_notice_card_stays_on_top(notices: NoticeCard) -> None:
    """Notices float above other windows like alert cards."""
    notices.show_notice(*LINK_DOWN)
    assert notices.isWindow()
    assert notices.windowFlags() & Qt.WindowType.WindowStaysOnTopHint


def test_same_kind_updates_in_place(notices: NoticeCard) -> None:
    """Showing a kind again replaces its words instead of adding a notice."""
    notices.show_notice(*LINK_DOWN)
    notices.show_notice("link_down", "Still disconnected", "")
    texts = [label.text() for label in notices.findChildren(QLabel)]
    assert notices.kinds() == ["link_down"]
    assert "Still disconnected" in texts


def test_clear_last_notice_hides_the_card(notices: NoticeCard) -> None:
    """The card goes away with its last notice."""
    notices.show_notice(*LINK_DOWN)
    notices.clear("link_down")
    assert notices.kinds() == []
    assert not notices.isVisible()


def test_clear_keeps_other_notices(notices: NoticeCard) -> None:
    """Clearing one kind leaves the others shown."""
    notices.show_notice(*LINK_DOWN)
    notices.show_notice("self_check", "Speech", "No voice", NoticeLevel.WARNING)
    notices.clear("link_down")
    assert notices.kinds() == ["self_check"]
    assert notices.isVisible()


def test_clear_unknown_kind_is_ignored(notices: NoticeCard) -> None:
    """Clearing a kind that is not shown is not an error."""
    notices.clear("nothing")
    assert notices.kinds() == []


def test_close_button_dismisses(qtbot: Any, notices: NoticeCard) -> None:
    """Close hides the notice and says which kind staff dismissed."""
    notices.show_notice(*LINK_DOWN)
    with qtbot.waitSignal(notices.dismissed, timeout=1000) as blocker:
        qtbot.mouseClick(button(notices, "close_link_down"), Qt.MouseButton.LeftButton)
    assert blocker.args == ["link_down"]
    assert notices.kinds() == []


def test_action_button_emits_kind(qtbot: Any, notices: NoticeCard) -> None:
    """The optional action says which notice it belongs to."""
    notices.show_notice(
        "token_rejected", "Device token rejected", "", action=NoticeAction.OPEN_SETTINGS
    )
    action = button(notices, "action_token_rejected")
    assert action.text() == "Open settings"
    with qtbot.waitSignal(notices.action_clicked, timeout=1000) as blocker:
        qtbot.mouseClick(action, Qt.MouseButton.LeftButton)
    assert blocker.args == ["token_rejected"]


def test_no_action_no_button(notices: NoticeCard) -> None:
    """A notice without an action shows only Close."""
    notices.show_notice(*LINK_DOWN)
    assert not button(notices, "action_link_down").isVisible()


def test_alarm_looks_red(notices: NoticeCard) -> None:
    """An alarm gives the card a red border."""
    notices.show_notice(*LINK_DOWN, level=NoticeLevel.ALARM)
    assert notices.level("link_down") is NoticeLevel.ALARM
    assert "4px solid #c62828" in notices.styleSheet()


def test_warning_looks_amber(notices: NoticeCard) -> None:
    """A card holding only warnings has an amber border."""
    notices.show_notice("self_check", "Speech", "No voice", NoticeLevel.WARNING)
    assert notices.level("self_check") is NoticeLevel.WARNING
    assert "4px solid #f9a825" in notices.styleSheet()


def test_good_news_looks_green(notices: NoticeCard) -> None:
    """A card holding only an information notice has a green border."""
    notices.show_notice("ready", "OrderBell is connected", "", NoticeLevel.INFO)
    assert "4px solid #2e7d32" in notices.styleSheet()


def test_notice_hides_itself_after_its_time(qtbot: Any, notices: NoticeCard) -> None:
    """A notice shown for a while goes by itself; the card hides with its last notice."""
    notices.show_notice("ready", "OrderBell is connected", "", NoticeLevel.INFO, hide_after_ms=20)
    assert notices.isVisible()
    assert notices.hides_in("ready") is not None
    qtbot.waitUntil(lambda: notices.kinds() == [], timeout=2000)
    assert not notices.isVisible()


def test_update_changes_a_shown_notice(notices: NoticeCard) -> None:
    """Updating a shown notice changes its words in place."""
    notices.show_notice(*LINK_DOWN)
    notices.update_notice("link_down", "Order alerts disconnected", "Down for 3 min")
    assert notices.text_of("link_down") == "Down for 3 min"


def test_update_does_not_bring_back_a_closed_notice(qtbot: Any, notices: NoticeCard) -> None:
    """A notice staff closed stays closed when its words would change."""
    notices.show_notice(*LINK_DOWN)
    qtbot.mouseClick(button(notices, "close_link_down"), Qt.MouseButton.LeftButton)
    notices.update_notice("link_down", "Order alerts disconnected", "Down for 4 min")
    assert notices.kinds() == []
    assert not notices.isVisible()


def test_messages_follow_the_language(qtbot: Any, qapp: Any, notices: NoticeCard) -> None:
    """A notice given as a message is shown in the current language, and re-translated."""
    text = message(QT_TRANSLATE_NOOP("App", "%1 min"), 5)
    notices.show_notice(
        "link", message(QT_TRANSLATE_NOOP("App", "Order alerts disconnected")), text
    )
    assert notices.text_of("link") == "5 min"
    install_translator(qapp, "zh")
    try:
        qtbot.waitUntil(lambda: notices.text_of("link") == "5 分钟", timeout=1000)
    finally:
        install_translator(qapp, "en")


SELF_CHECK_LINES = (
    "Speech does not work on this PC.\nThe server cannot be reached.\n"
    "The server does not accept this PC's device token.\n"
    "There is no system tray: alert cards still appear."
)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_line_of_a_notice_is_clipped(qtbot: Any, qapp: Any, language: str) -> None:
    """Long and several-line notices show every line, in both languages, whole on the card."""
    install_translator(qapp, language)
    try:
        card = NoticeCard()
        qtbot.addWidget(card)
        card.show_notice("link", *link_down_notice(3725), action=NoticeAction.RECONNECT)
        card.show_notice("self_check", "Self-check found problems", SELF_CHECK_LINES)
        card.show_notice("file", "Device token kept in a file", "/" + "very-long-folder/" * 12)
        qtbot.waitExposed(card)
        assert clipped(card) == []
        assert len(card.findChildren(QLabel, "text")[1].text().splitlines()) >= 4
    finally:
        install_translator(qapp, "en")
