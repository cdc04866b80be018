"""RejectDialog: a Sky Take-out reason or a typed one, sent with the order id."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton

from desktop.ui.reject_dialog import RejectDialog
from desktop.ui.reject_reasons import REJECT_REASONS


@pytest.fixture
def dialog(qtbot: Any) -> RejectDialog:
    """The dialog asking about order 7, ending 1234."""
    widget = RejectDialog()
    qtbot.addWidget(widget)
    widget.ask(7, "1234")
    qtbot.waitExposed(widget)
    return widget


def click(qtbot: Any, widget: QAbstractButton) -> None:
    """Click near the left edge: a wide radio button only reacts on its circle and label."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))


def test_dialog_is_shown_non_modal(dialog: RejectDialog) -> None:
    """Asking shows the dialog without blocking other windows."""
    assert dialog.isVisible()
    assert not dialog.isModal()


def test_heading_names_the_order(dialog: RejectDialog) -> None:
    """Staff see which order they are rejecting."""
    assert dialog.heading.text() == "Why reject order ending 1234?"


def test_nothing_chosen_disables_ok(dialog: RejectDialog) -> None:
    """A reason has to be chosen before the order can be rejected."""
    assert not dialog.ok_button.isEnabled()


@pytest.mark.parametrize("index", range(len(REJECT_REASONS)))
def test_preset_reason_is_sent_as_its_chinese_text(
    qtbot: Any, dialog: RejectDialog, index: int
) -> None:
    """Each preset sends the Sky Take-out reason text the server stores."""
    click(qtbot, dialog.preset_buttons[index])
    with qtbot.waitSignal(dialog.reason_chosen, timeout=1000) as blocker:
        click(qtbot, dialog.ok_button)
    assert blocker.args == [7, REJECT_REASONS[index][0]]


def test_preset_shows_english_label_and_chinese_tooltip(dialog: RejectDialog) -> None:
    """The label is in the UI language; the tooltip shows what the customer reads."""
    button = dialog.preset_buttons[2]
    assert button.text() == "Restaurant closed"
    assert button.toolTip() == "餐厅已打烊，暂时无法接单"


def test_typed_reason_is_sent_trimmed(qtbot: Any, dialog: RejectDialog) -> None:
    """Typing picks "Other reason" and sends the text without surrounding spaces."""
    # QTest types ASCII only (it aborts on other characters).
    qtbot.keyClicks(dialog.other_edit, "  out of boxes ")
    assert dialog.other_button.isChecked()
    with qtbot.waitSignal(dialog.reason_chosen, timeout=1000) as blocker:
        click(qtbot, dialog.ok_button)
    assert blocker.args == [7, "out of boxes"]


def test_empty_typed_reason_disables_ok(qtbot: Any, dialog: RejectDialog) -> None:
    """ "Other reason" with nothing typed cannot be sent."""
    click(qtbot, dialog.other_button)
    assert not dialog.ok_button.isEnabled()


def test_blank_typed_reason_disables_ok(qtbot: Any, dialog: RejectDialog) -> None:
    """Spaces alone are not a reason."""
    qtbot.keyClicks(dialog.other_edit, "   ")
    assert not dialog.ok_button.isEnabled()


def test_typed_reason_stops_at_200_characters(qtbot: Any, dialog: RejectDialog) -> None:
    """The 201st character is refused."""
    qtbot.keyClicks(dialog.other_edit, "x" * 201)
    assert dialog.other_edit.text() == "x" * 200
    assert dialog.reason() == "x" * 200


def test_ok_closes_the_dialog(qtbot: Any, dialog: RejectDialog) -> None:
    """The dialog goes away once the reason is sent."""
    click(qtbot, dialog.preset_buttons[0])
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()


def test_cancel_sends_no_reason(qtbot: Any, dialog: RejectDialog) -> None:
    """Cancel closes the dialog without rejecting anything."""
    click(qtbot, dialog.preset_buttons[0])
    with qtbot.assertNotEmitted(dialog.reason_chosen), qtbot.waitSignal(dialog.rejected):
        click(qtbot, dialog.cancel_button)
    assert not dialog.isVisible()


def test_asking_again_starts_afresh(qtbot: Any, dialog: RejectDialog) -> None:
    """A new question forgets the last order's choice and text."""
    qtbot.keyClicks(dialog.other_edit, "old")
    dialog.ask(8, "5678")
    assert dialog.order_id == 8
    assert dialog.other_edit.text() == ""
    assert dialog.reason() is None
    assert not dialog.ok_button.isEnabled()


def test_dialog_stays_on_top_of_the_alert_cards(dialog: RejectDialog) -> None:
    """The always-on-top cards cannot hide the dialog that asks about one of them."""
    assert dialog.windowFlags() & Qt.WindowType.WindowStaysOnTopHint


def test_ask_places_the_dialog_before_and_after_showing(qtbot: Any) -> None:
    """The placement callback runs before the dialog shows and again once it is shown."""
    widget = RejectDialog()
    qtbot.addWidget(widget)
    seen: list[bool] = []

    def place(window: Any) -> None:
        seen.append(window.isVisible())
        window.move(123, 45)

    widget.ask(7, "1234", place)
    assert seen == [False, True]
    assert widget.frameGeometry().topLeft() == QPoint(123, 45)
