"""The kitchen ticket's layout, read back as a printer would print it."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from desktop.net.orders import OrderItem, RemoteOrder
from desktop.printing import commands
from desktop.printing.reading import read_ticket
from desktop.printing.ticket import (
    PAPER_58,
    PAPER_80,
    REMARK_MAX_LINES,
    Charset,
    TicketItem,
    TicketOrder,
    TicketStyle,
    printer_test_ticket,
    render_ticket,
    text_width,
)
from orderbell_protocol import (
    MAX_DAY_SEQ,
    Event,
    EventType,
    OrderStatus,
    OrderSummary,
    PayStatus,
)
from tests.desktop.printing.conftest import PAID_AT, SHANGHAI, sample_order

ZH_58 = TicketStyle(PAPER_58, Charset.GB18030, "川味小馆")
ZH_80 = TicketStyle(PAPER_80, Charset.GB18030, "川味小馆")


def printed(order: TicketOrder, style: TicketStyle = ZH_58):  # type: ignore[no-untyped-def]
    return read_ticket(render_ticket(order, style, SHANGHAI))


def test_the_ticket_holds_shop_number_paid_time_phone_address_and_total() -> None:
    """Every part of the order a kitchen needs is on the ticket."""
    text = printed(sample_order()).text
    for part in (
        "川味小馆",
        "订单号：20261126140512345",
        "支付时间：2026-11-26 14:05",
        "手机尾号：5678",
        "地址：人民路 88 号 3 栋 1201",
        "合计：¥60.50",
    ):
        assert part in text


def test_chinese_text_is_sent_as_gb18030_in_the_printers_chinese_mode() -> None:
    """The bytes hold FS & and the GB18030 encoding of the item names, not UTF-8."""
    data = render_ticket(sample_order(), ZH_58, SHANGHAI)
    assert commands.CHINESE_ON in data
    assert "宫保鸡丁".encode("gb18030") in data
    assert "宫保鸡丁".encode() not in data


def test_the_tail_is_printed_very_large_and_centred() -> None:
    """The last four digits: bold, centred, five times the normal size on 58 mm."""
    (tail,) = [line for line in printed(sample_order()).lines if line.text == "2345"]
    assert (tail.width, tail.height, tail.bold, tail.align) == (5, 5, True, commands.Align.CENTER)


@pytest.mark.parametrize("style", [ZH_58, ZH_80])
def test_the_number_of_the_day_is_printed_very_large_above_the_tail(style: TicketStyle) -> None:
    """ "12号", as the card shows and the voice calls it: bold, centred, as large as the tail."""
    lines = printed(sample_order(day_seq=12), style).lines
    texts = [line.text for line in lines]
    day = lines[texts.index("12号")]
    scale = style.paper.tail_scale
    assert (day.width, day.height, day.bold, day.align) == (
        scale,
        scale,
        True,
        commands.Align.CENTER,
    )
    assert texts.index("12号") < texts.index("2345")


def test_the_ascii_profile_prints_the_number_of_the_day_with_a_hash() -> None:
    """A printer without Chinese fonts prints "#12"."""
    ticket = printed(sample_order(day_seq=12), TicketStyle(PAPER_58, Charset.ASCII))
    assert "#12" in [line.text for line in ticket.lines]


def test_the_largest_number_of_the_day_still_fits_the_paper() -> None:
    """A ten-digit number is printed whole, smaller, within the 58 mm line."""
    ticket = printed(sample_order(day_seq=MAX_DAY_SEQ))
    (day,) = [line for line in ticket.lines if line.text == f"{MAX_DAY_SEQ}号"]
    assert text_width(day.text) * day.width <= PAPER_58.columns
    assert day.width > 1


def test_an_order_without_a_number_of_the_day_prints_none() -> None:
    """Orders from a server without daily numbers print the tail only."""
    lines = printed(sample_order()).lines
    assert not any(re.fullmatch(r"\d+号", line.text) for line in lines)


def test_the_remark_is_bold() -> None:
    """The customer's remark stands out in bold."""
    (remark,) = [line for line in printed(sample_order()).lines if "少辣" in line.text]
    assert remark.bold


def test_every_item_is_printed_with_its_quantity() -> None:
    """Each item line carries its name and ``x<quantity>``."""
    lines = [line.text for line in printed(sample_order()).lines]
    assert any("宫保鸡丁" in line and line.endswith("x2") for line in lines)
    assert any("酸梅汤" in line and line.endswith("x1") for line in lines)


def test_prices_are_printed_on_80_mm_only() -> None:
    """80 mm paper shows each line's price (quantity times unit price); 58 mm has no room."""
    wide = printed(sample_order(), ZH_80).text
    narrow = printed(sample_order(), ZH_58).text
    assert "¥56.00" in wide
    assert "¥4.50" in wide
    assert "¥56.00" not in narrow


