"""The printer connection: status answers, device files, and what cannot be reached."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.printing.device import (
    EscposPrinter,
    PaperState,
    PrintFailed,
    PrintProblem,
    paper_state,
    send_ticket,
)
from desktop.printing.reading import read_ticket
from desktop.printing.uri import parse_printer_uri
from tests.desktop.printing.fake_printer import FakePrinter


@pytest.mark.parametrize(
    ("answer", "state"),
    [
        (b"\x12", PaperState.PRESENT),
        (b"\x1e", PaperState.NEAR_END),
        (b"\x72", PaperState.OUT),
        (b"\x7e", PaperState.OUT),
        (b"", PaperState.UNKNOWN),
        (b"\x00", PaperState.UNKNOWN),
        (b"\x12\x12", PaperState.UNKNOWN),
    ],
)
def test_the_paper_status_answer_is_read_by_its_bits(answer: bytes, state: PaperState) -> None:
    """DLE EOT 4: fixed bits 1 and 4, near end in bits 2-3, out in bits 5-6; else unknown."""
    assert paper_state(answer) is state


def test_a_device_file_printer_receives_the_ticket_bytes(tmp_path: Path) -> None:
    """``file://`` writes the ticket to the device (here a plain file) as it is."""
    device = tmp_path / "lp0"
    printer = EscposPrinter(parse_printer_uri(f"file://{device}"), tmp_path / "cache")
    send_ticket(printer, b"\x1b@hello\n")
    assert read_ticket(device.read_bytes()).text == "hello"


def test_a_missing_device_file_is_a_connection_failure(tmp_path: Path) -> None:
    """A device path in a folder that does not exist: UNREACHABLE, saying which file."""
    printer = EscposPrinter(parse_printer_uri("file:///nonexistent/usb/lp0"), tmp_path / "cache")
    with pytest.raises(PrintFailed) as failure:
        send_ticket(printer, b"x")
    assert failure.value.problem is PrintProblem.UNREACHABLE
    assert "/nonexistent/usb/lp0" in failure.value.detail


@pytest.mark.skipif(os.name == "nt", reason="Windows has win32 printers")
def test_a_windows_printer_elsewhere_is_a_clear_failure(tmp_path: Path) -> None:
    """``win32://`` on Linux or macOS says it exists only on Windows."""
    printer = EscposPrinter(parse_printer_uri("win32://POS-80"), tmp_path / "cache")
    with pytest.raises(PrintFailed, match="only on Windows"):
        send_ticket(printer, b"x")


def test_a_usb_printer_that_is_not_plugged_in_is_a_connection_failure(tmp_path: Path) -> None:
    """No such USB device (or no USB access at all): UNREACHABLE, nothing raised past it."""
    printer = EscposPrinter(parse_printer_uri("usb://0416:5011"), tmp_path / "cache")
    with pytest.raises(PrintFailed) as failure:
        send_ticket(printer, b"x")
    assert failure.value.problem is PrintProblem.UNREACHABLE


def test_the_paper_query_comes_before_the_ticket(fake_printer: FakePrinter, tmp_path: Path) -> None:
    """The printer is asked for its paper before any ticket byte, and once more after."""
    printer = EscposPrinter(parse_printer_uri(fake_printer.uri), tmp_path / "cache")
    send_ticket(printer, b"\x1b@ticket\n")
    fake_printer.wait_for(lambda: fake_printer.jobs[-1].endswith(b"\x10\x04\x04"))
    assert fake_printer.jobs[-1] == b"\x10\x04\x04\x1b@ticket\n\x10\x04\x04"


def test_loading_the_printer_drivers_leaves_no_temporary_folder(tmp_path: Path) -> None:
    """python-escpos caches its printer database in our folder, not a new temp folder per run."""
    temp, cache = tmp_path / "temp", tmp_path / "cache"
    temp.mkdir()
    code = (
        "import sys, pathlib\n"
        "from desktop.printing.device import _escpos_printers\n"
        "_escpos_printers(pathlib.Path(sys.argv[1]))\n"
    )
    environment = {**os.environ, "TMPDIR": str(temp)}
    environment.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    subprocess.run([sys.executable, "-c", code, str(cache)], env=environment, check=True)
    assert list(temp.iterdir()) == []
    assert any(path.name.endswith(".capabilities.pickle") for path in cache.iterdir())
