"""The whole of one order, remark included, however long: what cards and table cells shorten."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QGuiApplication, QTextOption
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.display import DETAIL_LINES, detail_text, whole_text
from desktop.core.marks import fill
from desktop.core.phrasing import format_amount
from desktop.ui.icons import app_icon
from desktop.ui.naming import named
from desktop.ui.rows import OrderRow
from desktop.ui.texts import clock_text, item_line, status_text
from orderbell_protocol import OrderLine


class OrderDetails(QDialog):
    """A read-only view of one order: numbers, status, times, every dish, amount, whole remark.

    Non-modal and reused: :meth:`show_order` fills it and brings it forward. The text is plain
    (customer text never renders as markup) and laid out as it scrolls into view, so a
    600,000-character remark opens at once. A remark longer than :data:`DETAIL_LINES` lines
    shows its start, says so, and offers to copy all of it to the clipboard.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("OrderDetails")
        self.setModal(False)
        self.setWindowIcon(app_icon())
        self._row: OrderRow | None = None
        self.text = named(QPlainTextEdit(readOnly=True), "details")
        self.text.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.cut_note = named(QLabel(textFormat=Qt.TextFormat.PlainText), "cut_note")
        self.cut_note.setWordWrap(True)
        self.copy_button = named(QPushButton(), "copy_remark")
        self.copy_button.clicked.connect(self.copy_remark)
        cut = QHBoxLayout()
        cut.addWidget(self.cut_note, 1)
        cut.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addLayout(cut)
        self._show_cut(False)
        self.resize(520, 480)

    def show_order(self, row: OrderRow) -> None:
        """Show ``row`` and bring the window forward."""
        self._row = row
        self.retranslate()
        self.show()
        self.raise_()
        self.activateWindow()

    def copy_remark(self) -> None:
        """Put the whole remark on the clipboard (for a remark too long to show here)."""
        clipboard = QGuiApplication.clipboard()
        if self._row is not None and clipboard is not None:
            clipboard.setText(whole_text(self._row.remark, block=max(len(self._row.remark), 1)))

    def retranslate(self) -> None:
        """Set every translatable text again in the current language."""
        translate = QCoreApplication.translate
        row = self._row
        self.copy_button.setText(translate("OrderDetails", "Copy the whole remark"))
        self.cut_note.setText(
            fill(
                translate(
                    "OrderDetails",
                    "The remark is longer than the %1 lines shown here; copy it to read it all.",
                ),
                DETAIL_LINES,
            )
        )
        if row is None:
            self.setWindowTitle(translate("OrderDetails", "Order"))
            return
        lines = []
        if row.day_seq is None:
            self.setWindowTitle(fill(translate("OrderDetails", "Order ending %1"), row.tail))
        else:
            # The number the card shows, the voice calls and the ticket prints, first.
            title = translate("OrderDetails", "Order #%1 · ending %2")
            self.setWindowTitle(fill(title, row.day_seq, row.tail))
            lines.append(fill(translate("OrderDetails", "Number of the day: #%1"), row.day_seq))
        lines += [
            fill(translate("OrderDetails", "Order number: %1"), row.number),
            fill(translate("OrderDetails", "Status: %1"), self._status(row)),
            fill(translate("OrderDetails", "Paid at: %1"), clock_text(row.paid_at)),
            fill(translate("OrderDetails", "Amount: %1"), format_amount(row.amount_fen)),
            "",
            translate("OrderDetails", "Items:"),
        ]
        lines += ["  " + item_line(OrderLine(whole_text(i.name), i.quantity)) for i in row.items]
        remark, cut = detail_text(row.remark)
        if row.remark:
            lines += ["", translate("OrderDetails", "Remark:"), remark]
        self.text.setPlainText("\n".join(lines))
        self._show_cut(cut)

    def _show_cut(self, cut: bool) -> None:
        self.cut_note.setVisible(cut)
        self.copy_button.setVisible(cut)

    @staticmethod
    def _status(row: OrderRow) -> str:
        return status_text(row.status, row.rejected_reason, row.refunded, row.refunded_fen)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
