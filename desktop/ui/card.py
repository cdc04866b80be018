"""The alert card of one order: always on top, and as tall as its text, never clipping a line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.core.cards import Alert
from desktop.core.display import (
    ADDRESS_DISPLAY_CHARS,
    NAME_DISPLAY_CHARS,
    REMARK_DISPLAY_CHARS,
    display_text,
)
from desktop.core.marks import Message, fill
from desktop.core.phrasing import format_amount
from desktop.core.urgency import Urgency, urgency, waited_since
from desktop.ui.floating import FloatingCard
from desktop.ui.naming import named
from desktop.ui.textfit import fit_line, fit_lines
from desktop.ui.texts import status_text, translated, waited_text

CARD_WIDTH = 360
MARGINS = (14, 12, 14, 14)
LINE_SPACING = 6
REMARK_PADDING = (6, 4, 6, 4)
ERROR_LINES = 3
BANNER_LINES = 2
# The tail's caption keeps at least this much room beside a long number of the day.
CAPTION_MIN_WIDTH = 40
ITEM_LINES_PER_DISH = 2


@dataclass(frozen=True, slots=True)
class Budget:
    """How many lines the order lines, the remark and the address may take on a card."""

    item_lines: int
    remark_lines: int
    address_lines: int = 1


# Tried in turn until the card fits the height it is given; the first is the normal card.
BUDGETS = (
    Budget(10, 4, 3),
    Budget(6, 3, 2),
    Budget(4, 2, 1),
    Budget(2, 1, 1),
    Budget(1, 1, 1),
)

_STYLE = """
#AlertCard { background: %(background)s; border: %(border)s; }
QLabel { font-size: 14px; color: #263238; }
QLabel#banner { background: #d32f2f; color: #ffffff; font-weight: 700; }
QLabel#title { color: #546e7a; font-weight: 600; }
QLabel#waited { color: %(waited)s; font-weight: %(waited_weight)s; }
QLabel#tail_caption { color: #546e7a; }
QLabel#tail { font-size: 40px; font-weight: 700; }
QLabel#day_seq { font-size: 40px; font-weight: 700; color: #d32f2f; }
QLabel#phone, QLabel#address { color: #37474f; }
QLabel#reply { color: #1b5e20; font-weight: 600; }
QLabel#items { font-size: 16px; }
QLabel#amount { font-size: 20px; font-weight: 700; }
QLabel#remark { background: #fff3e0; }
QLabel#remark_note { color: #6d4c41; font-size: 12px; }
QLabel#error { color: #c62828; }
QPushButton { font-size: 14px; min-height: 32px; padding: 0 14px; border-radius: 4px;
              border: 1px solid #90a4ae; background: #eceff1; color: #263238; }
QPushButton#accept { background: #2e7d32; border-color: #1b5e20; color: #ffffff;
                     font-weight: 700; }
QPushButton:disabled { background: #e0e0e0; border-color: #e0e0e0; color: #9e9e9e; }
"""
# By how long a waiting order has been paid (desktop.core.urgency), then the reminder look.
_LOOKS = {
    Urgency.NORMAL: {
        "background": "#ffffff",
        "border": "3px solid #455a64",
        "waited": "#8d4a00",
        "waited_weight": "400",
    },
    Urgency.LATE: {
        "background": "#fffbeb",
        "border": "4px solid #f9a825",
        "waited": "#8d4a00",
        "waited_weight": "700",
    },
    Urgency.OVERDUE: {
        "background": "#fbe9e7",
        "border": "5px solid #ef6c00",
        "waited": "#bf360c",
        "waited_weight": "700",
    },
}
_HIGHLIGHTED = {
    "background": "#fff8f6",
    "border": "5px solid #d32f2f",
    "waited": "#8d4a00",
    "waited_weight": "400",
}


class AlertCard(FloatingCard):
    """The card of one order: its number of the day (12号) and tail number, items, amount,
    the phone tail and the delivery address, remark, time since payment.

    A reminded order is highlighted with a red border and a banner, offers Reply… and shows
    the answer a counter gave (已回复：马上出餐). An order still waiting to be accepted takes the
    colour of its urgency by its time since payment (amber after 2 minutes, orange after 5) and
    offers Accept / Reject… / Later; a reminder about an accepted order offers OK.
    Every text is broken into lines for the card's width: the card is exactly as tall as what
    it shows, and at most as tall as :meth:`set_height_limit` allows (long order lists and
    remarks are shortened, saying so; the Orders window has the whole order).

    Signals:
        accept_clicked(order_id): Accept was clicked.
        reject_clicked(order_id): Reject… was clicked; the wiring asks for the reason.
        later_clicked(order_id): Later was clicked, or OK on an already accepted order.
        reply_clicked(order_id): Reply… was clicked on a reminded order.
    """

    accept_clicked = Signal(int)
    reject_clicked = Signal(int)
    later_clicked = Signal(int)
    reply_clicked = Signal(int)

    def __init__(self, alert: Alert, now: datetime) -> None:
        super().__init__("AlertCard")
        self.setFixedWidth(CARD_WIDTH)
        self._alert = alert
        self._now = now
        self._error: Message | str = ""
        self._height_limit: int | None = None
        self.banner = _label("banner")
        self.banner.setContentsMargins(8, 6, 8, 6)
        self.title = _label("title")
        self.waited = _label("waited")
        self.tail_caption = _label("tail_caption")
        self.tail = _label("tail")
        self.day_seq = _label("day_seq")
        self.day_seq.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
        self.phone = _label("phone")
        self.address = _label("address")
        self.items = _label("items")
        self.amount = _label("amount")
        self.remark = _label("remark")
        self.remark.setContentsMargins(*REMARK_PADDING)
        self.remark_note = _label("remark_note")
        self.error = _label("error")
        self.reply = _label("reply")
        self.reply_button = named(QPushButton(), "reply")
        self.reply_button.clicked.connect(lambda: self.reply_clicked.emit(self.order_id))
        self.accept_button = named(QPushButton(), "accept")
        self.reject_button = named(QPushButton(), "reject")
        self.later_button = named(QPushButton(), "later")
        self.ok_button = named(QPushButton(), "ok")
        self.accept_button.clicked.connect(lambda: self.accept_clicked.emit(self.order_id))
        self.reject_button.clicked.connect(lambda: self.reject_clicked.emit(self.order_id))
        self.later_button.clicked.connect(lambda: self.later_clicked.emit(self.order_id))
        self.ok_button.clicked.connect(lambda: self.later_clicked.emit(self.order_id))
        self._lay_out()
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

    @property
    def urgency(self) -> Urgency:
        """How urgent the order is by its time since payment (reminded or accepted: normal)."""
        alert = self._alert
        if alert.reminded or not alert.awaiting_acceptance:
            return Urgency.NORMAL
        return urgency(waited_since(alert.paid_at, self._now))

    def update_time(self, now: datetime) -> None:
        """Refresh the time since payment, and the colour when the order became more urgent."""
        before = self.urgency
        self._now = now
        if self.urgency != before:
            self.retranslate()
        else:
            self._fill_header()

    def set_busy(self, busy: bool) -> None:
        """Disable the buttons while a request about this order runs; a new one clears errors."""
        buttons = (self.accept_button, self.reject_button, self.later_button, self.ok_button)
        for button in (*buttons, self.reply_button):
            button.setEnabled(not busy)
        if busy:
            self.show_error("")

    def show_error(self, text: Message | str) -> None:
        """Show why the last request failed (translated); an empty text hides the error line."""
        self._error = text
        self._fill()

    def set_height_limit(self, limit: int | None) -> None:
        """Never grow taller than ``limit`` pixels (None: no limit); shortens lists to fit."""
        if limit != self._height_limit:
            self._height_limit = limit
            self._fill()

    def retranslate(self) -> None:
        alert = self._alert
        translate = QCoreApplication.translate
        self.setStyleSheet(_STYLE % (_HIGHLIGHTED if alert.reminded else _LOOKS[self.urgency]))
        self.accept_button.setText(translate("AlertCard", "Accept"))
        self.reject_button.setText(translate("AlertCard", "Reject…"))
        self.later_button.setText(translate("AlertCard", "Later"))
        self.ok_button.setText(translate("AlertCard", "OK"))
        self.reply_button.setText(translate("AlertCard", "Reply…"))
        self.reply_button.setVisible(alert.reminded)
        for button in (self.accept_button, self.reject_button, self.later_button):
            button.setVisible(alert.awaiting_acceptance)
        self.ok_button.setVisible(not alert.awaiting_acceptance)
        self._fill()

    # Filling the labels -------------------------------------------------------------------

    def _fill(self) -> None:
        """Set every text for the card's width, with the first budget that fits the limit."""
        self.ensurePolished()
        for label in self.findChildren(QLabel):
            label.ensurePolished()
        self._fill_fixed()
        for budget in BUDGETS:
            self._fill_lists(budget)
            height = self._natural_height()
            if self._height_limit is None or height <= self._height_limit:
                break
        self.setFixedHeight(height)

    def _fill_fixed(self) -> None:
        alert = self._alert
        translate = QCoreApplication.translate
        banner = fill(
            translate("AlertCard", "Customer is waiting — reminder ×%1"),
            max(alert.reminder_count, 1),
        )
        beside = self.reply_button.sizeHint().width() + LINE_SPACING
        self._set_lines(self.banner, banner, BANNER_LINES, beside)
        self.banner.setVisible(alert.reminded)
        self._fill_header()
        self._fill_number()
        phone, _ = display_text(alert.phone_tail, 16)
        phone = fill(translate("AlertCard", "Phone ending %1"), phone) if phone else ""
        self._set_lines(self.phone, phone, 1)
        self.phone.setVisible(bool(phone))
        self._set_lines(self.amount, format_amount(alert.amount_fen), 2)
        reply = alert.reminder_reply or ""
        if reply:
            reply = fill(translate("AlertCard", "Replied: %1"), display_text(reply, 200)[0])
        self._set_lines(self.reply, reply, 2)
        self.reply.setVisible(alert.reminded and bool(reply))
        error = translated(self._error)
        self._set_lines(self.error, error, ERROR_LINES)
        self.error.setVisible(bool(error))

    def _fill_number(self) -> None:
        """The number row: the caption and the tail, and on the right the number of the day,
        which staff call the order by. The tail gets room first, then the number."""
        alert = self._alert
        translate = QCoreApplication.translate
        width = self._width()
        tail, _ = display_text(alert.tail, 16)
        tail = fit_line(tail, self.tail.font(), width // 2)
        self.tail.setText(tail)
        # Between the labels (and the stretch), the layout's spacing.
        left = width - self.tail.fontMetrics().horizontalAdvance(tail) - 3 * LINE_SPACING
        day = ""
        if alert.day_seq is not None:
            day = fill(translate("AlertCard", "#%1"), alert.day_seq)
            day = fit_line(day, self.day_seq.font(), left - CAPTION_MIN_WIDTH)
            left -= self.day_seq.fontMetrics().horizontalAdvance(day)
        self.day_seq.setText(day)
        self.day_seq.setVisible(bool(day))
        caption = translate("AlertCard", "Order ending")
        self.tail_caption.setText(fit_line(caption, self.tail_caption.font(), left))

    def _fill_header(self) -> None:
        alert = self._alert
        if alert.awaiting_acceptance:
            title = QCoreApplication.translate("AlertCard", "New order")
        else:
            title = status_text(alert.status, None, refunded=False)
        width = self._width()
        waited = waited_text(alert.paid_at, self._now)
        title_width = min(self.title.fontMetrics().horizontalAdvance(title), width // 2)
        waited = fit_line(waited, self.waited.font(), width - title_width - LINE_SPACING)
        self.waited.setText(waited)
        used = self.waited.fontMetrics().horizontalAdvance(waited) + LINE_SPACING
        self.title.setText(fit_line(title, self.title.font(), width - used))

    def _fill_lists(self, budget: Budget) -> None:
        alert = self._alert
        self.items.setText("\n".join(self._item_lines(alert, budget.item_lines)))
        remark, cut = display_text(alert.remark, REMARK_DISPLAY_CHARS)
        if remark:
            text = fill(QCoreApplication.translate("AlertCard", "Remark: %1"), remark)
            cut = self._set_lines(self.remark, text, budget.remark_lines) or cut
        self.remark.setVisible(bool(remark))
        address, _ = display_text(alert.address, ADDRESS_DISPLAY_CHARS)
        if address:
            text = fill(QCoreApplication.translate("AlertCard", "Address: %1"), address)
            self._set_lines(self.address, text, budget.address_lines)
        self.address.setVisible(bool(address))
        note = QCoreApplication.translate("AlertCard", "The whole remark is in the Orders window.")
        self._set_lines(self.remark_note, note if remark and cut else "", 2)
        self.remark_note.setVisible(bool(remark) and cut)

    def _item_lines(self, alert: Alert, budget: int) -> list[str]:
        """The order lines, each on up to two lines, within ``budget`` lines in all."""
        font, width = self.items.font(), self._width()
        lines: list[str] = []
        for index, item in enumerate(alert.items):
            name, _ = display_text(item.name, NAME_DISPLAY_CHARS)
            dish, _ = fit_lines(f"{name} ×{item.quantity}", font, width, ITEM_LINES_PER_DISH)
            left = len(alert.items) - index
            room = budget - len(lines) - (1 if left > 1 else 0)
            if len(dish) > room:
                # No room for this dish (and a "more" line): count it and the rest instead.
                more = QCoreApplication.translate("AlertCard", "… and %1 more")
                lines.append(fit_line(fill(more, left), font, width))
                break
            lines.extend(dish)
        return lines

    def _width(self) -> int:
        """The width of the card's text column, inside its border and margins."""
        return self.contentsRect().width() - MARGINS[0] - MARGINS[2]

    def _set_lines(self, label: QLabel, text: str, max_lines: int, beside: int = 0) -> bool:
        """Set ``text`` broken for the label's width (the card's, less ``beside`` pixels taken
        by a widget beside it), at most ``max_lines``; True when cut."""
        margins = label.contentsMargins()
        width = self._width() - beside - margins.left() - margins.right()
        lines, cut = fit_lines(text, label.font(), width, max_lines) if text else ([], False)
        label.setText("\n".join(lines))
        return cut

    def _natural_height(self) -> int:
        # The widget's hint adds the frame (the style sheet's border) to the layout's.
        self._layout.invalidate()
        return self.sizeHint().height()

    def _lay_out(self) -> None:
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch()
        header.addWidget(self.waited)
        number = QHBoxLayout()
        number.addWidget(self.tail_caption, 0, Qt.AlignmentFlag.AlignBottom)
        number.addWidget(self.tail, 0, Qt.AlignmentFlag.AlignBottom)
        number.addStretch()
        number.addWidget(self.day_seq, 0, Qt.AlignmentFlag.AlignBottom)
        buttons = QHBoxLayout()
        for button in (self.accept_button, self.reject_button, self.later_button, self.ok_button):
            buttons.addWidget(button)
        layout = self._layout = QVBoxLayout(self)
        layout.setContentsMargins(*MARGINS)
        layout.setSpacing(LINE_SPACING)
        # The answer to the customer sits beside the banner that says they are waiting.
        banner = QHBoxLayout()
        banner.addWidget(self.banner, 1)
        banner.addWidget(self.reply_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(banner)
        layout.addLayout(header)
        layout.addLayout(number)
        widgets: Sequence[QWidget] = (
            self.items,
            self.amount,
            self.phone,
            self.address,
            self.remark,
            self.remark_note,
            self.reply,
            self.error,
        )
        for widget in widgets:
            layout.addWidget(widget)
        layout.addSpacing(4)
        layout.addLayout(buttons)


def _label(name: str) -> QLabel:
    # Plain text: item names and remarks come from customers and must never render as HTML.
    # No word wrap: texts are broken into lines here, for the label's real width.
    return named(QLabel(textFormat=Qt.TextFormat.PlainText), name)
