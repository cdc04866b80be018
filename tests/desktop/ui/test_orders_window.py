"""OrdersWindow: waiting orders with their buttons, today's handled orders, the link state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtGui
from PySide6.QtCore import QCoreApplication, Qt, QTranslator
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QPushButton, QTableWidget, QWidget

from desktop.core.display import DETAIL_LINES
from desktop.i18n import install_translator
from desktop.net.stats import TodayFigures
from desktop.resources import resource_path
from desktop.ui.orders_window import OrdersWindow
from orderbell_protocol import OrderLine, OrderStatus

ITEMS_COLUMN, REMARK_COLUMN, REMINDERS_COLUMN = 2, 4, 5


@pytest.fixture
def window(qtbot: Any) -> OrdersWindow:
    widget = OrdersWindow()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def row_texts(table: QTableWidget, row: int, columns: int) -> list[str]:
    texts = []
    for column in range(columns):
        item = table.item(row, column)
        texts.append("" if item is None else item.text())
    return texts


def button(window: OrdersWindow, name: str) -> QPushButton:
    found = window.findChild(QPushButton, name)
    assert found is not None
    return found


def test_waiting_rows_fill_the_table(window: OrdersWindow, make_row: Any) -> None:
    """Each waiting order shows tail, time paid, items, amount, remark and reminders."""
    window.set_waiting([make_row(reminder_count=2), make_row(order_id=8, remark="")])
    table = window.waiting_table
    paid = make_row().paid_at.astimezone().strftime("%H:%M")
    assert table.rowCount() == 2
    assert row_texts(table, 0, 6) == [
        "1234",
        paid,
        "宫保鸡丁 ×1, 米饭 ×2",
        "¥66.00",
        "不要辣",
        "×2",
    ]
    assert row_texts(table, 1, 6)[4:] == ["", ""]


def test_waiting_heading_counts_orders(window: OrdersWindow, make_row: Any) -> None:
    """The section heading says how many orders wait."""
    window.set_waiting([make_row(), make_row(order_id=8)])
    assert window.waiting_heading.text() == "Waiting to be accepted (2)"


def test_reminded_row_is_red(window: OrdersWindow, make_row: Any) -> None:
    """A hurried order's reminder count stands out."""
    window.set_waiting([make_row(reminder_count=1)])
    item = window.waiting_table.item(0, REMINDERS_COLUMN)
    assert item.foreground().color().name() == "#c62828"


def rendered(tooltip: str) -> QTextDocument:
    """The tooltip as Qt shows it: as HTML when it looks like markup, else as plain text."""
    document = QTextDocument()
    if QtGui.Qt.mightBeRichText(tooltip):
        document.setHtml(tooltip)
    else:
        document.setPlainText(tooltip)
    return document


def test_items_tooltip_lists_each_line(window: OrdersWindow, make_row: Any) -> None:
    """A long item summary can be read line by line in its tooltip."""
    window.set_waiting([make_row(items=(OrderLine("面", 1), OrderLine("汤", 3)))])
    tooltip = window.waiting_table.item(0, ITEMS_COLUMN).toolTip()
    assert rendered(tooltip).toPlainText() == "面 ×1\n汤 ×3"


HOSTILE = '<img src="x.png"> <a href="https://evil.example">click</a> <font size=7>BIG</font>'


@pytest.mark.parametrize("column", [ITEMS_COLUMN, REMARK_COLUMN])
def test_customer_markup_in_tooltips_shows_as_typed(
    window: OrdersWindow, make_row: Any, column: int
) -> None:
    """Markup in an item name or a remark is shown as typed: no image, link or font size."""
    window.set_waiting([make_row(items=(OrderLine(HOSTILE, 1),), remark=HOSTILE)])
    document = rendered(window.waiting_table.item(0, column).toolTip())
    assert HOSTILE in document.toPlainText()
    formats = []
    block = document.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            formats.append(fragments.fragment().charFormat())
            fragments += 1
        block = block.next()
    assert not any(f.isImageFormat() or f.isAnchor() for f in formats)
    assert len({f.fontPointSize() for f in formats}) == 1


