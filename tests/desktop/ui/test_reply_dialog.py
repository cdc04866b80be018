"""ReplyDialog: a preset answer with one click, or a typed line, sent with the order id."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop.i18n import install_translator
from desktop.ui.reply_dialog import ReplyDialog
from orderbell_protocol import MAX_REPLY_CHARS, REPLY_PRESETS


@pytest.fixture
def dialog(qtbot: Any) -> ReplyDialog:
    """The dialog answering order 7, called 12 · 1234."""
    widget = ReplyDialog()
    qtbot.addWidget(widget)
    widget.ask(7, "12 · 1234")
    qtbot.waitExposed(widget)
    return widget


def test_dialog_is_shown_non_modal_and_on_top(dialog: ReplyDialog) -> None:
    """Asking shows the dialog above the cards without blocking other windows."""
    assert dialog.isVisible()
    assert not dialog.isModal()
    assert dialog.windowFlags() & Qt.WindowType.WindowStaysOnTopHint


def test_heading_names_the_order(dialog: ReplyDialog) -> None:
    """Staff see which customer they answer."""
    assert dialog.heading.text() == "Answer the customer of order 12 · 1234:"


@pytest.mark.parametrize("name", REPLY_PRESETS)
def test_one_click_on_a_preset_sends_it(qtbot: Any, dialog: ReplyDialog, name: str) -> None:
    """A preset button sends its name at once and closes the dialog."""
    with qtbot.waitSignal(dialog.reply_chosen) as sent:
        qtbot.mouseClick(dialog.preset_buttons[name], Qt.MouseButton.LeftButton)
    assert sent.args == [7, name, ""]
    assert not dialog.isVisible()


def test_typed_line_is_sent_trimmed_with_enter(qtbot: Any, dialog: ReplyDialog) -> None:
    """A typed line goes out without surrounding spaces when Enter is pressed."""
    dialog.text_edit.insert("  汤在熬，5分钟  ")
    with qtbot.waitSignal(dialog.reply_chosen) as sent:
        qtbot.keyClick(dialog.text_edit, Qt.Key.Key_Return)
    assert sent.args == [7, "", "汤在熬，5分钟"]


def test_send_is_disabled_until_something_is_typed(qtbot: Any, dialog: ReplyDialog) -> None:
    """Blank text cannot be sent: Send stays disabled and Enter sends nothing."""
    qtbot.keyClicks(dialog.text_edit, "   ")
    assert not dialog.send_button.isEnabled()
    with qtbot.assertNotEmitted(dialog.reply_chosen):
        qtbot.keyClick(dialog.text_edit, Qt.Key.Key_Return)


def test_typing_stops_at_the_servers_limit(qtbot: Any, dialog: ReplyDialog) -> None:
    """The line takes no more characters than the server accepts."""
    dialog.text_edit.setText("好" * (MAX_REPLY_CHARS + 20))
    assert len(dialog.text_edit.text()) == MAX_REPLY_CHARS


def test_chinese_preset_labels_are_the_words_the_customer_reads(
    qapp: Any, dialog: ReplyDialog
) -> None:
    """In Chinese each preset button reads exactly what the customer will be shown."""
    install_translator(qapp, "zh")
    try:
        dialog.ask(7, "12 · 1234")
        labels = {name: button.text() for name, button in dialog.preset_buttons.items()}
    finally:
        install_translator(qapp, "en")
    assert labels == REPLY_PRESETS
