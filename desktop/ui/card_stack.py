"""The alert cards on screen: one column in the bottom-right corner, most urgent at the bottom.

Deciding where cards go is :mod:`desktop.core.stack` (Qt-free); this module measures the cards,
moves them, and watches the pointer so that nothing moves under it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from PySide6.QtCore import QObject, QRect, QTimer, Signal
from PySide6.QtGui import QCursor, QGuiApplication
from PySide6.QtWidgets import QWidget

from desktop.core.cards import Alert
from desktop.core.marks import Message
from desktop.core.stack import (
    Box,
    StackPlan,
    beside,
    card_height_limit,
    hold_stack,
    plan_stack,
    urgency_order,
)
from desktop.ui.card import CARD_WIDTH, AlertCard
from desktop.ui.overflow_card import OVERFLOW_HEIGHT, OverflowCard

HOLD_CHECK_MS = 250
POINTER_SLACK = 12
# A dialog not shown yet has no window frame; leave room for a title bar.
TITLE_BAR_ALLOWANCE = 40

Area = Callable[[], Box | None]
Pointer = Callable[[], tuple[int, int]]


def box_of(rect: QRect) -> Box:
    """A Qt rectangle as a :class:`Box`."""
    return Box(rect.x(), rect.y(), rect.width(), rect.height())


def primary_area() -> Box | None:
    """The primary screen's area without task bars and docks; None without a screen."""
    screen = QGuiApplication.primaryScreen()
    return None if screen is None else box_of(screen.availableGeometry())


def cursor_position() -> tuple[int, int]:
    """Where the mouse pointer is, in screen coordinates."""
    position = QCursor.pos()
    return position.x(), position.y()


