"""Printer addresses: one URI per counter PC, parsed strictly into what the printer driver needs.

``tcp://HOST[:PORT]`` (network printers, port 9100 by default), ``usb://VID:PID`` (ids in hex as
``lsusb`` shows them, optionally ``?in_ep=0x81&out_ep=0x02``), ``serial:///dev/ttyUSB0`` or
``serial://COM3`` (``?baudrate=9600``), ``file:///dev/usb/lp0`` and ``win32://PRINTER NAME``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from urllib.parse import parse_qsl, unquote, urlsplit

from desktop.core.marks import QT_TRANSLATE_NOOP
from desktop.net.urls import explicit_port, valid_host

PRINTER_URI_CONTEXT = "PrinterAddress"
"""Translation context of the address errors: show ``translate(PRINTER_URI_CONTEXT, msg)``."""

DEFAULT_TCP_PORT = 9100
DEFAULT_BAUDRATE = 9600
BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
MAX_URI_LENGTH = 512

_USB_ID = re.compile(r"^(?:0x)?([0-9a-fA-F]{1,4})$")
_ENDPOINT = re.compile(r"^(?:0x)?([0-9a-fA-F]{1,2})$")


class PrinterUriError(ValueError):
    """A printer address that cannot be used; the message is a fixed sentence saying what to fix.

    Show it with ``QCoreApplication.translate(PRINTER_URI_CONTEXT, str(error))``.
    """


class PrinterKind(Enum):
    """How the printer is attached."""

    TCP = "tcp"
    USB = "usb"
    SERIAL = "serial"
    FILE = "file"
    WIN32 = "win32"


@dataclass(frozen=True, slots=True)
class PrinterAddress:
    """Where the tickets go. Only the fields of the address's kind are set."""

    kind: PrinterKind
    uri: str
    host: str = ""
    port: int = DEFAULT_TCP_PORT
    vendor_id: int = 0
    product_id: int = 0
    in_endpoint: int | None = None
    out_endpoint: int | None = None
    device: str = ""
    baudrate: int = DEFAULT_BAUDRATE
    printer_name: str = ""

    def describe(self) -> str:
        """A short text for log lines and the check's output (no secrets in any of these)."""
        return self.uri


def _fail(message: str) -> PrinterUriError:
    return PrinterUriError(message)


def parse_printer_uri(text: str) -> PrinterAddress:
    """The printer address ``text`` names; :class:`PrinterUriError` saying what is wrong if none."""
    uri = text.strip()
    if not uri:
        raise _fail(
            QT_TRANSLATE_NOOP(
                "PrinterAddress", "Enter the printer address, for example tcp://192.168.1.50:9100."
            )
        )
    if len(uri) > MAX_URI_LENGTH:
        raise _fail(QT_TRANSLATE_NOOP("PrinterAddress", "The printer address is too long."))
    if not uri.isprintable():  # control characters, NUL, lone surrogates
        raise _fail(
            QT_TRANSLATE_NOOP(
                "PrinterAddress", "The printer address must not contain control characters."
            )
        )
    scheme, separator, rest = uri.partition("://")
    parsers = {
        "tcp": _tcp,
        "usb": _usb,
        "serial": _serial,
        "file": _file,
        "win32": _win32,
    }
    parse = parsers.get(scheme.lower()) if separator else None
    if parse is None:
        raise _fail(
            QT_TRANSLATE_NOOP(
                "PrinterAddress",
                "Unknown printer address: use tcp://, usb://, serial://, file:// or win32://.",
            )
        )
    return parse(f"{scheme.lower()}://{rest}", rest)


def _tcp(uri: str, rest: str) -> PrinterAddress:
    if any(char.isspace() for char in rest):
        raise _fail(
            QT_TRANSLATE_NOOP(
                "PrinterAddress", "A network printer address must not contain spaces."
            )
        )
    parts = urlsplit(uri)
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise _fail(
            QT_TRANSLATE_NOOP(
                "PrinterAddress",
                "A network printer address is tcp://HOST or tcp://HOST:PORT, nothing more.",
            )
        )
    host = parts.hostname or ""
    if not host or not valid_host(host):
        raise _fail(
            QT_TRANSLATE_NOOP(
                "PrinterAddress", "The printer's host name or IP address is not valid."
            )
        )
    try:
        port = explicit_port(parts)
    except ValueError:
        raise _fail(
            QT_TRANSLATE_NOOP(
                "PrinterAddress", "The printer's port must be a number from 1 to 65535."
            )
        ) from None
    return PrinterAddress(
        PrinterKind.TCP, uri.rstrip("/"), host=host, port=port or DEFAULT_TCP_PORT
    )


