"""The kitchen ticket: an order laid out for a 58 or 80 mm thermal printer, as ESC/POS bytes (pure).

Chinese printers get GB18030 text in their Chinese character mode (``FS &``); printers without
Chinese fonts get the plain-ASCII profile (English labels, any other character printed as ``?``).
Every text that came from a customer is cleaned first: control characters could otherwise be
printer commands (a cut, a cash drawer kick), and a 10,000-line remark must not use up the roll.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import Enum

from desktop.core.phrasing import format_amount
from desktop.net.orders import RemoteOrder
from desktop.printing import commands
from desktop.printing.commands import Align
from orderbell_protocol import Event

REMARK_MAX_LINES = 8
ADDRESS_MAX_LINES = 4
ITEM_NAME_MAX_LINES = 3
ELLIPSIS = "..."


class Charset(Enum):
    """How the printer is sent text."""

    GB18030 = "gb18030"  # Chinese thermal printers: FS & and two-byte GB codes
    ASCII = "ascii"  # printers without Chinese fonts


@dataclass(frozen=True, slots=True)
class Paper:
    """A paper width and the characters of font A (12 dots wide) that fit on one line."""

    millimetres: int
    columns: int
    tail_scale: int


PAPER_58 = Paper(58, 32, 5)
PAPER_80 = Paper(80, 48, 6)
PAPERS = {58: PAPER_58, 80: PAPER_80}


@dataclass(frozen=True, slots=True)
class TicketItem:
    """One line of the order; the price is printed on 80 mm paper when it is known."""

    name: str
    quantity: int
    unit_price_fen: int | None = None


@dataclass(frozen=True, slots=True)
class TicketOrder:
    """Everything a kitchen ticket shows about one order."""

    order_number: str
    amount_fen: int
    items: tuple[TicketItem, ...] = ()
    paid_at: datetime | None = None
    remark: str = ""
    phone_tail: str = ""
    address: str = ""
    day_seq: int | None = None  # the shop's number of the order on its day, as card and voice say

    @property
    def tail(self) -> str:
        """The last four digits staff call the order by."""
        return self.order_number[-4:]

    @classmethod
    def from_remote(cls, order: RemoteOrder) -> TicketOrder:
        """The ticket of an order as the REST API returns it (prices and address included)."""
        digits = "".join(char for char in order.phone if char.isdigit())
        return cls(
            order_number=order.number,
            amount_fen=order.amount_fen,
            items=tuple(
                TicketItem(item.name, item.quantity, item.unit_price_fen) for item in order.items
            ),
            paid_at=order.paid_at,
            remark=order.remark,
            phone_tail=digits[-4:],
            address=order.address,
            day_seq=order.day_seq,
        )

    @classmethod
    def from_event(cls, event: Event) -> TicketOrder:
        """The ticket of an order as an event announces it (no prices on the wire)."""
        summary = event.order
        return cls(
            order_number=event.order_number,
            amount_fen=event.amount_fen,
            items=tuple(TicketItem(line.name, line.quantity) for line in summary.items),
            paid_at=summary.paid_at,
            remark=summary.remark,
            phone_tail=summary.phone_tail,
            # The wire carries a delivery address once the protocol has one; older events do not.
            address=getattr(summary, "address", "") or "",
            day_seq=event.day_seq,
        )


@dataclass(frozen=True, slots=True)
class TicketStyle:
    """How this PC's printer wants its tickets."""

    paper: Paper = PAPER_58
    charset: Charset = Charset.GB18030
    shop_line: str = ""


