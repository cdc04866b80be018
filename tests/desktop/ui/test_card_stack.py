"""CardStack on (fake) screens: one column, at most three full cards, nothing off screen or moving
under the pointer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog, QWidget

from desktop.core.stack import Box
from desktop.ui.card import AlertCard
from desktop.ui.card_stack import CardStack, box_of
from orderbell_protocol import OrderLine
from tests.desktop.ui.conftest import FakeScreen

SCREENS = {
    "1366x768": Box(0, 0, 1366, 728),
    "1920x1080": Box(0, 0, 1920, 1040),
    "1366x768 right of a 1920x1080": Box(1920, 0, 1366, 728),
    "1366x768 left of the origin": Box(-1366, 0, 1366, 728),
    "1920x1080 below another, task bar on top": Box(0, 1120, 1920, 1040),
}


def shown(stack: CardStack, order_id: int) -> AlertCard:
    card = stack.card(order_id)
    assert card is not None
    return card


def on_screen(stack: CardStack) -> list[QWidget]:
    """The stack's windows a person sees."""
    windows: list[QWidget] = [shown(stack, i) for i in stack.order_ids()]
    windows.append(stack.overflow_card)
    return [window for window in windows if window.isVisible()]


def global_box(widget: QWidget) -> Box:
    return box_of(widget.rect().translated(widget.mapToGlobal(QPoint(0, 0))))


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
    assert stack.shows_in_full(7)


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


def test_hide_cards_closes_them(stack: CardStack, make_alert: Any, now: datetime) -> None:
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
    stack: CardStack, screen: FakeScreen, make_alert: Any, now: datetime
) -> None:
    """The first card hugs the bottom-right corner of the available screen area."""
    stack.show_alerts([make_alert()], now)
    area = screen.area
    assert area is not None
    frame = global_box(shown(stack, 7))
    assert area.contains(frame)
    assert area.right - frame.right < 30
    assert area.bottom - frame.bottom < 30


def test_later_cards_stack_upward_without_overlap(
    stack: CardStack, make_alert: Any, now: datetime
) -> None:
    """The second card (paid at the same time, arrived later) sits above the first."""
    stack.show_alerts([make_alert(order_id=1), make_alert(order_id=2)], now)
    first, second = shown(stack, 1).geometry(), shown(stack, 2).geometry()
    assert second.bottom() < first.top()
    assert not first.intersects(second)


def test_reminded_order_takes_the_bottom_place(
    stack: CardStack, make_alert: Any, now: datetime
) -> None:
    """A hurried order moves to the corner, above older orders nobody hurried."""
    older = make_alert(order_id=1, paid_at=now - timedelta(minutes=20))
    stack.show_alerts([older, make_alert(order_id=2)], now)
    stack.show_alerts([make_alert(order_id=2, reminded=True, reminder_count=1)], now)
    assert shown(stack, 1).geometry().bottom() < shown(stack, 2).geometry().top()


def test_hiding_a_card_closes_the_gap(stack: CardStack, make_alert: Any, now: datetime) -> None:
    """When the bottom card goes (the pointer elsewhere), the next one moves into the corner."""
    stack.show_alerts([make_alert(order_id=1), make_alert(order_id=2)], now)
    corner = shown(stack, 1).geometry().bottomRight()
    stack.hide_cards([1])
    assert shown(stack, 2).geometry().bottomRight() == corner


@pytest.mark.parametrize("area", SCREENS.values(), ids=SCREENS.keys())
def test_five_orders_fit_one_column_on_screen(
    stack: CardStack, screen: FakeScreen, make_alert: Any, now: datetime, area: Box
) -> None:
    """Five waiting orders, numbered and with addresses: one column of at most three full cards
    and the compact card, every window and every Accept button wholly on the screen, none
    overlapping another."""
    screen.area = area
    items = tuple(OrderLine(f"招牌菜 {i}", 1) for i in range(6))
    address = "上海市浦东新区世纪大道100号环球金融中心B座2801室"
    alerts = [
        make_alert(order_id=i, items=items, remark="少辣\n多放葱", day_seq=i, address=address)
        for i in range(1, 6)
    ]
    stack.show_alerts(alerts, now)
    windows = on_screen(stack)
    boxes = [global_box(window) for window in windows]
    assert stack.overflow_card in windows
    assert 2 <= len(windows) <= 4
    assert len({box.x for box in boxes}) == 1
    for box in boxes:
        assert area.contains(box)
    assert not any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    for order_id in stack.plan.cards:
        assert area.contains(global_box(shown(stack, order_id).accept_button))
    full = len(stack.plan.cards)
    assert stack.overflow_card.order_count() == 5 - full
    assert stack.overflow_card.count.text() == f"{5 - full} more orders waiting"


