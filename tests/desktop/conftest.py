"""Fixtures shared by the desktop tests: a fake network printer on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.desktop.printing.fake_printer import FakePrinter


@pytest.fixture
def fake_printer() -> Iterator[FakePrinter]:
    """A started fake ESC/POS printer (stopped at the end)."""
    printer = FakePrinter()
    printer.start()
    yield printer
    printer.stop()