_LABELS = {
    Charset.GB18030: {
        "tail": "尾号",
        "day": "{}号",
        "number": "订单号：",
        "paid": "支付时间：",
        "remark": "备注：",
        "phone": "手机尾号：",
        "address": "地址：",
        "total": "合计：",
        "reprint": "补打：可能重复，请核对",
        "test": "测试小票，请勿出餐",
    },
    Charset.ASCII: {
        "tail": "No.",
        "day": "#{}",
        "number": "Order: ",
        "paid": "Paid: ",
        "remark": "Note: ",
        "phone": "Phone: ",
        "address": "Address: ",
        "total": "Total: ",
        "reprint": "REPRINT - may be a duplicate",
        "test": "TEST TICKET - do not cook",
    },
}


def render_ticket(order: TicketOrder, style: TicketStyle, tz: tzinfo) -> bytes:
    """The ESC/POS bytes of ``order``'s ticket: header, numbers, items, remark, total, QR, cut."""
    out = _Writer(style)
    labels = _LABELS[style.charset]
    columns = style.paper.columns
    if style.shop_line.strip():
        out.wrapped(style.shop_line, align=Align.CENTER, bold=True, tall=True, limit=2)
    if order.day_seq is not None:
        # The number the card shows and the voice calls ("12号"), so ticket and counter match.
        day = labels["day"].format(order.day_seq)
        scale = max(1, min(style.paper.tail_scale, columns // text_width(day)))
        out.line(day, align=Align.CENTER, bold=True, scale=scale)
    out.line(labels["tail"], align=Align.CENTER)
    out.line(order.tail, align=Align.CENTER, bold=True, scale=style.paper.tail_scale)
    out.wrapped(labels["number"] + order.order_number)
    if order.paid_at is not None:
        out.line(labels["paid"] + order.paid_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"))
    out.rule()
    with_prices = style.paper is PAPER_80 and any(
        item.unit_price_fen is not None for item in order.items
    )
    for item in order.items:
        for text in _item_lines(item, columns, with_prices, style.charset):
            out.line(text, tall=True)
    out.rule()
    if order.remark.strip():
        out.wrapped(labels["remark"] + order.remark, bold=True, tall=True, limit=REMARK_MAX_LINES)
    if order.phone_tail:
        out.line(labels["phone"] + order.phone_tail)
    if order.address.strip():
        out.wrapped(labels["address"] + order.address, limit=ADDRESS_MAX_LINES)
    out.line(labels["total"] + format_amount(order.amount_fen), bold=True, tall=True)
    out.qr(order.order_number)
    out.raw(commands.cut())
    return out.output()


def banner(kind: str, style: TicketStyle) -> bytes:
    """A line printed above a ticket: ``reprint`` (it may have printed before) or ``test``."""
    out = _Writer(style)
    out.wrapped(_LABELS[style.charset][kind], align=Align.CENTER, bold=True, tall=True)
    out.line("")
    return out.output()


def printer_test_ticket(style: TicketStyle, now: datetime) -> bytes:
    """A sample order's ticket under a "do not cook" banner, for checking a printer.

    ``now`` is the aware local time: it is the sample's paid time and makes its order number.
    """
    if now.tzinfo is None:
        raise ValueError("the test ticket's time must be timezone-aware")
    sample = TicketOrder(
        order_number=now.strftime("%Y%m%d%H%M%S") + "0000",
        amount_fen=3650,
        items=(
            TicketItem("宫保鸡丁 Kung Pao Chicken", 1, 2800),
            TicketItem("米饭 Rice", 2, 200),
            TicketItem("酸梅汤 Plum Drink", 1, 450),
        ),
        paid_at=now,
        remark="少辣，不要香菜 Less spicy, no coriander",
        phone_tail="0000",
        address="测试地址 Test address",
        day_seq=1,
    )
    return banner("test", style) + render_ticket(sample, style, now.tzinfo)


def text_width(text: str) -> int:
    """Columns ``text`` takes on the printer: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _item_lines(item: TicketItem, columns: int, with_prices: bool, charset: Charset) -> list[str]:
    quantity = f"x{item.quantity}"
    price = ""
    if with_prices and item.unit_price_fen is not None:
        price = format_amount(item.unit_price_fen * item.quantity)
    right = f" {quantity:>4}" + (f" {price:>9}" if with_prices else "")
    name_width = columns - len(right)
    names = _wrap(_clean(item.name, charset), name_width, ITEM_NAME_MAX_LINES)
    first = names[0] + " " * (name_width - text_width(names[0])) + right
    return [first, *names[1:]]


def _clean(text: str, charset: Charset = Charset.GB18030) -> str:
    """``text`` on one line with nothing a printer could take for a command."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\t\r\n":
            kept.append(" ")
        elif category in ("Cc", "Cf"):  # controls (ESC, GS, NUL...) and invisible formatting
            continue
        elif category in ("Cs", "Co", "Cn") or ord(char) > 0xFFFF:
            # Lone surrogates, private and unassigned code points, emoji: no printer font has them.
            kept.append("?")
        elif charset is Charset.ASCII and not " " <= char <= "~":
            kept.append("Y" if char == "¥" else "?")
        else:
            kept.append(char)
    return "".join(kept)


def _wrap(text: str, width: int, limit: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns, at most ``limit`` lines (``...`` if cut)."""
    lines: list[str] = []
    current, used = "", 0
    for char in text:
        char_width = text_width(char)
        if used + char_width > width:
            lines.append(current)
            current, used = "", 0
            if len(lines) == limit:
                break
        current += char
        used += char_width
    else:
        lines.append(current)
        return lines
    last = lines[-1]
    while text_width(last) + len(ELLIPSIS) > width:
        last = last[:-1]
    lines[-1] = last + ELLIPSIS
    return lines


class _Writer:
    """Collects the ticket's bytes in the style's charset."""

    def __init__(self, style: TicketStyle) -> None:
        self._style = style
        self._parts: list[bytes] = [commands.RESET]
        if style.charset is Charset.GB18030:
            self._parts.append(commands.CHINESE_ON)
        else:
            self._parts.append(commands.CODE_PAGE_PC437)

    def raw(self, data: bytes) -> None:
        self._parts.append(data)

    def line(
        self,
        text: str,
        *,
        align: Align = Align.LEFT,
        bold: bool = False,
        tall: bool = False,
        scale: int = 1,
    ) -> None:
        """One line; ``tall`` doubles its height, ``scale`` its width and height."""
        self._parts.append(commands.align(align))
        if bold:
            self._parts.append(commands.bold(True))
        scaled = scale > 1 or tall
        if scaled:
            self._parts.append(commands.size(scale, max(scale, 2 if tall else 1)))
        self._parts.append(self._encode(_clean(text, self._style.charset)) + b"\n")
        if scaled:
            self._parts.append(commands.size(1, 1))
        if bold:
            self._parts.append(commands.bold(False))

    def wrapped(
        self,
        text: str,
        *,
        align: Align = Align.LEFT,
        bold: bool = False,
        tall: bool = False,
        limit: int = 4,
    ) -> None:
        """``text`` over as many lines as it needs, at most ``limit``."""
        for piece in _wrap(_clean(text, self._style.charset), self._style.paper.columns, limit):
            self.line(piece, align=align, bold=bold, tall=tall)

    def rule(self) -> None:
        self.line("-" * self._style.paper.columns)

    def qr(self, data: str) -> None:
        payload = _clean(data, Charset.ASCII).encode("ascii")
        if payload:
            self._parts.append(commands.align(Align.CENTER))
            self._parts.append(commands.qr_code(payload[:512]))
            self._parts.append(b"\n" + commands.align(Align.LEFT))

    def output(self) -> bytes:
        if self._style.charset is Charset.GB18030:
            return b"".join([*self._parts, commands.CHINESE_OFF])
        return b"".join(self._parts)

    def _encode(self, text: str) -> bytes:
        if self._style.charset is Charset.GB18030:
            return text.encode("gb18030", errors="replace")
        return text.encode("ascii", errors="replace")