def test_tall_cards_are_shortened_to_fit_a_short_screen(
    stack: CardStack, screen: FakeScreen, make_alert: Any, now: datetime
) -> None:
    """A 100-line remark and 40 items still give a card wholly on a 1024x600 screen."""
    screen.area = Box(0, 0, 1024, 560)
    remark = "\n".join(f"第{i}行备注" for i in range(100))
    items = tuple(OrderLine(f"菜 {i}", 1) for i in range(40))
    stack.show_alerts([make_alert(items=items, remark=remark), make_alert(order_id=8)], now)
    for window in on_screen(stack):
        assert screen.area.contains(global_box(window))


def test_stack_follows_the_screen_area(
    stack: CardStack, screen: FakeScreen, make_alert: Any, now: datetime
) -> None:
    """When the available area changes (another screen layout), rearranging moves the cards."""
    stack.show_alerts([make_alert()], now)
    screen.area = Box(1920, 0, 1366, 728)
    stack.rearrange()
    assert screen.area.contains(global_box(shown(stack, 7)))


def test_no_screen_leaves_the_cards_alone(
    stack: CardStack, screen: FakeScreen, make_alert: Any, now: datetime
) -> None:
    """Without a screen (being unplugged) nothing is moved and nothing raises."""
    stack.show_alerts([make_alert()], now)
    before = shown(stack, 7).geometry()
    screen.area = None
    stack.show_alerts([make_alert(order_id=8)], now)
    assert shown(stack, 7).geometry() == before


def test_cards_hold_still_while_the_pointer_rests_on_them(
    qtbot: Any, stack: CardStack, screen: FakeScreen, make_alert: Any, now: datetime
) -> None:
    """Handling the bottom card with the pointer on the stack moves no other card under it;
    once the pointer leaves, the column closes up."""
    stack.show_alerts([make_alert(order_id=1), make_alert(order_id=2)], now)
    bottom = shown(stack, 1).geometry()
    upper = shown(stack, 2).geometry()
    screen.pointer = (bottom.center().x(), bottom.center().y())
    stack.hide_cards([1])
    assert shown(stack, 2).geometry() == upper
    screen.pointer = (0, 0)
    qtbot.waitUntil(lambda: shown(stack, 2).geometry().bottom() == bottom.bottom(), timeout=2000)


def test_new_order_joins_the_compact_card_while_the_pointer_rests(
    stack: CardStack, screen: FakeScreen, make_alert: Any, now: datetime
) -> None:
    """An order arriving under the pointer does not push the cards: the compact card counts it."""
    stack.show_alerts([make_alert(order_id=1)], now)
    before = shown(stack, 1).geometry()
    screen.pointer = (before.center().x(), before.center().y())
    stack.show_alerts([make_alert(order_id=2, paid_at=now - timedelta(hours=1))], now)
    assert shown(stack, 1).geometry() == before
    assert not shown(stack, 2).isVisible()
    assert stack.overflow_card.isVisible()
    assert stack.overflow_card.order_count() == 1


def test_compact_card_opens_the_orders_window(
    qtbot: Any, stack: CardStack, screen: FakeScreen, make_alert: Any, now: datetime
) -> None:
    """The compact card's button asks for the Orders window."""
    screen.area = Box(0, 0, 1366, 500)
    stack.show_alerts([make_alert(order_id=i) for i in range(1, 5)], now)
    assert stack.overflow_card.isVisible()
    with qtbot.waitSignal(stack.orders_requested, timeout=1000):
        qtbot.mouseClick(stack.overflow_card.open_button, Qt.MouseButton.LeftButton)


def test_dialog_is_placed_beside_its_card(
    qtbot: Any, stack: CardStack, screen: FakeScreen, make_alert: Any, now: datetime
) -> None:
    """A dialog about an order opens level with its card, left of the stack, on screen."""
    stack.show_alerts([make_alert(order_id=1), make_alert(order_id=2)], now)
    dialog = QDialog()
    qtbot.addWidget(dialog)
    dialog.resize(420, 260)
    stack.place_beside(2, dialog)
    dialog.show()
    box = box_of(dialog.frameGeometry())
    assert screen.area is not None
    assert screen.area.contains(box)
    assert box.y == shown(stack, 2).geometry().y()
    for window in on_screen(stack):
        assert not box.intersects(global_box(window))


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


def test_cards_turning_urgent_stay_apart_and_on_screen(
    stack: CardStack, screen: FakeScreen, make_alert: Any, now: datetime
) -> None:
    """When waiting cards take the overdue colour (a wider border), the column is laid out
    again: no two windows overlap and all stay on the screen."""
    stack.show_alerts([make_alert(order_id=i, paid_at=now) for i in (1, 2)], now)
    stack.update_times(now + timedelta(minutes=6))
    boxes = [global_box(window) for window in on_screen(stack)]
    assert len(boxes) == 2
    assert not boxes[0].intersects(boxes[1])
    assert all(screen.area.contains(box) for box in boxes)
