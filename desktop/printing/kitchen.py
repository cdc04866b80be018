"""Which orders print, in which style, and the test ticket: the counter's side of printing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from desktop.printing.device import EscposPrinter, send_ticket
from desktop.printing.ticket import (
    PAPERS,
    Charset,
    TicketOrder,
    TicketStyle,
    printer_test_ticket,
    render_ticket,
)
from desktop.printing.uri import parse_printer_uri
from desktop.printing.worker import PrintWorker, TicketRequest

log = logging.getLogger(__name__)

PRINT_ON_ACCEPT = "accept"
PRINT_ON_ARRIVAL = "arrival"
PRINT_NEVER = "never"

DEFAULT_TITLES = {Charset.GB18030: "外卖订单", Charset.ASCII: "Delivery order"}


class PrintingFields(Protocol):
    """Anything holding the printing settings by name (the saved settings, the dialog's form)."""

    @property
    def printer(self) -> str: ...
    @property
    def print_on(self) -> str: ...
    @property
    def copies(self) -> int: ...
    @property
    def paper_mm(self) -> int: ...
    @property
    def ticket_text(self) -> str: ...
    @property
    def ticket_title(self) -> str: ...


@dataclass(frozen=True, slots=True)
class PrintSettings:
    """The printing settings of this PC (see desktop.config for each one's meaning)."""

    printer: str = ""
    print_on: str = PRINT_ON_ACCEPT
    copies: int = 1
    paper_mm: int = 58
    ticket_text: str = Charset.GB18030.value
    ticket_title: str = ""

    @classmethod
    def from_settings(cls, settings: PrintingFields) -> PrintSettings:
        """The printing part of the PC's settings (or of the settings dialog's fields)."""
        return cls(
            printer=settings.printer,
            print_on=settings.print_on,
            copies=settings.copies,
            paper_mm=settings.paper_mm,
            ticket_text=settings.ticket_text,
            ticket_title=settings.ticket_title,
        )

    @property
    def style(self) -> TicketStyle:
        """How tickets are laid out for this printer."""
        charset = Charset(self.ticket_text)
        title = self.ticket_title.strip() or DEFAULT_TITLES[charset]
        return TicketStyle(PAPERS[self.paper_mm], charset, title)

    def printer_at(self, cache_dir: Path) -> EscposPrinter | None:
        """The printer these settings name, or None when printing is off."""
        if not self.printer:
            return None
        return EscposPrinter(parse_printer_uri(self.printer), cache_dir)


class KitchenTickets:
    """Turns orders into queued tickets according to the settings.

    Automatic tickets (on arrival, on acceptance, on auto-accept) carry the order number as key,
    so an order prints at most once by itself whatever happens; a reprint always prints.
    """

    def __init__(
        self, worker: PrintWorker, settings: PrintSettings, wall: Callable[[], datetime]
    ) -> None:
        self.worker = worker
        self.settings = settings
        self._wall = wall

    @property
    def enabled(self) -> bool:
        """True when a printer is set."""
        return bool(self.settings.printer)

    def prints_on(self, moment: str) -> bool:
        """True when tickets print automatically at ``moment`` (accept or arrival)."""
        return self.enabled and self.settings.print_on == moment

    @property
    def prints_on_auto_accept(self) -> bool:
        """True when an order this PC accepts by itself prints (unless tickets never print)."""
        return self.enabled and self.settings.print_on != PRINT_NEVER

    async def print_order(self, order: TicketOrder, *, reprint: bool = False) -> bool:
        """Queue ``order``'s ticket; False when it was printed automatically before.

        Raises OSError when the queue cannot be written (the caller warns).
        """
        style = self.settings.style
        now = self._wall()
        if now.tzinfo is None:
            raise ValueError("the wall clock must give timezone-aware times")
        request = TicketRequest(
            ticket=render_ticket(order, style, now.tzinfo),
            order_number=order.order_number,
            copies=self.settings.copies,
            charset=style.charset,
            paper_mm=style.paper.millimetres,
            queued_at=now,
            key=None if reprint else order.order_number,
        )
        return await self.worker.submit(request) is not None


def print_test_ticket(settings: PrintSettings, cache_dir: Path, now: datetime) -> str:
    """Print a test ticket straight away (not through the queue); a line saying where.

    Raises PrinterUriError for an unusable address (or none) and PrintFailed when the printer
    cannot print it. Blocking: call it off the Qt thread.
    """
    address = parse_printer_uri(settings.printer)
    send_ticket(EscposPrinter(address, cache_dir), printer_test_ticket(settings.style, now))
    log.info("test ticket printed on %s", address.describe())
    return f"test ticket sent to {address.describe()}"
