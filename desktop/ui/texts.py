"""Short texts several widgets show: translated messages, waiting time, items, times, status."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta, tzinfo

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import Qt

from desktop.core.marks import Message, fill
from desktop.core.phrasing import format_amount
from desktop.net.stats import TodayFigures
from desktop.ui.reject_reasons import reason_label
from orderbell_protocol import OrderLine, OrderStatus


def translated(text: Message | str) -> str:
    """A message in the current language, its values translated too; plain text as it is."""
    if isinstance(text, str):
        return text
    values = [translated(arg) for arg in text.args]
    return fill(QCoreApplication.translate(text.text.context, text.text), *values)


# Past these, a count of time since payment means a wrong clock or a bad payment time, not a
# wait ("739952 days ago"): the payment's date and time are shown instead.
COUNTED_WAIT = timedelta(days=3)
CLOCK_SLACK = timedelta(minutes=5)  # a PC clock this far behind the server's still reads "just now"


def waited_text(paid_at: datetime | None, now: datetime) -> str:
    """How long ago the customer paid, e.g. "paid 3 min ago"; empty when unknown.

    A payment more than :data:`COUNTED_WAIT` ago, or more than :data:`CLOCK_SLACK` in the
    future, reads as its date and time in ``now``'s zone ("paid 2026-11-20 14:02").
    """
    if paid_at is None:
        return ""
    waited = now - paid_at
    if not -CLOCK_SLACK <= waited <= COUNTED_WAIT:
        shown = _in_zone(paid_at, now.tzinfo)
        # Not strftime: its %Y drops the leading zeros of years before 1000 on some platforms.
        moment = f"{shown.year:04d}-{shown.month:02d}-{shown.day:02d} {shown:%H:%M}"
        return fill(QCoreApplication.translate("OrderText", "paid %1"), moment)
    # A PC clock slightly behind the server's gives a negative wait: say "just now".
    minutes = max(int(waited.total_seconds()), 0) // 60
    if minutes == 0:
        return QCoreApplication.translate("OrderText", "paid just now")
    if minutes < 60:
        return fill(QCoreApplication.translate("OrderText", "paid %1 min ago"), minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return fill(QCoreApplication.translate("OrderText", "paid %1 h %2 min ago"), hours, minutes)
    return fill(QCoreApplication.translate("OrderText", "paid %1 days ago"), hours // 24)


def item_line(line: OrderLine) -> str:
    """One order line, e.g. "宫保鸡丁 ×2"."""
    return f"{line.name} ×{line.quantity}"


def clock_text(moment: datetime | None, zone: tzinfo | None = None) -> str:
    """A time of day in ``zone`` (default: the PC's), e.g. "14:02"; empty when unknown.

    A time at the very ends of the calendar (year 1 or 9999) that the zone would shift out of
    range is shown as the server sent it.
    """
    if moment is None:
        return ""
    return _in_zone(moment, zone).strftime("%H:%M")


def _in_zone(moment: datetime, zone: tzinfo | None) -> datetime:
    """``moment`` in ``zone``; as it is when the zone would push it off the calendar's ends."""
    with contextlib.suppress(OverflowError, ValueError):
        return moment.astimezone(zone)
    return moment


def status_text(
    status: OrderStatus, rejected_reason: str | None, refunded: bool, refunded_fen: int = 0
) -> str:
    """What became of an order, in the words staff use; a partial refund is said with it."""
    text = _status_text(status, rejected_reason, refunded)
    if refunded_fen > 0 and status is not OrderStatus.CANCELLED:
        return fill(
            QCoreApplication.translate("OrderText", "%1, %2 refunded"),
            text,
            format_amount(refunded_fen),
        )
    return text


def _status_text(status: OrderStatus, rejected_reason: str | None, refunded: bool) -> str:
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


def plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` exactly as typed: Qt renders a tooltip that looks like
    markup as HTML (images, links, font sizes), so customer text is escaped first."""
    return Qt.convertFromPlainText(text, Qt.WhiteSpaceMode.WhiteSpaceNormal)


def today_text(figures: TodayFigures) -> str:
    """Today's line, e.g. "今日 42 单 · 接单中位 38 秒 · 催单 3 · 超 5 分钟 1"."""
    translate = QCoreApplication.translate
    median = (
        translate("OrderText", "none yet")
        if figures.accept_median_s is None
        else fill(translate("OrderText", "%1 s"), figures.accept_median_s)
    )
    return fill(
        translate(
            "OrderText",
            "Today %1 orders · median time to accept %2 · reminders %3 · over 5 min %4",
        ),
        figures.paid,
        median,
        figures.reminders,
        figures.waited_over_5_min,
    )