class CardStack(QObject):
    """The alert cards on screen, one per order, and the compact card for the rest.

    At most three full cards (fewer when the screen is short), most urgent at the bottom:
    reminded orders first, then the oldest. The others wait in the compact card on top
    ("还有 N 单待接 → 打开订单"). ``area`` gives the screen area to use (default: the primary
    screen's available geometry); everything stays inside it. While the ``pointer`` rests on the
    stack nothing moves under it: a handled card leaves a gap and new orders join the compact
    card; the column is tidied once the pointer has left (checked every ``hold_check_ms``).

    Signals:
        accept_clicked(order_id): Accept was clicked on a card.
        reject_clicked(order_id): Reject… was clicked on a card.
        reply_clicked(order_id): Reply… was clicked on a reminded order's card.
        later_clicked(order_id): Later, or OK on an already accepted order, was clicked.
        orders_requested(): the compact card's button was clicked.
    """

    accept_clicked = Signal(int)
    reject_clicked = Signal(int)
    reply_clicked = Signal(int)
    later_clicked = Signal(int)
    orders_requested = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        area: Area = primary_area,
        pointer: Pointer = cursor_position,
        hold_check_ms: int = HOLD_CHECK_MS,
    ) -> None:
        super().__init__(parent)
        self._area = area
        self._pointer = pointer
        self._cards: dict[int, AlertCard] = {}
        self._plan = StackPlan(cards={})
        self.overflow_card = OverflowCard()
        self.overflow_card.open_orders_clicked.connect(self.orders_requested)
        self._hold_timer = QTimer(self)
        self._hold_timer.setInterval(hold_check_ms)
        self._hold_timer.timeout.connect(self._check_pointer)

    # What the wiring calls ------------------------------------------------------------------

    def show_alerts(self, alerts: Sequence[Alert], now: datetime) -> None:
        """Create or update the cards of ``alerts`` and bring them in front of other windows."""
        for alert in alerts:
            card = self._cards.get(alert.order_id)
            if card is None:
                self._cards[alert.order_id] = self._new_card(alert, now)
            else:
                card.update_alert(alert, now)
        self.rearrange()
        for alert in alerts:
            if alert.order_id in self._plan.cards:
                self._cards[alert.order_id].pop_up()
            elif self.overflow_card.isVisible():
                self.overflow_card.pop_up()

    def hide_cards(self, order_ids: Iterable[int]) -> None:
        """Close the cards of these orders; ids without a card are ignored."""
        for order_id in order_ids:
            card = self._cards.pop(order_id, None)
            if card is not None:
                card.hide()
                card.deleteLater()
        self.rearrange()

    def order_ids(self) -> list[int]:
        """The orders that have a card (full or in the compact card), in arrival order."""
        return list(self._cards)

    def card(self, order_id: int) -> AlertCard | None:
        """The card of an order, if it has one (it is hidden while in the compact card)."""
        return self._cards.get(order_id)

    def shows_in_full(self, order_id: int) -> bool:
        """True when the order's own card is on screen."""
        return order_id in self._plan.cards

    @property
    def plan(self) -> StackPlan:
        """Where the cards are now."""
        return self._plan

    def update_times(self, now: datetime) -> None:
        """Refresh every card's time since payment without bringing cards to the front.

        A card that turned more urgent takes its new colour; when that changed its height
        (a wider border), the column is laid out again.
        """
        heights = {order_id: card.height() for order_id, card in self._cards.items()}
        for card in self._cards.values():
            card.update_time(now)
        if any(card.height() != heights[i] for i, card in self._cards.items()):
            self.rearrange()

    def set_busy(self, order_id: int, busy: bool) -> None:
        """Disable or enable a card's buttons while a request about its order runs."""
        card = self._cards.get(order_id)
        if card is not None:
            card.set_busy(busy)
            self.rearrange()

    def show_error(self, order_id: int, text: Message | str) -> None:
        """Show an error line on a card (an empty text clears it)."""
        card = self._cards.get(order_id)
        if card is not None:
            card.show_error(text)
            self.rearrange()

    def clear_errors(self) -> None:
        """Take every card's error line away (their cause is gone)."""
        for card in self._cards.values():
            card.show_error("")
        self.rearrange()

    def place_beside(self, order_id: int, window: QWidget) -> None:
        """Move ``window`` (a dialog about the order) next to the stack, level with its card."""
        area = self._area()
        region = self._plan.region()
        anchor = self._plan.cards.get(order_id, self._plan.compact)
        if area is None or region is None or anchor is None:
            return
        frame = window.frameGeometry()
        width, height = frame.width(), frame.height()
        if not window.isVisible():
            width, height = window.width(), window.height() + TITLE_BAR_ALLOWANCE
        box = beside(anchor, width, height, area, region)
        window.move(box.x, box.y)

    def rearrange(self) -> None:
        """Lay the column out again (cards changed, the screen or the space it leaves changed)."""
        area = self._area()
        if area is None:
            return
        limit = card_height_limit(area, OVERFLOW_HEIGHT)
        for card in self._cards.values():
            card.set_height_limit(limit)
        order_ids = urgency_order(card.alert for card in self._cards.values())
        heights = {order_id: card.height() for order_id, card in self._cards.items()}
        if self._pointer_on_stack():
            plan = hold_stack(
                self._plan,
                order_ids,
                heights,
                area,
                width=CARD_WIDTH,
                compact_height=OVERFLOW_HEIGHT,
            )
            self._hold_timer.start()
        else:
            plan = plan_stack(
                order_ids, heights, area, width=CARD_WIDTH, compact_height=OVERFLOW_HEIGHT
            )
        self._show(plan)

    def close_all(self) -> None:
        """Close every card (the app is quitting)."""
        self._hold_timer.stop()
        self.hide_cards(list(self._cards))
        self.overflow_card.close()

    # Details ------------------------------------------------------------------------------

    def _show(self, plan: StackPlan) -> None:
        self._plan = plan
        for order_id, card in self._cards.items():
            box = plan.cards.get(order_id)
            if box is None:
                card.hide()
                continue
            card.move(box.x, box.y)
            if not card.isVisible():
                card.pop_up()
        if plan.compact is None:
            self.overflow_card.hide()
        else:
            self.overflow_card.set_orders([self._cards[i].alert.tail for i in plan.overflow])
            self.overflow_card.move(plan.compact.x, plan.compact.y)
            if not self.overflow_card.isVisible():
                self.overflow_card.pop_up()

    def _pointer_on_stack(self) -> bool:
        region = self._plan.region()
        if region is None:
            return False
        x, y = self._pointer()
        return region.holds_point(x, y, POINTER_SLACK)

    def _check_pointer(self) -> None:
        if not self._pointer_on_stack():
            self._hold_timer.stop()
            self.rearrange()

    def _new_card(self, alert: Alert, now: datetime) -> AlertCard:
        card = AlertCard(alert, now)
        card.accept_clicked.connect(self.accept_clicked)
        card.reject_clicked.connect(self.reject_clicked)
        card.reply_clicked.connect(self.reply_clicked)
        card.later_clicked.connect(self.later_clicked)
        return card
