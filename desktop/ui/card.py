"""Alert cards: one always-on-top card per order, stacked up from the screen's bottom-right."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import datetime

from PySide6.QtCore import QCoreApplication, QObject, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from desktop.core.cards import Alert
from desktop.core.phrasing import format_amount
from desktop.ui.floating import FloatingCard
from desktop.ui.naming import named
from desktop.ui.texts import fill, item_line, status_text, waited_text

CARD_WIDTH = 360
MAX_ITEM_LINES = 8
SCREEN_MARGIN = 12
CARD_SPACING = 8

_STYLE = """
#AlertCard { background: %(background)s; border: %(border)s; }
QLabel { font-size: 14px; color: #263238; }
QLabel#banner { background: #d32f2f; color: #ffffff; font-weight: 700; padding: 6px 8px; }
QLabel#title { color: #546e7a; font-weight: 600; }
QLabel#waited { color: #8d4a00; }
QLabel#items { font-size: 16px; }
QLabel#amount { font-size: 20px; font-weight: 700; }
QLabel#remark { background: #fff3e0; padding: 4px 6px; }
QLabel#error { color: #c62828; }
QPushButton { font-size: 14px; min-height: 32px; padding: 0 14px; border-radius: 4px;
              border: 1px solid #90a4ae; background: #eceff1; color: #263238; }
QPushButton#accept { background: #2e7d32; border-color: #1b5e20; color: #ffffff;
                     font-weight: 700; }
QPushButton:disabled { background: #e0e0e0; border-color: #e0e0e0; color: #9e9e9e; }
"""
_CALM = {"background": "#ffffff", "border": "3px solid #455a64"}
_HIGHLIGHTED = {"background": "#fff8f6", "border": "5px solid #d32f2f"}


class AlertCard(FloatingCard):
    """The card of one order: tail number, items, amount, remark, time since payment.

    A reminded order is highlighted with a red border and a banner. An order still waiting to
    be accepted offers Accept / Reject… / Later; a reminder about an accepted order offers OK.

    Signals:
        accept_clicked(order_id): Accept was clicked.
        reject_clicked(order_id): Reject… was clicked; the wiring asks for the reason.
        later_clicked(order_id): Later was clicked, or OK on an already accepted order.
    """

    accept_clicked = Signal(int)
    reject_clicked = Signal(int)
    later_clicked = Signal(int)

    def __init__(self, alert: Alert, now: datetime) -> None:
        super().__init__("AlertCard")
        self.setFixedWidth(CARD_WIDTH)
        self._alert = alert
        self._now = now
        self.banner = _label("banner")
        self.title = _label("title", wrap=False)
        self.waited = _label("waited", wrap=False)
        self.tail = named(QLabel(textFormat=Qt.TextFormat.RichText), "tail")
        self.items = _label("items")
        self.amount = _label("amount")
        self.remark = _label("remark")
        self.error = _label("error")
        self.accept_button = named(QPushButton(), "accept")
        self.reject_button = named(QPushButton(), "reject")
        self.later_button = named(QPushButton(), "later")
        self.ok_button = named(QPushButton(), "ok")
        self.accept_button.clicked.connect(lambda: self.accept_clicked.emit(self.order_id))
        self.reject_button.clicked.connect(lambda: self.reject_clicked.emit(self.order_id))
        self.later_button.clicked.connect(lambda: self.later_clicked.emit(self.order_id))
        self.ok_button.clicked.connect(lambda: self.later_clicked.emit(self.order_id))
        self._lay_out()
        self.error.hide()
        self.update_alert(alert, now)

    @property
    def order_id(self) -> int:
        """The order this card is about."""
        return self._alert.order_id

    @property
    def alert(self) -> Alert:
        """The alert the card shows."""
        return self._alert

    @property
    def highlighted(self) -> bool:
        """True while the card wears the reminder look (red border and banner)."""
        return self._alert.reminded

    def update_alert(self, alert: Alert, now: datetime) -> None:
        """Show ``alert``, with the time since payment as of ``now``."""
        self._alert = alert
        self._now = now
        self.retranslate()

    def update_time(self, now: datetime) -> None:
        """Refresh the time since payment."""
        self._now = now
        self.waited.setText(waited_text(self._alert.paid_at, now))

    def set_busy(self, busy: bool) -> None:
        """Disable the buttons while a request about this order runs; a new one clears errors."""
        for button in (self.accept_button, self.reject_button, self.later_button, self.ok_button):
            button.setEnabled(not busy)
        if busy:
            self.show_error("")

    def show_error(self, text: str) -> None:
        """Show why the last request failed; an empty text hides the error line."""
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.adjustSize()

    def retranslate(self) -> None:
        alert = self._alert
        translate = QCoreApplication.translate
        self.setStyleSheet(_STYLE % (_HIGHLIGHTED if alert.reminded else _CALM))
        self.banner.setVisible(alert.reminded)
        self.banner.setText(
            fill(
                translate("AlertCard", "Customer is waiting — reminder ×%1"),
                max(alert.reminder_count, 1),
            )
        )
        if alert.awaiting_acceptance:
            self.title.setText(translate("AlertCard", "New order"))
        else:
            self.title.setText(status_text(alert.status, None, refunded=False))
        self.waited.setText(waited_text(alert.paid_at, self._now))
        number = f'<span style="font-size:40px; font-weight:700;">{html.escape(alert.tail)}</span>'
        self.tail.setText(fill(html.escape(translate("AlertCard", "Order ending %1")), number))
        self.items.setText(_items_text(alert))
        self.amount.setText(format_amount(alert.amount_fen))
        self.remark.setText(fill(translate("AlertCard", "Remark: %1"), alert.remark))
        self.remark.setVisible(bool(alert.remark))
        self.accept_button.setText(translate("AlertCard", "Accept"))
        self.reject_button.setText(translate("AlertCard", "Reject…"))
        self.later_button.setText(translate("AlertCard", "Later"))
        self.ok_button.setText(translate("AlertCard", "OK"))
        for button in (self.accept_button, self.reject_button, self.later_button):
            button.setVisible(alert.awaiting_acceptance)
        self.ok_button.setVisible(not alert.awaiting_acceptance)
        self.adjustSize()

    def _lay_out(self) -> None:
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch()
        header.addWidget(self.waited)
        buttons = QHBoxLayout()
        for button in (self.accept_button, self.reject_button, self.later_button, self.ok_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 14)
        layout.setSpacing(6)
        layout.addWidget(self.banner)
        layout.addLayout(header)
        for widget in (self.tail, self.items, self.amount, self.remark, self.error):
            layout.addWidget(widget)
        layout.addSpacing(4)
        layout.addLayout(buttons)


class CardStack(QObject):
    """The alert cards on screen, one per order, in arrival order.

    The first card sits in the bottom-right corner of the primary screen's available area and
    later ones stack upward; a full column continues to its left.

    Signals (from any card):
        accept_clicked(order_id): Accept was clicked.
        reject_clicked(order_id): Reject… was clicked.
        later_clicked(order_id): Later, or OK on an already accepted order, was clicked.
    """

    accept_clicked = Signal(int)
    reject_clicked = Signal(int)
    later_clicked = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cards: dict[int, AlertCard] = {}

    def show_alerts(self, alerts: Sequence[Alert], now: datetime) -> None:
        """Create or update the cards of ``alerts`` and bring them in front of other windows."""
        for alert in alerts:
            card = self._cards.get(alert.order_id)
            if card is None:
                self._cards[alert.order_id] = self._new_card(alert, now)
            else:
                card.update_alert(alert, now)
        self._arrange()
        for alert in alerts:
            self._cards[alert.order_id].pop_up()

    def hide_cards(self, order_ids: Iterable[int]) -> None:
        """Close the cards of these orders; ids without a card are ignored."""
        for order_id in order_ids:
            card = self._cards.pop(order_id, None)
            if card is not None:
                card.hide()
                card.deleteLater()
        self._arrange()

    def order_ids(self) -> list[int]:
        """The orders that have a card, in arrival order."""
        return list(self._cards)

    def card(self, order_id: int) -> AlertCard | None:
        """The card of an order, if it has one."""
        return self._cards.get(order_id)

    def update_times(self, now: datetime) -> None:
        """Refresh every card's time since payment without bringing cards to the front."""
        for card in self._cards.values():
            card.update_time(now)

    def set_busy(self, order_id: int, busy: bool) -> None:
        """Disable or enable a card's buttons while a request about its order runs."""
        card = self._cards.get(order_id)
        if card is not None:
            card.set_busy(busy)
            self._arrange()

    def show_error(self, order_id: int, text: str) -> None:
        """Show an error line on a card (an empty text clears it)."""
        card = self._cards.get(order_id)
        if card is not None:
            card.show_error(text)
            self._arrange()

    def _new_card(self, alert: Alert, now: datetime) -> AlertCard:
        card = AlertCard(alert, now)
        card.accept_clicked.connect(self.accept_clicked)
        card.reject_clicked.connect(self.reject_clicked)
        card.later_clicked.connect(self.later_clicked)
        return card

    def _arrange(self) -> None:
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            return
        cards = list(self._cards.values())
        sizes = [card.size() for card in cards]
        for card, position in zip(
            cards, stack_positions(screen.availableGeometry(), sizes), strict=True
        ):
            card.move(position)


def stack_positions(
    area: QRect,
    sizes: Sequence[QSize],
    margin: int = SCREEN_MARGIN,
    spacing: int = CARD_SPACING,
) -> list[QPoint]:
    """Top-left corners of cards stacked upward from the bottom-right corner of ``area``.

    A card that would cross the top margin starts a new column left of the previous one.
    """
    positions = []
    column_right = area.x() + area.width() - margin
    bottom = area.y() + area.height() - margin
    y = bottom
    column_width = 0
    for size in sizes:
        if column_width and y - size.height() < area.y() + margin:
            column_right -= column_width + spacing
            y = bottom
            column_width = 0
        y -= size.height()
        positions.append(QPoint(column_right - size.width(), y))
        y -= spacing
        column_width = max(column_width, size.width())
    return positions


def _label(name: str, wrap: bool = True) -> QLabel:
    # Plain text: item names and remarks come from customers and must never render as HTML.
    label = named(QLabel(textFormat=Qt.TextFormat.PlainText), name)
    label.setWordWrap(wrap)
    return label


def _items_text(alert: Alert) -> str:
    lines = [item_line(line) for line in alert.items[:MAX_ITEM_LINES]]
    hidden = len(alert.items) - MAX_ITEM_LINES
    if hidden > 0:
        lines.append(fill(QCoreApplication.translate("AlertCard", "… and %1 more"), hidden))
    return "\n".join(lines)
