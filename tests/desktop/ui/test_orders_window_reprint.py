"""OrdersWindow: Print ticket on any of today's orders asks for its ticket."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from desktop.ui.orders_window import OrdersWindow
from orderbell_protocol import OrderStatus


def window_with(qtbot: Any) -> OrdersWindow:
    widget = OrdersWindow()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_print_ticket_on_a_handled_order_asks_for_its_ticket(qtbot: Any, make_row: Any) -> None:
    """The handled row's Print ticket emits reprint_requested with its order id."""
    window = window_with(qtbot)
    window.set_handled([make_row(order_id=9, status=OrderStatus.CONFIRMED)])
    button = window.handled_table.findChild(QPushButton, "print_9")
    assert button is not None
    assert button.text() == "Print ticket"
    with qtbot.waitSignal(window.reprint_requested) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert blocker.args == [9]


def test_print_ticket_on_a_waiting_order_asks_for_its_ticket(qtbot: Any, make_row: Any) -> None:
    """A waiting order can be printed before it is accepted."""
    window = window_with(qtbot)
    window.set_waiting([make_row(order_id=7)])
    button = window.waiting_table.findChild(QPushButton, "print_7")
    assert button is not None
    with qtbot.waitSignal(window.reprint_requested) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert blocker.args == [7]
