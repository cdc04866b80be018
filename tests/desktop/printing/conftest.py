"""Fixtures for the printing tests: a fake network printer, a queue folder, a worker on them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop.printing.device import EscposPrinter
from desktop.printing.queue import PrintQueue
from desktop.printing.ticket import Charset, TicketItem, TicketOrder
from desktop.printing.uri import parse_printer_uri
from desktop.printing.worker import PrinterStatus, PrintWorker, TicketRequest

SHANGHAI = timezone(timedelta(hours=8))
PAID_AT = datetime(2026, 11, 26, 14, 5, 12, tzinfo=SHANGHAI)
FAST_RETRIES = (0.05,)


def sample_order(number: str = "20261126140512345", **changes: object) -> TicketOrder:
    """An order with two items, a remark, a phone tail and an address."""
    values: dict[str, object] = {
        "order_number": number,
        "amount_fen": 6050,
        "items": (TicketItem("宫保鸡丁", 2, 2800), TicketItem("酸梅汤", 1, 450)),
        "paid_at": PAID_AT,
        "remark": "少辣，不要香菜",
        "phone_tail": "5678",
        "address": "人民路 88 号 3 栋 1201",
    }
    values.update(changes)
    return TicketOrder(**values)  # type: ignore[arg-type]


def request(ticket: bytes, number: str = "20261126140512345", **changes: object) -> TicketRequest:
    values: dict[str, object] = {
        "ticket": ticket,
        "order_number": number,
        "copies": 1,
        "charset": Charset.GB18030,
        "paper_mm": 58,
        "queued_at": PAID_AT,
    }
    values.update(changes)
    return TicketRequest(**values)  # type: ignore[arg-type]


@pytest.fixture
def queue_dir(tmp_path: Path) -> Path:
    return tmp_path / "print-queue"


class StatusLog:
    """Collects the statuses a worker reports (on its thread)."""

    def __init__(self) -> None:
        self.statuses: list[PrinterStatus] = []

    def __call__(self, status: PrinterStatus) -> None:
        self.statuses.append(status)

    @property
    def problems(self) -> list[object]:
        return [status.problem for status in self.statuses]


@pytest.fixture
def make_worker(
    tmp_path: Path, queue_dir: Path
) -> Iterator[Callable[[str | None, StatusLog], PrintWorker]]:
    """Builds started workers on the queue folder; all are stopped at the end."""
    workers: list[PrintWorker] = []

    def make(uri: str | None, log: StatusLog) -> PrintWorker:
        printer = None
        if uri is not None:
            address = parse_printer_uri(uri)
            printer = EscposPrinter(address, tmp_path / "cache", status_timeout_s=0.2)
        worker = PrintWorker(PrintQueue(queue_dir), printer, log, retry_delays=FAST_RETRIES)
        worker.start()
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        assert worker.stop(), "the print worker did not stop"
