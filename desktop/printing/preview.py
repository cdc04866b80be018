"""A picture of a ticket as the printer would print it, drawn from the ESC/POS bytes themselves.

``python -m desktop.printing.preview`` writes the README's pictures of a sample order's ticket
on 58 and 80 mm paper. The bytes are the ones a printer gets; :mod:`desktop.printing.reading`
reads them back, and this module draws what it read: font A cells of 12 x 24 dots (24 x 24 for
Chinese), scaled, bold and aligned as commanded, and the QR code at its module size.
"""

from __future__ import annotations

import argparse
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from desktop.printing.commands import Align
from desktop.printing.reading import PrintedLine, PrintedTicket, read_ticket
from desktop.printing.ticket import (
    PAPERS,
    Charset,
    TicketItem,
    TicketOrder,
    TicketStyle,
    render_ticket,
)

CELL_W, CELL_H = 12, 24
DOTS = {58: 384, 80: 576}
MARGIN = 16
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def draw_ticket(ticket: PrintedTicket, paper_mm: int, font_path: Path = FONT) -> Image.Image:
    """The ticket on white paper ``paper_mm`` wide, at the printer's 8 dots per mm."""
    width = DOTS[paper_mm]
    font = ImageFont.truetype(str(font_path), CELL_H - 2)
    pieces: list[Image.Image] = []
    codes = {code.after_line: code for code in ticket.qr_codes}
    for index, line in enumerate(ticket.lines):
        if index in codes:
            pieces.append(_qr(codes[index].data, codes[index].module_size, width))
        pieces.append(_line(line, width, font))
    if len(ticket.lines) in codes:
        pieces.append(
            _qr(codes[len(ticket.lines)].data, codes[len(ticket.lines)].module_size, width)
        )
    height = sum(piece.height for piece in pieces) + 2 * MARGIN
    paper = Image.new("L", (width + 2 * MARGIN, height), 255)
    top = MARGIN
    for piece in pieces:
        paper.paste(piece, (MARGIN, top))
        top += piece.height
    return paper


def _line(line: PrintedLine, width: int, font: ImageFont.FreeTypeFont) -> Image.Image:
    cells = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line.text)
    base = Image.new("L", (max(cells, 1) * CELL_W, CELL_H), 255)
    pen = ImageDraw.Draw(base)
    x = 0
    for char in line.text:
        wide = unicodedata.east_asian_width(char) in "WF"
        pen.text((x, 1), char, font=font, fill=0, stroke_width=1 if line.bold else 0)
        x += CELL_W * (2 if wide else 1)
    scaled = base.resize((base.width * line.width, base.height * line.height))
    row = Image.new("L", (width, scaled.height), 255)
    offset = {Align.LEFT: 0, Align.CENTER: (width - scaled.width) // 2}.get(
        line.align, width - scaled.width
    )
    row.paste(scaled, (max(offset, 0), 0))
    return row


def _qr(data: bytes, module_size: int, width: int) -> Image.Image:
    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix) * module_size
    image = Image.new("L", (width, size), 255)
    left = (width - size) // 2
    pen = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                corner = (left + x * module_size, y * module_size)
                far = (corner[0] + module_size - 1, corner[1] + module_size - 1)
                pen.rectangle((corner, far), fill=0)
    return image


SHANGHAI = timezone(timedelta(hours=8))


def sample_order() -> TicketOrder:
    """The order the README shows."""
    paid = datetime(2026, 11, 26, 12, 8, tzinfo=SHANGHAI)
    return TicketOrder(
        order_number="20261126120845613",
        amount_fen=7300,
        items=(
            TicketItem("宫保鸡丁", 1, 3200),
            TicketItem("鱼香肉丝盖饭（大份）", 1, 2600),
            TicketItem("米饭", 2, 200),
            TicketItem("酸梅汤", 1, 500),
        ),
        paid_at=paid,
        remark="少辣，不要香菜，多放一双筷子",
        phone_tail="8866",
        address="人民路 88 号 3 栋 1201",
        day_seq=12,
    )


def main() -> None:
    """Write the sample ticket's pictures for 58 and 80 mm paper into a folder."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path, help="where ticket-58.png and ticket-80.png go")
    parser.add_argument("--font", type=Path, default=FONT, help="a font with Chinese glyphs")
    args = parser.parse_args()
    order = sample_order()
    for paper_mm in (58, 80):
        style = TicketStyle(PAPERS[paper_mm], Charset.GB18030, "川味小馆 · 人民路店")
        data = render_ticket(order, style, SHANGHAI)
        image = draw_ticket(read_ticket(data), paper_mm, args.font)
        image.save(args.folder / f"ticket-{paper_mm}.png", optimize=True)


if __name__ == "__main__":
    main()
