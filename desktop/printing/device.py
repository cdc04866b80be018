"""Talking to the printer through python-escpos: connect, ask its status, send a ticket.

Blocking I/O: only the print worker's thread (and ``orderbell --print-test``) calls it. The
driver module is imported on first use, so the counter app starts as fast without a printer.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import socket
import sys
import tempfile
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import Any

from desktop.printing import commands
from desktop.printing.uri import PrinterAddress, PrinterKind

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
STATUS_TIMEOUT_S = 1.5


class PrintProblem(Enum):
    """Why a ticket is not on paper; each has the words staff hear and read."""

    UNREACHABLE = "unreachable"
    PAPER_OUT = "paper_out"


class PrintFailed(Exception):
    """The printer cannot take the ticket now: ``problem`` says why, ``detail`` for the log."""

    def __init__(self, problem: PrintProblem, detail: str) -> None:
        super().__init__(f"{problem.value}: {detail}")
        self.problem = problem
        self.detail = detail


class PaperState(Enum):
    """What ``DLE EOT 4`` says about the roll (UNKNOWN when the printer does not answer it)."""

    PRESENT = "present"
    NEAR_END = "near_end"
    OUT = "out"
    UNKNOWN = "unknown"


def paper_state(answer: bytes) -> PaperState:
    """The roll's state from a printer's answer to ``DLE EOT 4``."""
    if len(answer) != 1 or answer[0] & 0x93 != 0x12:  # bits 1 and 4 set, 0 and 7 clear
        return PaperState.UNKNOWN
    if answer[0] & commands.PAPER_OUT_BITS:
        return PaperState.OUT
    if answer[0] & commands.PAPER_NEAR_END_BITS:
        return PaperState.NEAR_END
    return PaperState.PRESENT


class EscposConnection:
    """One open connection to the printer; close it when the ticket is sent."""

    def __init__(self, driver: Any, address: PrinterAddress, status_timeout_s: float) -> None:
        self._driver = driver
        self._address = address
        self._status_timeout_s = status_timeout_s
        self.answers_status = False

    def paper(self) -> PaperState:
        """Ask the printer for its paper state; UNKNOWN when it does not answer in time."""
        try:
            answer = self._query(commands.STATUS_PAPER)
        except PrintFailed:
            raise
        except Exception as exc:  # a driver without a read channel, a timeout, a USB error
            log.debug("printer %s gave no status: %r", self._address.describe(), exc)
            return PaperState.UNKNOWN
        state = paper_state(answer)
        self.answers_status |= state is not PaperState.UNKNOWN
        return state

    def check_ready(self) -> None:
        """Raise PAPER_OUT when the printer says its roll is out; anything else may print."""
        if self.paper() is PaperState.OUT:
            raise PrintFailed(PrintProblem.PAPER_OUT, "the printer reports no paper")

    def check_received(self) -> None:
        """After a ticket: a printer that answers status says PAPER_OUT if it ran out meanwhile.

        The answer comes after the printer took every byte before the query, so a printer that
        answers has the whole ticket; one whose roll ran out may have printed half of it.
        """
        if self.answers_status and self.paper() is PaperState.OUT:
            raise PrintFailed(PrintProblem.PAPER_OUT, "the paper ran out during the ticket")

    def write(self, data: bytes) -> None:
        """Send ``data``; any failure is UNREACHABLE (part of it may have printed)."""
        try:
            self._driver._raw(data)
        except Exception as exc:
            raise PrintFailed(PrintProblem.UNREACHABLE, f"sending failed: {exc}") from exc

    def close(self) -> None:
        """Close the connection (ends the print job of a Windows printer)."""
        try:
            self._driver.close()
        except Exception as exc:
            log.debug("closing printer %s: %r", self._address.describe(), exc)

    def _query(self, query: bytes) -> bytes:
        device = self._driver.device
        if isinstance(device, socket.socket):
            # A printer that ignores status queries must not hold a ticket for the send timeout.
            device.settimeout(self._status_timeout_s)
            try:
                answer: bytes = self._driver.query_status(query)
            finally:
                device.settimeout(CONNECT_TIMEOUT_S)
            if not answer:
                raise PrintFailed(PrintProblem.UNREACHABLE, "the printer closed the connection")
            return answer[-1:]
        return bytes(self._driver.query_status(query))[-1:]


class EscposPrinter:
    """Opens connections to the printer ``address`` names, through python-escpos."""

    def __init__(
        self,
        address: PrinterAddress,
        cache_dir: Path,
        *,
        status_timeout_s: float = STATUS_TIMEOUT_S,
    ) -> None:
        self.address = address
        self._cache_dir = cache_dir
        self._status_timeout_s = status_timeout_s

    def connect(self) -> EscposConnection:
        """An open connection; PrintFailed(UNREACHABLE) saying why there is none."""
        printers = _escpos_printers(self._cache_dir)
        try:
            driver = _driver(printers, self.address)
            driver.open()
        except PrintFailed:
            raise
        except Exception as exc:  # DeviceNotFoundError, a missing USB backend, ...
            raise PrintFailed(PrintProblem.UNREACHABLE, _one_line(exc)) from exc
        return EscposConnection(driver, self.address, self._status_timeout_s)


def send_ticket(
    printer: EscposPrinter, data: bytes, *, before_write: Callable[[], object] = lambda: None
) -> None:
    """Connect, check the paper, call ``before_write``, send ``data``, check it arrived, close.

    Raises PrintFailed. Nothing is sent when the printer cannot be reached or has no paper.
    """
    connection = printer.connect()
    try:
        connection.check_ready()
        before_write()
        connection.write(data)
        connection.check_received()
    finally:
        connection.close()


def _driver(printers: ModuleType, address: PrinterAddress) -> Any:
    kind = address.kind
    if kind is PrinterKind.TCP:
        return _network_driver(printers)(address.host, address.port, timeout=CONNECT_TIMEOUT_S)
    if kind is PrinterKind.USB:
        endpoints = {
            name: value
            for name, value in (("in_ep", address.in_endpoint), ("out_ep", address.out_endpoint))
            if value is not None
        }
        return printers.Usb(
            address.vendor_id,
            address.product_id,
            timeout=int(CONNECT_TIMEOUT_S * 1000),
            **endpoints,
        )
    if kind is PrinterKind.SERIAL:
        return printers.Serial(address.device, baudrate=address.baudrate, timeout=STATUS_TIMEOUT_S)
    if kind is PrinterKind.FILE:
        return printers.File(address.device)
    if os.name != "nt":
        raise PrintFailed(PrintProblem.UNREACHABLE, "win32:// printers exist only on Windows")
    return printers.Win32Raw(address.printer_name)


@functools.cache
def _network_driver(printers: ModuleType) -> Any:
    """python-escpos' network printer, opened with ``socket.create_connection``.

    Its own ``open`` reaches IPv4 only and leaks the socket when the connection is refused.
    """

    class Network(printers.Network):  # type: ignore[misc, name-defined]
        def open(self, raise_not_found: bool = True) -> None:
            if self._device:
                self.close()
            self.device = socket.create_connection((self.host, self.port), timeout=self.timeout)

    return Network


def _escpos_printers(cache_dir: Path) -> ModuleType:
    if "escpos.printer" not in sys.modules:
        # python-escpos caches its printer database in ESCPOS_CAPABILITIES_PICKLE_DIR, and on
        # import creates a temporary folder whether or not that is set. Point both at our cache
        # folder, so no folder is left behind per start, and remove the empty one afterwards.
        scratch = cache_dir / "import"
        scratch.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(cache_dir))
        saved, tempfile.tempdir = tempfile.tempdir, str(scratch)
        try:
            import escpos.printer
        finally:
            tempfile.tempdir = saved
        for leftover in scratch.iterdir():
            with contextlib.suppress(OSError):
                leftover.rmdir()
    import escpos.printer

    printers: ModuleType = escpos.printer
    return printers


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
