"""The orders window: orders waiting to be accepted, and the ones handled today."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal, SignalInstance
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.display import NAME_DISPLAY_CHARS, display_text, one_line
from desktop.core.marks import Message, fill
from desktop.core.phrasing import format_amount
from desktop.net.stats import TodayFigures
from desktop.ui.icons import app_icon
from desktop.ui.naming import named
from desktop.ui.order_details import OrderDetails
from desktop.ui.rows import OrderRow
from desktop.ui.texts import (
    clock_text,
    item_line,
    plain_tooltip,
    status_text,
    today_text,
    translated,
)
from orderbell_protocol import OrderLine

_ORDER, _PAID, _ITEMS, _AMOUNT, _REMARK, _REMINDERS, _ACTIONS = range(7)
_STATUS, _TIME = 1, 2
_REMINDED = QColor("#c62828")
# Table cells and tooltips show bounded excerpts; double-clicking a row shows the whole order.
CELL_CHARS = 200
TOOLTIP_LINES = 30


class OrdersWindow(QWidget):
    """Waiting orders, each with Accept and Reject…, above today's handled orders.

    Customer text is shown as plain text, cut to a bounded excerpt in cells and tooltips;
    double-clicking an order shows all of it (:class:`OrderDetails`).

    Signals:
        accept_requested(order_id): Accept was clicked in a waiting order's row.
        reject_requested(order_id): Reject… was clicked; the wiring asks for the reason.
        refresh_requested(): Refresh was clicked.
        reprint_requested(order_id): Print ticket was clicked in any row (waiting or handled).
    """

    accept_requested = Signal(int)
    reject_requested = Signal(int)
    refresh_requested = Signal()
    reprint_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("OrdersWindow")
        self.setWindowIcon(app_icon())
        self._waiting: list[OrderRow] = []
        self._handled: list[OrderRow] = []
        self._busy: set[int] = set()
        self._error: Message | str = ""
        self.status_label = named(QLabel(textFormat=Qt.TextFormat.PlainText), "status")
        self._today: TodayFigures | None = None
        self.today_label = named(QLabel(textFormat=Qt.TextFormat.PlainText), "today")
        self.today_label.hide()
        self.counters_label = named(QLabel(textFormat=Qt.TextFormat.PlainText), "counters")
        self.counters_label.hide()
        self._counters: int | None = None
        self.error_label = named(QLabel(textFormat=Qt.TextFormat.PlainText), "error")
        self.error_label.setStyleSheet("color: #c62828;")
        self.error_label.hide()
        self.refresh_button = named(QPushButton(), "refresh")
        self.refresh_button.clicked.connect(self.refresh_requested)
        self.waiting_heading = _heading()
        self.waiting_empty = named(QLabel(), "waiting_empty")
        self.waiting_table = _table(7, stretch=(_ITEMS, _REMARK))
        self.handled_heading = _heading()
        self.handled_empty = named(QLabel(), "handled_empty")
        self.handled_table = _table(5, stretch=(_STATUS,))
        self.details = OrderDetails(self)
        self.waiting_table.cellDoubleClicked.connect(
            lambda row, _: self._details(self._waiting, row)
        )
        self.handled_table.cellDoubleClicked.connect(
            lambda row, _: self._details(self._handled, row)
        )
        self._lay_out()
        self.resize(900, 600)
        self.retranslate()

    def set_waiting(self, rows: Sequence[OrderRow]) -> None:
        """List these orders as waiting to be accepted, oldest first as given."""
        self._waiting = list(rows)
        self._busy &= {row.order_id for row in rows}
        self._fill_waiting()

    def set_handled(self, rows: Sequence[OrderRow]) -> None:
        """List these orders as handled today, as given."""
        self._handled = list(rows)
        self._fill_handled()

    def set_today(self, figures: TodayFigures | None) -> None:
        """Show today's figures of the shop (None hides the line)."""
        self._today = figures
        self._fill_today()

    def set_status_text(self, text: str) -> None:
        """Show the link state, e.g. "Connected" or "Disconnected since 14:02"."""
        self.status_label.setText(text)

    def set_counters_online(self, count: int | None) -> None:
        """Show how many counters of the shop are connected; None (unknown) hides the line."""
        self._counters = count
        self._fill_counters()

    def set_busy(self, order_id: int, busy: bool) -> None:
        """Disable a waiting order's buttons while a request about it runs."""
        if busy:
            self._busy.add(order_id)
        else:
            self._busy.discard(order_id)
        for button in self._row_buttons(order_id):
            button.setEnabled(not busy)

    def show_error(self, text: Message | str) -> None:
        """Show why the last request failed (translated); an empty text hides the error line."""
        self._error = text
        self.error_label.setText(translated(text))
        self.error_label.setVisible(bool(self.error_label.text()))

    def bring_to_front(self) -> None:
        """Show the window, restored and active (staff asked for it)."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    def retranslate(self) -> None:
        """Set every translatable text again in the current language."""
        translate = QCoreApplication.translate
        self.setWindowTitle(translate("OrdersWindow", "OrderBell — Orders"))
        self.refresh_button.setText(translate("OrdersWindow", "Refresh"))
        self._fill_counters()
        self.waiting_empty.setText(translate("OrdersWindow", "No orders are waiting."))
        self.handled_empty.setText(translate("OrdersWindow", "No orders handled today yet."))
        self.waiting_table.setHorizontalHeaderLabels(
            [
                translate("OrdersWindow", "Order"),
                translate("OrdersWindow", "Paid at"),
                translate("OrdersWindow", "Items"),
                translate("OrdersWindow", "Amount"),
                translate("OrdersWindow", "Remark"),
                translate("OrdersWindow", "Reminders"),
                "",
            ]
        )
        self.handled_table.setHorizontalHeaderLabels(
            [
                translate("OrdersWindow", "Order"),
                translate("OrdersWindow", "Status"),
                translate("OrdersWindow", "Time"),
                translate("OrdersWindow", "Amount"),
                "",
            ]
        )
        self.error_label.setText(translated(self._error))
        self._fill_waiting()
        self._fill_handled()
        self._fill_today()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.status_label, 1)
        top.addWidget(self.counters_label)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.today_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.waiting_heading)
        layout.addWidget(self.waiting_empty)
        layout.addWidget(self.waiting_table, 3)
        layout.addWidget(self.handled_heading)
        layout.addWidget(self.handled_empty)
        layout.addWidget(self.handled_table, 2)

    def _fill_today(self) -> None:
        figures = self._today
        self.today_label.setText("" if figures is None else today_text(figures))
        self.today_label.setVisible(figures is not None)

    def _fill_counters(self) -> None:
        if self._counters is None:
            self.counters_label.hide()
            return
        template = QCoreApplication.translate("OrdersWindow", "Counters online in this shop: %1")
        self.counters_label.setText(fill(template, self._counters))
        self.counters_label.show()

    def _fill_waiting(self) -> None:
        translate = QCoreApplication.translate
        rows = self._waiting
        self.waiting_heading.setText(
            fill(translate("OrdersWindow", "Waiting to be accepted (%1)"), len(rows))
        )
        table = self.waiting_table
        table.setRowCount(0)
        table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            reminders = f"×{row.reminder_count}" if row.reminder_count else ""
            cells = {
                _ORDER: _called(row),
                _PAID: clock_text(row.paid_at),
                _ITEMS: _excerpt(", ".join(_item_lines(row.items, CELL_CHARS))),
                _AMOUNT: format_amount(row.amount_fen),
                _REMARK: _excerpt(row.remark),
                _REMINDERS: reminders,
            }
            items = {column: _cell(text, bold=column == _ORDER) for column, text in cells.items()}
            items[_ITEMS].setToolTip(_items_tooltip(row.items))
            if row.remark:
                items[_REMARK].setToolTip(_remark_tooltip(row.remark))
            if row.reminder_count:
                for column in (_ORDER, _REMINDERS):
                    items[column].setForeground(QBrush(_REMINDED))
            for column, item in items.items():
                table.setItem(index, column, item)
            table.setCellWidget(index, _ACTIONS, self._actions(row.order_id))
        table.resizeRowsToContents()
        table.setVisible(bool(rows))
        self.waiting_empty.setVisible(not rows)

    def _fill_handled(self) -> None:
        translate = QCoreApplication.translate
        rows = self._handled
        self.handled_heading.setText(
            fill(translate("OrdersWindow", "Handled today (%1)"), len(rows))
        )
        table = self.handled_table
        table.setRowCount(0)
        table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            status = _cell(
                status_text(row.status, row.rejected_reason, row.refunded, row.refunded_fen)
            )
            if row.rejected_reason:
                # The label may be translated; the tooltip shows what the customer was told.
                status.setToolTip(plain_tooltip(_excerpt(row.rejected_reason)))
            table.setItem(index, 0, _cell(_called(row), bold=True))
            table.setItem(index, _STATUS, status)
            table.setItem(index, _TIME, _cell(clock_text(row.handled_at)))
            table.setItem(index, 3, _cell(format_amount(row.amount_fen)))
            table.setCellWidget(index, 4, self._reprint_button(row.order_id))
        table.setVisible(bool(rows))
        self.handled_empty.setVisible(not rows)

    def _details(self, rows: Sequence[OrderRow], index: int) -> None:
        if 0 <= index < len(rows):
            self.details.show_order(rows[index])

    def _actions(self, order_id: int) -> QWidget:
        translate = QCoreApplication.translate
        accept = named(QPushButton(translate("OrdersWindow", "Accept")), f"accept_{order_id}")
        reject = named(QPushButton(translate("OrdersWindow", "Reject…")), f"reject_{order_id}")
        accept.clicked.connect(_emitter(self.accept_requested, order_id))
        reject.clicked.connect(_emitter(self.reject_requested, order_id))
        cell = named(QWidget(), f"actions_{order_id}")
        layout = QHBoxLayout(cell)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(accept)
        layout.addWidget(reject)
        layout.addWidget(self._reprint_button(order_id))
        for button in (accept, reject):
            button.setEnabled(order_id not in self._busy)
        return cell

    def _reprint_button(self, order_id: int) -> QPushButton:
        translate = QCoreApplication.translate
        button = named(QPushButton(translate("OrdersWindow", "Print ticket")), f"print_{order_id}")
        button.clicked.connect(_emitter(self.reprint_requested, order_id))
        return button

    def _row_buttons(self, order_id: int) -> list[QPushButton]:
        names = (f"accept_{order_id}", f"reject_{order_id}")
        return [
            button
            for name in names
            if (button := self.waiting_table.findChild(QPushButton, name)) is not None
        ]


def _emitter(signal: SignalInstance, order_id: int) -> Callable[[], None]:
    def emit() -> None:
        signal.emit(order_id)

    return emit


def _called(row: OrderRow) -> str:
    """What staff call the order: its number of the day and its tail ("12号 · 1354")."""
    if row.day_seq is None:
        return row.tail
    return fill(QCoreApplication.translate("OrdersWindow", "#%1 · %2"), row.day_seq, row.tail)


def _excerpt(text: str) -> str:
    """One line of at most :data:`CELL_CHARS` characters, "…" when shortened."""
    shown, cut = one_line(text, CELL_CHARS)
    return shown + "…" if cut else shown


def _item_lines(items: Sequence[OrderLine], count: int) -> list[str]:
    return [
        item_line(OrderLine(one_line(item.name, NAME_DISPLAY_CHARS)[0], item.quantity))
        for item in items[:count]
    ]


def _items_tooltip(items: Sequence[OrderLine]) -> str:
    lines = _item_lines(items, TOOLTIP_LINES)
    hidden = len(items) - len(lines)
    if hidden > 0:
        lines.append(fill(QCoreApplication.translate("AlertCard", "… and %1 more"), hidden))
    return plain_tooltip("\n".join(lines))


def _remark_tooltip(remark: str) -> str:
    shown, cut = display_text(remark, CELL_CHARS * 5)
    lines = shown.split("\n")[:TOOLTIP_LINES]
    if cut or len(lines) < len(shown.split("\n")):
        hint = QCoreApplication.translate("OrdersWindow", "Double-click the order to read it all.")
        lines += ["…", hint]
    return plain_tooltip("\n".join(lines))


def _heading() -> QLabel:
    label = QLabel(textFormat=Qt.TextFormat.PlainText)
    font = QFont(label.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.2)
    label.setFont(font)
    return label


def _table(columns: int, stretch: tuple[int, ...]) -> QTableWidget:
    table = QTableWidget(0, columns)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    for column in stretch:
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    return table


def _cell(text: str, bold: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if bold:
        font = item.font()
        font.setBold(True)
        item.setFont(font)
    return item