def test_no_line_is_wider_than_the_paper() -> None:
    """Long names wrap within 32 columns on 58 mm and 48 on 80 mm."""
    order = sample_order(items=(TicketItem("超级无敌豪华至尊版麻辣香锅加麻加辣" * 2, 12, 9900),))
    for style in (ZH_58, ZH_80):
        for line in printed(order, style).lines:
            assert text_width(line.text) * line.width <= style.paper.columns, line.text


def test_a_qr_code_of_the_order_number_and_one_cut_end_the_ticket() -> None:
    """The QR code holds the order number; the paper is cut once, at the end."""
    ticket = printed(sample_order())
    assert [code.data for code in ticket.qr_codes] == [b"20261126140512345"]
    assert ticket.cuts == 1
    data = render_ticket(sample_order(), ZH_58, SHANGHAI)
    assert data.rindex(commands.FULL_CUT) > data.rindex(b"(k")


def test_the_ascii_profile_sends_only_ascii_and_no_chinese_mode() -> None:
    """A printer without Chinese fonts gets English labels and ``?`` for other characters."""
    data = render_ticket(sample_order(), TicketStyle(PAPER_58, Charset.ASCII), SHANGHAI)
    assert commands.CHINESE_ON not in data
    assert all(byte < 0x80 for byte in data)
    text = read_ticket(data).text
    assert "Order: 20261126140512345" in text
    assert "Total: Y60.50" in text


def test_control_characters_in_customer_text_cannot_become_printer_commands() -> None:
    """ESC p (open the cash drawer), GS V (cut) and NUL in a remark are dropped."""
    order = sample_order(remark="快\x1bp\x00\x19点\x1dV\x00", address="门\x00口")
    data = render_ticket(order, ZH_58, SHANGHAI)
    assert b"\x1bp" not in data
    assert data.count(commands.FULL_CUT) == 1
    text = read_ticket(data).text
    assert "备注：快p点V" in text
    assert "地址：门口" in text


def test_lone_surrogates_and_emoji_print_as_question_marks() -> None:
    """Characters no printer font has become ``?`` instead of failing the ticket."""
    order = sample_order(remark="辣\ud800🌶")
    assert "备注：辣??" in printed(order).text


def test_a_ten_thousand_line_remark_is_cut_short() -> None:
    """A hostile remark cannot use up the roll: at most a few lines, ending in ``...``."""
    order = sample_order(remark="加辣\n" * 10_000)
    remark = [line for line in printed(order).lines if line.bold and line.height == 2]
    remark = [line for line in remark if "加辣" in line.text]
    assert len(remark) == REMARK_MAX_LINES
    assert remark[-1].text.endswith("...")


def test_a_huge_quantity_still_fits_the_line() -> None:
    """A quantity of 10**20 is printed whole without breaking the layout."""
    order = sample_order(items=(TicketItem("米饭", 10**20, 200),))
    assert f"x{10**20}" in printed(order, ZH_80).text


def test_the_ticket_of_a_rest_order_shows_its_prices_and_phone_tail() -> None:
    """An order from the REST API carries unit prices, the phone and the address."""
    remote = RemoteOrder(
        id=7,
        number="20261126140512345",
        shop_id=1,
        status=OrderStatus.CONFIRMED,
        pay_status=PayStatus.PAID,
        amount_fen=5600,
        items=(OrderItem("宫保鸡丁", 2, 2800),),
        remark="",
        phone="138-0013-8000",
        address="人民路 88 号",
        created_at=PAID_AT,
        paid_at=PAID_AT,
        accepted_at=None,
        rejected_reason=None,
        reminder_count=0,
        day_seq=12,
    )
    order = TicketOrder.from_remote(remote)
    assert order.phone_tail == "8000"
    assert order.items == (TicketItem("宫保鸡丁", 2, 2800),)
    assert order.address == "人民路 88 号"
    assert order.day_seq == 12


def test_the_ticket_of_an_announced_order_carries_its_number_of_the_day() -> None:
    """An order printed as it arrives shows the number its card and voice use."""
    event = Event(
        id=1,
        type=EventType.NEW_ORDER,
        shop_id=1,
        order_id=7,
        order_number="20261126140512345",
        status=OrderStatus.TO_BE_CONFIRMED,
        amount_fen=5600,
        created_at=PAID_AT,
        order=OrderSummary(paid_at=PAID_AT),
        day_seq=12,
    )
    assert "12号" in printed(TicketOrder.from_event(event)).text


def test_the_test_ticket_says_not_to_cook_it() -> None:
    """``--print-test`` prints a sample order under a "do not cook" banner."""
    ticket = read_ticket(printer_test_ticket(ZH_58, datetime(2026, 11, 26, 9, 30, tzinfo=SHANGHAI)))
    assert ticket.lines[0].text == "测试小票，请勿出餐"
    assert ticket.cuts == 1


def test_the_test_ticket_needs_an_aware_time() -> None:
    """Times are timezone-aware: a naive one is refused."""
    with pytest.raises(ValueError, match="timezone-aware"):
        printer_test_ticket(ZH_58, datetime(2026, 11, 26, 9, 30))
