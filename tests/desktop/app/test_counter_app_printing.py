"""The counter app prints: real widgets, the demo server, and a fake network printer."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from backend.demo import demo_backend
from backend.simulator import SimulatedOrder, Simulator
from desktop.app import DesktopApp
from desktop.config import DesktopSettings, MemoryKeyring, SettingsStore
from desktop.counter import NOTICE_PRINTER
from tests.desktop.app.conftest import RecordingSpeaker, until
from tests.desktop.printing.fake_printer import FakePrinter

Run = Callable[[Coroutine[Any, Any, Any]], Any]


@contextlib.asynccontextmanager
async def printing_app(
    qapp: QApplication, directory: Path, printer: FakePrinter, **printing: Any
) -> AsyncIterator[tuple[DesktopApp, Callable[[], Coroutine[Any, Any, SimulatedOrder]]]]:
    async with demo_backend() as backend, httpx.AsyncClient(base_url=backend.base_url) as http:
        store = SettingsStore(directory / "config", MemoryKeyring())
        store.save(DesktopSettings(server_url=backend.base_url, printer=printer.uri, **printing))
        store.save_token(backend.token, backend.base_url)
        app = DesktopApp(qapp, store, RecordingSpeaker(), directory / "state")  # type: ignore[arg-type]
        app.start(run_self_check=False)

        async def paid_order() -> SimulatedOrder:
            sim = Simulator(backend.kit, http)
            return await sim.pay(await sim.submit())

        try:
            yield app, paid_order
        finally:
            await app.shutdown()


def test_accept_on_the_card_prints_the_kitchen_ticket(
    qapp: QApplication, qloop: Run, tmp_path: Path, qtbot: Any, fake_printer: FakePrinter
) -> None:
    """Clicking Accept on the card prints the order's ticket on the kitchen printer."""

    async def scenario() -> None:
        async with printing_app(qapp, tmp_path, fake_printer) as (app, paid_order):
            order = await paid_order()
            assert order.id is not None
            await until(lambda: app.cards.card(order.id) is not None, "the card")
            card = app.cards.card(order.id)
            assert card is not None
            qtbot.mouseClick(card.accept_button, Qt.MouseButton.LeftButton)
            await until(lambda: len(fake_printer.tickets()) == 1, "the ticket")
            assert order.number in fake_printer.tickets()[0].text

    qloop(scenario())


def test_a_printer_that_is_off_shows_a_warning_card(
    qapp: QApplication, qloop: Run, tmp_path: Path, fake_printer: FakePrinter
) -> None:
    """Printing on arrival to a printer that is off: a notice card says so, and is spoken."""
    fake_printer.stop()

    async def scenario() -> None:
        async with printing_app(qapp, tmp_path, fake_printer, print_on="arrival") as (app, paid):
            await paid()
            await until(lambda: NOTICE_PRINTER in app.notices.kinds(), "the printer notice")
            assert app.notices.isVisible()
            speaker = app.speaker
            assert isinstance(speaker, RecordingSpeaker)
            await until(
                lambda: any(
                    t in ("打印机连接失败", "Printer connection failed") for t in speaker.said
                ),
                "the spoken warning",
            )
            fake_printer.start()
            await until(lambda: NOTICE_PRINTER not in app.notices.kinds(), "the notice to go")
            assert len(fake_printer.tickets()) == 1

    qloop(scenario())


def test_print_ticket_in_the_orders_window_prints_it_again(
    qapp: QApplication, qloop: Run, tmp_path: Path, qtbot: Any, fake_printer: FakePrinter
) -> None:
    """The orders window's Print ticket on a waiting order prints its ticket."""

    async def scenario() -> None:
        async with printing_app(qapp, tmp_path, fake_printer) as (app, paid_order):
            order = await paid_order()
            app.show_orders()
            name = f"print_{order.id}"
            await until(
                lambda: app.orders.findChild(QPushButton, name) is not None, "the print button"
            )
            button = app.orders.findChild(QPushButton, name)
            assert button is not None
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
            await until(lambda: len(fake_printer.tickets()) == 1, "the ticket")
            assert order.number in fake_printer.tickets()[0].text

    qloop(scenario())


def test_print_test_ticket_in_settings_prints_and_says_so(
    qapp: QApplication, qloop: Run, tmp_path: Path, qtbot: Any, fake_printer: FakePrinter
) -> None:
    """Settings' Print test ticket sends the test ticket and shows that it went."""

    async def scenario() -> None:
        async with printing_app(qapp, tmp_path, fake_printer) as (app, _paid):
            app.open_settings()
            dialog = app.settings_dialog
            assert dialog is not None
            qtbot.mouseClick(dialog.printing.test_button, Qt.MouseButton.LeftButton)
            await until(lambda: len(fake_printer.tickets()) == 1, "the test ticket")
            await until(
                lambda: dialog.printing.test_result.text() != "Printing a test ticket…",
                "the result line",
            )
            assert dialog.printing.test_result.text() in (
                "The test ticket was sent.",
                "测试小票已发送到打印机。",
            )

    qloop(scenario())
