"""Printer addresses: every kind parsed, every mistake refused saying what to fix."""

from __future__ import annotations

import pytest

from desktop.printing.uri import PrinterKind, PrinterUriError, parse_printer_uri


def test_a_network_printer_defaults_to_port_9100() -> None:
    """``tcp://HOST`` is the raw-printing port 9100 of that host."""
    address = parse_printer_uri("tcp://192.168.1.50")
    assert (address.kind, address.host, address.port) == (PrinterKind.TCP, "192.168.1.50", 9100)


def test_a_network_printer_takes_a_port_and_an_ipv6_literal() -> None:
    """``tcp://[::1]:9101`` names the host ``::1`` and port 9101."""
    address = parse_printer_uri("tcp://[::1]:9101")
    assert (address.host, address.port) == ("::1", 9101)


def test_a_usb_printer_is_named_by_its_hexadecimal_ids_and_endpoints() -> None:
    """``usb://0416:5011?in_ep=0x81&out_ep=0x02`` as lsusb shows the ids."""
    address = parse_printer_uri("usb://0416:5011?in_ep=0x81&out_ep=0x02")
    assert (address.vendor_id, address.product_id) == (0x0416, 0x5011)
    assert (address.in_endpoint, address.out_endpoint) == (0x81, 0x02)


def test_a_serial_printer_takes_a_device_and_a_baud_rate() -> None:
    """``serial:///dev/ttyUSB0?baudrate=19200``."""
    address = parse_printer_uri("serial:///dev/ttyUSB0?baudrate=19200")
    assert (address.device, address.baudrate) == ("/dev/ttyUSB0", 19200)


def test_a_windows_serial_port_is_named_after_the_slashes() -> None:
    """``serial://COM3`` is port COM3 at 9600 baud."""
    address = parse_printer_uri("serial://COM3")
    assert (address.device, address.baudrate) == ("COM3", 9600)


def test_a_device_file_printer_takes_a_full_path() -> None:
    """``file:///dev/usb/lp0`` writes to /dev/usb/lp0."""
    assert parse_printer_uri("file:///dev/usb/lp0").device == "/dev/usb/lp0"


def test_a_windows_printer_keeps_its_name_with_spaces() -> None:
    """``win32://POS-80 Series`` is the printer Windows calls "POS-80 Series"."""
    address = parse_printer_uri("  win32://POS-80 Series ")
    assert (address.kind, address.printer_name) == (PrinterKind.WIN32, "POS-80 Series")


def test_the_scheme_is_not_case_sensitive() -> None:
    """``TCP://`` is ``tcp://``."""
    assert parse_printer_uri("TCP://printer.local").uri == "tcp://printer.local"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter the printer address"),
        ("   ", "Enter the printer address"),
        ("192.168.1.50", "Unknown printer address"),
        ("ipp://printer/queue", "Unknown printer address"),
        ("tcp://", "host name or IP address is not valid"),
        ("tcp://bad host", "must not contain spaces"),
        ("tcp://-bad-.local", "host name or IP address is not valid"),
        ("tcp://printer:0", "port must be a number from 1 to 65535"),
        ("tcp://printer:65536", "port must be a number from 1 to 65535"),
        ("tcp://printer:99999999999999999999999", "port must be a number from 1 to 65535"),
        ("tcp://printer:", "port must be a number from 1 to 65535"),
        ("tcp://printer/queue", "nothing more"),
        ("tcp://user@printer", "nothing more"),
        ("usb://0416", "usb://VID:PID"),
        ("usb://xyz:5011", "usb://VID:PID"),
        ("usb://0000:5011", "never 0000"),
        ("usb://0416:5011?in_ep=0x1ff", "hexadecimal byte"),
        ("usb://0416:5011?timeout=3", "option it does not know"),
        ("usb://0416:5011?in_ep=1&in_ep=2", "option it does not know"),
        ("serial://", "names its port"),
        ("serial:///dev/ttyUSB0?baudrate=1234", "baud rate must be one of"),
        ("serial:///dev/ttyUSB0?baudrate=" + "9" * 400, "baud rate must be one of"),
        ("serial:///dev/ttyUSB0?parity=N", "option it does not know"),
        ("file://lp0", "full path"),
        ("file:///dev/usb/lp0?x", "'?' or '#'"),
        ("win32://", "names the printer"),
        ("tcp://printer\x00", "control characters"),
        ("tcp://printer\ud800", "control characters"),
        ("win32://POS\n80", "control characters"),
        ("tcp://" + "a" * 600, "too long"),
    ],
)
def test_a_bad_address_is_refused_saying_what_to_fix(text: str, message: str) -> None:
    """Each mistake gets its own sentence (translated in the dialog and printed by the CLI)."""
    with pytest.raises(PrinterUriError, match=message):
        parse_printer_uri(text)
