"""Reading ESC/POS bytes back into what a printer would put on paper (pure).

It understands the commands :mod:`desktop.printing.commands` writes, which is what the fake
printer in the tests checks a ticket with and what the README's ticket picture is drawn from.
Anything else is an error: a ticket with a stray command byte would print garbage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop.printing.commands import Align


class UnreadableTicket(ValueError):
    """Bytes that hold a command this reader does not know, or a command cut short."""


@dataclass(frozen=True, slots=True)
class PrintedLine:
    """One line of text as printed, with the style it was printed in."""

    text: str
    align: Align = Align.LEFT
    bold: bool = False
    width: int = 1
    height: int = 1


@dataclass(frozen=True, slots=True)
class QrCode:
    """A QR code as printed: its data, its module size, and the line it follows."""

    data: bytes
    module_size: int
    after_line: int


@dataclass(slots=True)
class PrintedTicket:
    """What a run of bytes prints: lines, QR codes, cuts and the status queries among them."""

    lines: list[PrintedLine] = field(default_factory=list)
    qr_codes: list[QrCode] = field(default_factory=list)
    cuts: int = 0
    resets: int = 0
    status_queries: list[int] = field(default_factory=list)
    chinese_mode_used: bool = False

    @property
    def text(self) -> str:
        """Every printed line, joined by newlines."""
        return "\n".join(line.text for line in self.lines)


@dataclass(slots=True)
class _State:
    align: Align = Align.LEFT
    bold: bool = False
    width: int = 1
    height: int = 1
    chinese: bool = False
    qr_size: int = 3
    qr_data: bytes = b""


def read_ticket(data: bytes) -> PrintedTicket:
    """What ``data`` prints; :class:`UnreadableTicket` for anything it does not understand."""
    ticket = PrintedTicket()
    state = _State()
    pending = bytearray()
    index = 0

    def need(count: int) -> bytes:
        if index + count > len(data):
            raise UnreadableTicket(f"command cut short at byte {index}")
        return data[index : index + count]

    def flush_line() -> None:
        text = _decode(bytes(pending), state.chinese)
        ticket.lines.append(PrintedLine(text, state.align, state.bold, state.width, state.height))
        pending.clear()

    while index < len(data):
        byte = data[index]
        if byte == 0x0A:
            flush_line()
            index += 1
        elif byte == 0x1B:  # ESC
            command = need(2)[1:2]
            if command == b"@":
                state = _State()
                ticket.resets += 1
                index += 2
            elif command in (b"a", b"E", b"t", b"d"):
                value = need(3)[2]
                if command == b"a":
                    state.align = Align(value)
                elif command == b"E":
                    state.bold = bool(value & 1)
                elif command == b"d":
                    if pending:
                        flush_line()
                    ticket.lines.extend(PrintedLine("") for _ in range(value))
                index += 3
            else:
                raise UnreadableTicket(f"unknown command ESC {command!r} at byte {index}")
        elif byte == 0x1C:  # FS
            command = need(2)[1:2]
            if command not in (b"&", b"."):
                raise UnreadableTicket(f"unknown command FS {command!r} at byte {index}")
            state.chinese = command == b"&"
            ticket.chinese_mode_used |= state.chinese
            index += 2
        elif byte == 0x1D:  # GS
            command = need(2)[1:2]
            if command == b"!":
                value = need(3)[2]
                state.width, state.height = (value >> 4) + 1, (value & 0x0F) + 1
                index += 3
            elif command == b"V":
                need(3)
                ticket.cuts += 1
                index += 3
            elif command == b"(":
                header = need(5)
                length = header[3] | header[4] << 8
                body = need(5 + length)[5:]
                if header[2:3] != b"k" or len(body) < 2 or body[0] != 49:
                    raise UnreadableTicket(f"unknown GS ( command at byte {index}")
                function, parameters = body[1], body[2:]
                if function == 67:
                    state.qr_size = parameters[0]
                elif function == 80:
                    state.qr_data = parameters[1:]
                elif function == 81:
                    ticket.qr_codes.append(QrCode(state.qr_data, state.qr_size, len(ticket.lines)))
                index += 5 + length
            else:
                raise UnreadableTicket(f"unknown command GS {command!r} at byte {index}")
        elif byte == 0x10:  # DLE EOT n
            query = need(3)
            if query[1] != 0x04:
                raise UnreadableTicket(f"unknown command DLE at byte {index}")
            ticket.status_queries.append(query[2])
            index += 3
        elif byte < 0x20 or byte == 0x7F:
            raise UnreadableTicket(f"control byte {byte:#04x} in text at byte {index}")
        else:
            pending.append(byte)
            index += 1
    if pending:
        flush_line()
    return ticket


def _decode(raw: bytes, chinese: bool) -> str:
    if chinese:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise UnreadableTicket(f"text is not GB18030: {raw[:40]!r}") from exc
    if any(byte > 0x7F for byte in raw):
        raise UnreadableTicket(f"non-ASCII bytes outside the Chinese mode: {raw[:40]!r}")
    return raw.decode("ascii")
