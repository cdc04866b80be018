"""The ESC/POS commands a kitchen ticket uses, as bytes (pure; no printer, no I/O).

Facts from the ESC/POS command reference: ``ESC @`` resets the printer, ``FS &`` enters the
Chinese character mode of Chinese thermal printers (two-byte GB codes print as Hanzi) and
``FS .`` leaves it, ``GS ! n`` scales characters, ``GS ( k`` prints a QR code, ``GS V`` cuts, and
``DLE EOT n`` asks for real-time status, which a printer answers even while it cannot print.
"""

from __future__ import annotations

from enum import IntEnum

ESC = b"\x1b"
GS = b"\x1d"
FS = b"\x1c"
DLE = b"\x10"
EOT = b"\x04"

RESET = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
CODE_PAGE_PC437 = ESC + b"t\x00"
FULL_CUT = GS + b"V\x00"

STATUS_PRINTER = DLE + EOT + b"\x01"
STATUS_OFFLINE_CAUSE = DLE + EOT + b"\x02"
STATUS_PAPER = DLE + EOT + b"\x04"

# DLE EOT 4 answers 0b0xx1xx10: bits 2-3 set when the roll is nearly out, bits 5-6 when it is out.
PAPER_NEAR_END_BITS = 0x0C
PAPER_OUT_BITS = 0x60
# DLE EOT 2 answers 0b0xx1xx10: bit 2 cover open, bit 5 stopped for lack of paper.
COVER_OPEN_BIT = 0x04


class Align(IntEnum):
    """``ESC a n``."""

    LEFT = 0
    CENTER = 1
    RIGHT = 2


def align(where: Align) -> bytes:
    """Justify the following lines."""
    return ESC + b"a" + bytes([where])


def bold(on: bool) -> bytes:
    """``ESC E n``: emphasised (bold) text on or off."""
    return ESC + b"E" + (b"\x01" if on else b"\x00")


def size(width: int, height: int) -> bytes:
    """``GS ! n``: characters ``width`` times as wide and ``height`` times as tall (1-8 each)."""
    if not (1 <= width <= 8 and 1 <= height <= 8):
        raise ValueError(f"character scale must be 1-8, got {width}x{height}")
    return GS + b"!" + bytes([(width - 1) << 4 | (height - 1)])


def feed(lines: int) -> bytes:
    """``ESC d n``: print the buffer and feed ``lines`` lines."""
    if not 0 <= lines <= 255:
        raise ValueError(f"feed 0-255 lines, got {lines}")
    return ESC + b"d" + bytes([lines])


def qr_code(data: bytes, module_size: int = 6) -> bytes:
    """``GS ( k``: a model-2 QR code of ``data`` with error correction M, printed at once."""
    if not 1 <= module_size <= 16:
        raise ValueError(f"QR module size must be 1-16, got {module_size}")
    if not 1 <= len(data) <= 7089:
        raise ValueError(f"a QR code holds 1-7089 bytes, got {len(data)}")

    def function(fn: int, parameters: bytes) -> bytes:
        length = len(parameters) + 2
        return GS + b"(k" + bytes([length & 0xFF, length >> 8, 49, fn]) + parameters

    return (
        function(65, b"\x32\x00")  # model 2
        + function(67, bytes([module_size]))
        + function(69, b"\x31")  # error correction M (15 %)
        + function(80, b"\x30" + data)  # store the data
        + function(81, b"\x30")  # print it
    )


def cut() -> bytes:
    """Feed the ticket past the cutter, then cut it off."""
    return feed(4) + FULL_CUT
