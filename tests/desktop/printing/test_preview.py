"""The ticket picture is drawn from the bytes the printer gets."""

from __future__ import annotations

from desktop.printing.preview import DOTS, MARGIN, draw_ticket, sample_order
from desktop.printing.reading import read_ticket
from desktop.printing.ticket import PAPER_58, Charset, TicketStyle, render_ticket
from tests.desktop.printing.conftest import SHANGHAI


def test_the_picture_is_as_wide_as_the_paper_and_carries_ink_where_lines_are() -> None:
    """58 mm is 384 dots; the very large tail leaves far more ink than a normal line."""
    ticket = read_ticket(render_ticket(sample_order(), TicketStyle(PAPER_58), SHANGHAI))
    image = draw_ticket(ticket, 58)
    assert image.width == DOTS[58] + 2 * MARGIN
    rows = [
        sum(1 for x in range(image.width) if image.getpixel((x, y)) < 128)
        for y in range(image.height)
    ]
    assert max(rows) > 100  # the tail's digits (5 times 12 dots wide each) or the QR code
    assert sum(rows) > 0


def test_an_ascii_ticket_draws_too() -> None:
    """The plain-ASCII profile reads back and draws on 80 mm paper."""
    style = TicketStyle(charset=Charset.ASCII)
    ticket = read_ticket(render_ticket(sample_order(), style, SHANGHAI))
    assert draw_ticket(ticket, 80).width == DOTS[80] + 2 * MARGIN
