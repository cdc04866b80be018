"""CardStack: one card per order, stacked in the bottom-right corner, signals passed on."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication

from desktop.ui.card import AlertCard, CardStack, stack_positions


def shown(stack: CardStack, order_id: int) -> AlertCard:
    card = stack.card(order_id)
    assert card is not None
    return card


def test_one_card_per_order_in_arrival_order(
    stack: CardStack, make_alert: Any, now: datetime
) -> None:
    """Each order gets a card, listed in the order they came."""
    stack.show_alerts([make_alert(order_id=3), make_alert(order_id=1)], now)
    assert stack.order_ids() == [3, 1]


def test_cards_are_shown(stack: CardStack, make_alert: Any, now: datetime) -> None:
    """Cards appear on screen."""
    stack.show_alerts([make_alert()], now)
    assert shown(stack, 7).isVisible()


def test_card_is_a_top_level_always_on_top_window(
    stack: CardStack, make_alert: Any, now: datetime
) -> None:
    """A card is its own window above all others, not a child of some hidden window."""
    stack.show_alerts([make_alert()], now)
    card = shown(stack, 7)
    assert card.isWindow()
    assert card.windowFlags() & Qt.WindowType.WindowStaysOnTopHint


def test_showing_again_updates_the_same_card(
    stack: CardStack, make_alert: Any, now: datetime
) -> None:
    """A reminder about a shown order updates its card instead of adding one."""
    stack.show_alerts([make_alert()], now)
    first = shown(stack, 7)
    stack.show_alerts([make_alert(reminded=True, reminder_count=1)], now)
    assert stack.order_ids() == [7]
    assert shown(stack, 7) is first
    assert first.highlighted


def test_hide_cards_closes_them(
    qtbot: Any, stack: CardStack, make_alert: Any, now: datetime
) -> None:
    """Hidden orders lose their cards."""
    stack.show_alerts([make_alert(order_id=1), make_alert(order_id=2)], now)
    card = shown(stack, 1)
    stack.hide_cards([1])
    assert stack.order_ids() == [2]
    assert stack.card(1) is None
    assert not card.isVisible()


def test_hide_cards_ignores_unknown_ids(stack: CardStack, make_alert: Any, now: datetime) -> None:
    """Hiding an order without a card is not an error."""
    stack.show_alerts([make_alert()], now)
    stack.hide_cards([99])
    assert stack.order_ids() == [7]


def test_first_card_sits_in_the_bottom_right_corner(
    stack: CardStack, make_alert: Any, now: datetime
) -> None:
    """The first card hugs the bottom-right corner of the available screen area."""
    stack.show_alerts([make_alert()], now)
    area = QGuiApplication.primaryScreen().availableGeometry()
    frame = shown(stack, 7).geometry()
    assert area.contains(frame)
    assert area.right() - frame.right() < 30
    assert area.bottom() - frame.bottom() < 30


def test_later_cards_stack_upward_without_overlap(
    stack: CardStack, make_alert: Any, now: datetime
) -> None:
    """The second card sits above the first."""
    stack.show_alerts([make_alert(order_id=1), make_alert(order_id=2)], now)
    first, second = shown(stack, 1).geometry(), shown(stack, 2).geometry()
    assert second.bottom() < first.top()
    assert not first.intersects(second)


def test_hiding_a_card_closes_the_gap(stack: CardStack, make_alert: Any, now: datetime) -> None:
    """When the bottom card goes, the next one moves down into the corner."""
    stack.show_alerts([make_alert(order_id=1), make_alert(order_id=2)], now)
    corner = shown(stack, 1).geometry().bottomRight()
    stack.hide_cards([1])
    assert shown(stack, 2).geometry().bottomRight() == corner


@pytest.mark.parametrize(
    ("button", "signal"),
    [("accept", "accept_clicked"), ("reject", "reject_clicked"), ("later", "later_clicked")],
)
def test_stack_passes_on_button_signals(
    qtbot: Any, stack: CardStack, make_alert: Any, now: datetime, button: str, signal: str
) -> None:
    """A click on any card comes out of the stack with that card's order id."""
    stack.show_alerts([make_alert(order_id=1), make_alert(order_id=2)], now)
    card = shown(stack, 2)
    with qtbot.waitSignal(getattr(stack, signal), timeout=1000) as blocker:
        qtbot.mouseClick(getattr(card, f"{button}_button"), Qt.MouseButton.LeftButton)
    assert blocker.args == [2]


def test_set_busy_disables_one_card(stack: CardStack, make_alert: Any, now: datetime) -> None:
    """Only the card of the order in flight is disabled."""
    stack.show_alerts([make_alert(order_id=1), make_alert(order_id=2)], now)
    stack.set_busy(1, True)
    assert not shown(stack, 1).accept_button.isEnabled()
    assert shown(stack, 2).accept_button.isEnabled()


def test_show_error_on_a_card(stack: CardStack, make_alert: Any, now: datetime) -> None:
    """The error line appears on the right card."""
    stack.show_alerts([make_alert()], now)
    stack.show_error(7, "Order already handled")
    assert shown(stack, 7).error.text() == "Order already handled"
    assert shown(stack, 7).error.isVisible()


def test_update_times(stack: CardStack, make_alert: Any, now: datetime) -> None:
    """Every card's wait is refreshed."""
    stack.show_alerts([make_alert()], now)
    stack.update_times(now + timedelta(minutes=10))
    assert shown(stack, 7).waited.text() == "paid 13 min ago"


def test_full_column_continues_to_the_left() -> None:
    """A card that would cross the top margin starts a new column."""
    area = QRect(0, 0, 1000, 500)
    sizes = [QSize(300, 200)] * 3
    assert stack_positions(area, sizes, margin=10, spacing=10) == [
        QPoint(690, 290),
        QPoint(690, 80),
        QPoint(380, 290),
    ]