def test_huge_remark_gives_a_bounded_cell_and_tooltip(window: OrdersWindow, make_row: Any) -> None:
    """A 600,000-character remark: the cell and tooltip hold an excerpt, not the remark."""
    window.set_waiting([make_row(remark="很长的备注" * 120_000)])
    item = window.waiting_table.item(0, REMARK_COLUMN)
    assert len(item.text()) <= 201
    assert item.text().endswith("…")
    assert len(item.toolTip()) < 5_000
    assert "Double-click the order to read it all." in rendered(item.toolTip()).toPlainText()


def test_double_click_shows_the_whole_order(
    qtbot: Any, window: OrdersWindow, make_row: Any
) -> None:
    """The order's details, remark included, are one double-click away."""
    remark = "很长的备注" * 120
    window.set_waiting([make_row(remark=remark)])
    table = window.waiting_table
    cell = table.visualItemRect(table.item(0, REMARK_COLUMN)).center()
    # A double click is a press, a release and then the double-click event, as from a mouse.
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert window.details.isVisible()
    assert remark.replace("\n", "") in window.details.text.toPlainText().replace("\n", "")


def test_remark_of_many_lines_shows_its_start_and_copies_whole(
    qapp: Any, window: OrdersWindow, make_row: Any
) -> None:
    """100,000 lines: the view holds a bounded start, says so, and copies the whole remark."""
    remark = "\n".join(f"第{i}行" for i in range(100_000))
    row = make_row(remark=remark)
    window.set_waiting([row])
    window.details.show_order(row)
    details = window.details
    assert details.text.document().blockCount() < DETAIL_LINES + 20
    assert "第1999行" in details.text.toPlainText()
    assert "第2000行" not in details.text.toPlainText()
    assert details.cut_note.isVisible()
    assert "2000" in details.cut_note.text()
    details.copy_button.click()
    assert qapp.clipboard().text() == remark


def test_short_remark_offers_no_copy(window: OrdersWindow, make_row: Any) -> None:
    """A remark shown whole has no note and no copy button."""
    row = make_row(remark="少辣")
    window.details.show_order(row)
    assert not window.details.cut_note.isVisible()
    assert not window.details.copy_button.isVisible()


def test_details_lead_with_the_number_of_the_day(window: OrdersWindow, make_row: Any) -> None:
    """The details name the order as card, voice and ticket do: its number of the day first."""
    window.details.show_order(make_row(day_seq=12))
    assert window.details.windowTitle() == "Order #12 · ending 1234"
    assert window.details.text.toPlainText().splitlines()[0] == "Number of the day: #12"


def test_details_give_the_number_of_the_day_in_chinese(window: OrdersWindow, make_row: Any) -> None:
    """In Chinese the details read "12号订单 · 尾号 1234" and "今日单号：12号"."""
    translator = QTranslator()
    assert translator.load(str(resource_path("translations", "orderbell_zh.qm")))
    QCoreApplication.installTranslator(translator)
    try:
        window.details.show_order(make_row(day_seq=12))
        title = window.details.windowTitle()
        first = window.details.text.toPlainText().splitlines()[0]
    finally:
        QCoreApplication.removeTranslator(translator)
    assert (title, first) == ("12号订单 · 尾号 1234", "今日单号：12号")


def test_details_of_an_unnumbered_order_name_its_tail(window: OrdersWindow, make_row: Any) -> None:
    """A server without daily numbers: the title names the tail, no number line."""
    window.details.show_order(make_row())
    assert window.details.windowTitle() == "Order ending 1234"
    assert "Number of the day" not in window.details.text.toPlainText()


@pytest.mark.parametrize(
    "paid_at",
    [
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=8))),
        datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-8))),
    ],
    ids=["year 1", "year 9999"],
)
def test_payment_times_at_the_ends_of_the_calendar(
    window: OrdersWindow, make_row: Any, paid_at: datetime
) -> None:
    """A paidAt in year 1 or 9999 lists the order instead of raising."""
    window.set_waiting([make_row(paid_at=paid_at)])
    window.set_handled([make_row(order_id=8, status=OrderStatus.CONFIRMED, handled_at=paid_at)])
    assert window.waiting_table.item(0, 1).text() == paid_at.strftime("%H:%M")
    assert window.handled_table.rowCount() == 1