def _usb(uri: str, rest: str) -> PrinterAddress:
    ids, _, query = rest.partition("?")
    vendor, colon, product = ids.rstrip("/").partition(":")
    vendor_match, product_match = _USB_ID.match(vendor), _USB_ID.match(product)
    if not colon or vendor_match is None or product_match is None:
        raise _fail(
            QT_TRANSLATE_NOOP(
                "PrinterAddress",
                "A USB printer address is usb://VID:PID with the two hexadecimal ids "
                "lsusb shows, for example usb://0416:5011.",
            )
        )
    vendor_id, product_id = int(vendor_match.group(1), 16), int(product_match.group(1), 16)
    if vendor_id == 0 or product_id == 0:
        raise _fail(
            QT_TRANSLATE_NOOP("PrinterAddress", "USB vendor and product ids are never 0000.")
        )
    options = _query(query, {"in_ep", "out_ep"})
    endpoints = {}
    for key, value in options.items():
        match = _ENDPOINT.match(value)
        if match is None:
            raise _fail(
                QT_TRANSLATE_NOOP(
                    "PrinterAddress",
                    "A USB endpoint (in_ep, out_ep) is a hexadecimal byte, for example 0x81.",
                )
            )
        endpoints[key] = int(match.group(1), 16)
    return PrinterAddress(
        PrinterKind.USB,
        uri,
        vendor_id=vendor_id,
        product_id=product_id,
        in_endpoint=endpoints.get("in_ep"),
        out_endpoint=endpoints.get("out_ep"),
    )


def _serial(uri: str, rest: str) -> PrinterAddress:
    location, _, query = rest.partition("?")
    device = unquote(location)
    if not device or device == "/":
        raise _fail(
            QT_TRANSLATE_NOOP(
                "PrinterAddress",
                "A serial printer address names its port: serial:///dev/ttyUSB0 or serial://COM3.",
            )
        )
    options = _query(query, {"baudrate"})
    baudrate = DEFAULT_BAUDRATE
    if "baudrate" in options:
        text = options["baudrate"]
        if not text.isascii() or not text.isdigit() or int(text[:7]) not in BAUDRATES:
            raise _fail(
                QT_TRANSLATE_NOOP(
                    "PrinterAddress",
                    "The baud rate must be one of 1200, 2400, 4800, 9600, 19200, 38400, "
                    "57600 or 115200.",
                )
            )
        baudrate = int(text)
    return PrinterAddress(PrinterKind.SERIAL, uri, device=device, baudrate=baudrate)


def _file(uri: str, rest: str) -> PrinterAddress:
    path = unquote(rest)
    if "?" in rest or "#" in rest:
        raise _fail(
            QT_TRANSLATE_NOOP(
                "PrinterAddress", "A printer device address must not contain a '?' or '#' part."
            )
        )
    # file:///dev/usb/lp0 (POSIX) or file://C:/... (a Windows path after the two slashes).
    if not (path.startswith("/") and len(path) > 1) and not re.match(r"^[A-Za-z]:[\\/]", path):
        raise _fail(
            QT_TRANSLATE_NOOP(
                "PrinterAddress",
                "A printer device address is a full path, for example file:///dev/usb/lp0.",
            )
        )
    return PrinterAddress(PrinterKind.FILE, uri, device=path)


def _win32(uri: str, rest: str) -> PrinterAddress:
    name = rest.strip()
    if not name:
        raise _fail(
            QT_TRANSLATE_NOOP(
                "PrinterAddress",
                "A Windows printer address names the printer as Windows shows it, "
                "for example win32://POS-80C.",
            )
        )
    return PrinterAddress(PrinterKind.WIN32, uri, printer_name=name)


def _query(query: str, allowed: set[str]) -> dict[str, str]:
    if not query:
        return {}
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True, max_num_fields=8)
    except ValueError:
        pairs = [("", "")]
    options = dict(pairs)
    if len(options) != len(pairs) or not set(options) <= allowed:
        raise _fail(
            QT_TRANSLATE_NOOP(
                "PrinterAddress",
                "The printer address has an option it does not know (serial:// takes "
                "baudrate, usb:// takes in_ep and out_ep).",
            )
        )
    return options
