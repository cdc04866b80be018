"""The compact card on top of the stack that stands for the orders without a card of their own."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from desktop.core.display import display_text
from desktop.core.marks import fill
from desktop.ui.card import CARD_WIDTH
from desktop.ui.floating import FloatingCard
from desktop.ui.naming import named
from desktop.ui.textfit import fit_line

OVERFLOW_HEIGHT = 80
_MARGINS = (14, 8, 10, 8)
_SPACING = 6

_STYLE = """
#OverflowCard { background: #fffde7; border: 3px solid #f9a825; }
QLabel { color: #263238; }
QLabel#count { font-size: 16px; font-weight: 700; }
QLabel#tails { font-size: 12px; color: #546e7a; }
QPushButton { font-size: 14px; min-height: 32px; padding: 0 12px; border-radius: 4px;
              border: 1px solid #f9a825; background: #fff8e1; color: #263238; font-weight: 600; }
"""


class OverflowCard(FloatingCard):
    """ "还有 N 单待接 → 打开订单": the orders waiting beyond the full cards, by tail number.

    Fixed size (the stack keeps room for it), always on top like the order cards.

    Signals:
        open_orders_clicked(): the button was clicked; the wiring shows the Orders window.
    """

    open_orders_clicked = Signal()

    def __init__(self) -> None:
        super().__init__("OverflowCard")
        self.setFixedSize(CARD_WIDTH, OVERFLOW_HEIGHT)
        self.setStyleSheet(_STYLE)
        self._tails: list[str] = []
        self.count = named(QLabel(textFormat=Qt.TextFormat.PlainText), "count")
        self.tails = named(QLabel(textFormat=Qt.TextFormat.PlainText), "tails")
        self.open_button = named(QPushButton(), "open_orders")
        self.open_button.clicked.connect(self.open_orders_clicked)
        row = QHBoxLayout()
        row.setSpacing(_SPACING)
        row.addWidget(self.tails, 1)
        row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(*_MARGINS)
        layout.setSpacing(_SPACING)
        layout.addWidget(self.count)
        layout.addLayout(row)
        self.retranslate()

    def set_orders(self, tails: Sequence[str]) -> None:
        """Stand for the orders with these tail numbers, most urgent first."""
        self._tails = [display_text(tail, 16)[0] for tail in tails]
        self.retranslate()

    def order_count(self) -> int:
        """How many orders the card stands for."""
        return len(self._tails)

    def retranslate(self) -> None:
        translate = QCoreApplication.translate
        self.open_button.setText(translate("OverflowCard", "Open orders →"))
        self.ensurePolished()
        for label in (self.count, self.tails):
            label.ensurePolished()
        width = self.contentsRect().width() - _MARGINS[0] - _MARGINS[2]
        count = fill(translate("OverflowCard", "%1 more orders waiting"), len(self._tails))
        self.count.setText(fit_line(count, self.count.font(), width))
        beside_button = width - self.open_button.sizeHint().width() - _SPACING
        tails = fill(translate("OverflowCard", "Ending %1"), " · ".join(self._tails))
        self.tails.setText(fit_line(tails, self.tails.font(), beside_button))
