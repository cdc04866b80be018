"""``orderbell --printer/--print-on/--auto-accept`` and ``--print-test``, as real processes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from desktop.__main__ import run_print_test
from desktop.config import DesktopSettings, MemoryKeyring, SettingsStore
from tests.desktop.app.test_orderbell_command import orderbell
from tests.desktop.printing.fake_printer import PAPER_OUT, FakePrinter


def saved_settings(home: Path) -> dict[str, object]:
    data = json.loads((home / "config" / "OrderBell" / "settings.json").read_text())
    assert isinstance(data, dict)
    return data


async def test_printing_options_are_saved(tmp_path: Path, fake_printer: FakePrinter) -> None:
    """--printer, --print-on and --auto-accept are saved like --server."""
    code, out = await orderbell(
        tmp_path,
        "--printer",
        fake_printer.uri,
        "--print-on",
        "arrival",
        "--auto-accept",
        "on",
        "--print-test",
    )
    assert code == 0, out
    settings = saved_settings(tmp_path)
    assert (settings["printer"], settings["print_on"], settings["auto_accept"]) == (
        fake_printer.uri,
        "arrival",
        True,
    )


async def test_a_malformed_printer_address_is_refused_and_nothing_saved(tmp_path: Path) -> None:
    """An unknown scheme: exit 2 with the sentence saying what to fix; no settings file."""
    code, out = await orderbell(tmp_path, "--printer", "lpt://1", "--auto-accept", "on")
    assert code == 2
    assert "Unknown printer address: use tcp://" in out
    assert not (tmp_path / "config" / "OrderBell" / "settings.json").exists()


async def test_print_test_prints_a_ticket_and_exits_0(
    tmp_path: Path, fake_printer: FakePrinter
) -> None:
    """--print-test sends the test ticket to the saved printer and says so on one line."""
    code, out = await orderbell(tmp_path, "--printer", fake_printer.uri, "--print-test")
    assert code == 0, out
    assert out.splitlines()[-1] == f"OK   test ticket sent to {fake_printer.uri}"
    await asyncio.to_thread(fake_printer.wait_for, lambda: len(fake_printer.tickets()) == 1)
    assert fake_printer.tickets()[0].lines[0].text == "测试小票，请勿出餐"


def run_print_test_on(home: Path, printer: str) -> int:
    store = SettingsStore(home / "config", MemoryKeyring())
    if printer:
        store.save(DesktopSettings(printer=printer))
    return run_print_test(store, home / "cache")


def test_print_test_on_a_printer_out_of_paper_exits_1_with_one_line(
    tmp_path: Path, fake_printer: FakePrinter, capsys: pytest.CaptureFixture[str]
) -> None:
    """No paper: exit 1 and one line saying why; nothing printed."""
    fake_printer.paper = PAPER_OUT
    assert run_print_test_on(tmp_path, fake_printer.uri) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("print test failed: paper_out")
    assert fake_printer.tickets() == []


def test_print_test_on_a_printer_that_is_off_exits_1(
    tmp_path: Path, fake_printer: FakePrinter, capsys: pytest.CaptureFixture[str]
) -> None:
    """Connection refused: exit 1, one line naming the failure."""
    fake_printer.stop()
    assert run_print_test_on(tmp_path, fake_printer.uri) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("print test failed: unreachable")


def test_print_test_without_a_printer_says_how_to_set_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No printer saved: exit 1 and the option that sets one."""
    assert run_print_test_on(tmp_path, "") == 1
    assert capsys.readouterr().out == (
        "print test failed: no printer is set (orderbell --printer URI)\n"
    )