@pytest.mark.parametrize(
    ("name", "signal"), [("accept", "accept_requested"), ("reject", "reject_requested")]
)
def test_row_button_emits_order_id(
    qtbot: Any, window: OrdersWindow, make_row: Any, name: str, signal: str
) -> None:
    """Accept and Reject… in a row send that row's order id."""
    window.set_waiting([make_row(), make_row(order_id=8)])
    with qtbot.waitSignal(getattr(window, signal), timeout=1000) as blocker:
        qtbot.mouseClick(button(window, f"{name}_8"), Qt.MouseButton.LeftButton)
    assert blocker.args == [8]


def test_refresh_button(qtbot: Any, window: OrdersWindow) -> None:
    """Refresh asks the wiring to reload the lists."""
    with qtbot.waitSignal(window.refresh_requested, timeout=1000):
        qtbot.mouseClick(window.refresh_button, Qt.MouseButton.LeftButton)


def test_no_waiting_orders_says_so(window: OrdersWindow, make_row: Any) -> None:
    """An empty list is replaced by a sentence."""
    window.set_waiting([make_row()])
    window.set_waiting([])
    assert window.waiting_empty.isVisible()
    assert not window.waiting_table.isVisible()
    assert window.waiting_table.rowCount() == 0


def test_set_busy_disables_row_buttons(window: OrdersWindow, make_row: Any) -> None:
    """While a request about an order runs, its row cannot be clicked again."""
    window.set_waiting([make_row(), make_row(order_id=8)])
    window.set_busy(7, True)
    assert not button(window, "accept_7").isEnabled()
    assert not button(window, "reject_7").isEnabled()
    assert button(window, "accept_8").isEnabled()


def test_busy_survives_a_refill(window: OrdersWindow, make_row: Any) -> None:
    """Refreshing the list keeps the order in flight disabled."""
    window.set_waiting([make_row()])
    window.set_busy(7, True)
    window.set_waiting([make_row()])
    assert not button(window, "accept_7").isEnabled()


def test_not_busy_enables_row_buttons(window: OrdersWindow, make_row: Any) -> None:
    """The buttons come back when the request ends."""
    window.set_waiting([make_row()])
    window.set_busy(7, True)
    window.set_busy(7, False)
    assert button(window, "accept_7").isEnabled()


def test_handled_rows_show_status_and_time(window: OrdersWindow, make_row: Any) -> None:
    """Handled orders say what became of them and when."""
    handled_at = make_row().paid_at + timedelta(minutes=2)
    window.set_handled(
        [
            make_row(status=OrderStatus.CONFIRMED, handled_at=handled_at),
            make_row(
                order_id=8,
                status=OrderStatus.CANCELLED,
                rejected_reason="菜品已销售完，暂时无法接单",
                refunded=True,
            ),
            make_row(order_id=9, status=OrderStatus.CANCELLED, refunded=True),
        ]
    )
    table = window.handled_table
    assert row_texts(table, 0, 3) == ["1234", "Accepted", handled_at.astimezone().strftime("%H:%M")]
    assert table.item(1, 1).text() == "Rejected: Dishes sold out"
    assert table.item(2, 1).text() == "Cancelled, refunded"


def test_rejected_row_tooltip_shows_the_reason_sent(window: OrdersWindow, make_row: Any) -> None:
    """The exact text the customer was given is one hover away."""
    reason = "菜品已销售完，暂时无法接单"
    window.set_handled([make_row(status=OrderStatus.CANCELLED, rejected_reason=reason)])
    assert rendered(window.handled_table.item(0, 1).toolTip()).toPlainText() == reason


def test_status_text(window: OrdersWindow) -> None:
    """The link state is shown at the top."""
    window.set_status_text("Disconnected since 14:02")
    assert window.status_label.text() == "Disconnected since 14:02"


