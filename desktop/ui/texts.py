"""Short texts several widgets show about an order: waiting time, items, clock times, status."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import QCoreApplication

from desktop.ui.reject_reasons import reason_label
from orderbell_protocol import OrderLine, OrderStatus

_PLACE_MARKER = re.compile(r"%([1-9])")


def fill(template: str, *values: object) -> str:
    """Replace Qt-style place markers ``%1``..``%9`` in one pass.

    One pass matters: a customer's remark containing ``%2`` must stay as typed.
    """

    def value(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        return str(values[index]) if index < len(values) else match.group(0)

    return _PLACE_MARKER.sub(value, template)


def waited_text(paid_at: datetime | None, now: datetime) -> str:
    """How long ago the customer paid, e.g. "paid 3 min ago"; empty when unknown."""
    if paid_at is None:
        return ""
    # A PC clock slightly behind the server's gives a negative wait: say "just now".
    minutes = max(int((now - paid_at).total_seconds()), 0) // 60
    if minutes == 0:
        return QCoreApplication.translate("OrderText", "paid just now")
    if minutes < 60:
        return fill(QCoreApplication.translate("OrderText", "paid %1 min ago"), minutes)
    hours, minutes = divmod(minutes, 60)
    return fill(QCoreApplication.translate("OrderText", "paid %1 h %2 min ago"), hours, minutes)


def item_line(line: OrderLine) -> str:
    """One order line, e.g. "宫保鸡丁 ×2"."""
    return f"{line.name} ×{line.quantity}"


def items_summary(items: Sequence[OrderLine]) -> str:
    """All lines of an order on one line, for a table cell."""
    return ", ".join(item_line(line) for line in items)


def clock_text(moment: datetime | None) -> str:
    """A time of day in the PC's time zone, e.g. "14:02"; empty when unknown."""
    return "" if moment is None else moment.astimezone().strftime("%H:%M")


def status_text(status: OrderStatus, rejected_reason: str | None, refunded: bool) -> str:
    """What became of an order, in the words staff use."""
    if rejected_reason:
        return fill(
            QCoreApplication.translate("OrderText", "Rejected: %1"), reason_label(rejected_reason)
        )
    if status is OrderStatus.CANCELLED:
        if refunded:
            return QCoreApplication.translate("OrderText", "Cancelled, refunded")
        return QCoreApplication.translate("OrderText", "Cancelled")
    if status is OrderStatus.CONFIRMED:
        return QCoreApplication.translate("OrderText", "Accepted")
    if status is OrderStatus.DELIVERY_IN_PROGRESS:
        return QCoreApplication.translate("OrderText", "Out for delivery")
    if status is OrderStatus.COMPLETED:
        return QCoreApplication.translate("OrderText", "Completed")
    if status is OrderStatus.TO_BE_CONFIRMED:
        return QCoreApplication.translate("OrderText", "Waiting to be accepted")
    return QCoreApplication.translate("OrderText", "Not paid")