def test_show_error(window: OrdersWindow) -> None:
    """A failed request is explained until cleared."""
    window.show_error("Server unreachable")
    assert window.error_label.isVisible()
    window.show_error("")
    assert not window.error_label.isVisible()


def test_bring_to_front_restores_a_minimized_window(qtbot: Any, window: OrdersWindow) -> None:
    """Asking for the window shows it even after it was minimized."""
    window.showMinimized()
    window.bring_to_front()
    assert window.isVisible()
    assert not window.isMinimized()


def test_window_renders_to_a_picture(
    window: OrdersWindow,
    make_row: Any,
    count_colors: Callable[[QWidget], int],
    tmp_path: Path,
) -> None:
    """The window paints its tables and buttons, not a blank rectangle."""
    window.set_waiting([make_row(reminder_count=1), make_row(order_id=8)])
    window.set_handled([make_row(order_id=5, status=OrderStatus.CONFIRMED)])
    path = tmp_path / "orders.png"
    assert window.grab().save(str(path))
    assert path.stat().st_size > 0
    assert count_colors(window) > 20


def test_todays_line_reads_as_the_owner_expects_in_chinese(window: OrdersWindow) -> None:
    """In Chinese, the line reads "今日 42 单 · 接单中位 38 秒 · 催单 3 · 超 5 分钟 1"."""
    translator = QTranslator()
    assert translator.load(str(resource_path("translations", "orderbell_zh.qm")))
    QCoreApplication.installTranslator(translator)
    try:
        window.set_today(
            TodayFigures(paid=42, accept_median_s=38, reminders=3, waited_over_5_min=1)
        )
        shown = window.today_label.text()
    finally:
        QCoreApplication.removeTranslator(translator)
    assert shown == "今日 42 单 · 接单中位 38 秒 · 催单 3 · 超 5 分钟 1"
    assert window.today_label.isVisible()


def test_todays_line_before_any_acceptance_says_none_yet(window: OrdersWindow) -> None:
    """No order accepted yet today: the median is "none yet", not 0 s."""
    window.set_today(TodayFigures(paid=2, accept_median_s=None, reminders=0, waited_over_5_min=0))
    assert window.today_label.text() == (
        "Today 2 orders · median time to accept none yet · reminders 0 · over 5 min 0"
    )


def test_without_figures_the_line_is_hidden(window: OrdersWindow) -> None:
    """A server without statistics: no line at all."""
    window.set_today(TodayFigures(paid=1, accept_median_s=5, reminders=0, waited_over_5_min=0))
    window.set_today(None)
    assert not window.today_label.isVisible()


def test_numbered_orders_are_called_by_their_number(window: OrdersWindow, make_row: Any) -> None:
    """A numbered order's Order cell leads with its number of the day, its tail after it."""
    window.set_waiting([make_row(day_seq=12)])
    window.set_handled([make_row(order_id=8, status=OrderStatus.CONFIRMED, day_seq=3)])
    assert window.waiting_table.item(0, 0).text() == "#12 · 1234"
    assert window.handled_table.item(0, 0).text() == "#3 · 0008"


def test_the_count_of_connected_counters_reads_in_chinese(
    qtbot: Any, qapp: Any, window: OrdersWindow
) -> None:
    """Two counters connected: "Counters online in this shop: 2", in Chinese 本店在线收银台：2."""
    window.set_counters_online(2)
    assert window.counters_label.isVisible()
    assert window.counters_label.text() == "Counters online in this shop: 2"
    install_translator(qapp, "zh")
    try:
        qtbot.waitUntil(lambda: window.counters_label.text() == "本店在线收银台：2", timeout=1000)
    finally:
        install_translator(qapp, "en")


def test_an_unknown_count_hides_the_line(window: OrdersWindow) -> None:
    """A server that cannot tell (None) shows no count at all."""
    window.set_counters_online(1)
    window.set_counters_online(None)
    assert not window.counters_label.isVisible()
