"""The print worker against a fake network printer: in order, exactly once, never silently."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from desktop.printing.device import PrintProblem
from desktop.printing.queue import PrintQueue
from desktop.printing.ticket import TicketStyle, render_ticket
from desktop.printing.worker import PrintWorker
from tests.desktop.printing.conftest import SHANGHAI, StatusLog, request, sample_order
from tests.desktop.printing.fake_printer import PAPER_OUT, PAPER_PRESENT, FakePrinter

Make = Callable[[str | None, StatusLog], PrintWorker]


def ticket(number: str = "20261126140512345") -> bytes:
    return render_ticket(sample_order(number), TicketStyle(), SHANGHAI)


def wait_until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


async def test_a_ticket_reaches_the_printer_with_order_tail_items_and_remark(
    fake_printer: FakePrinter, make_worker: Make
) -> None:
    """The printed ticket's GB18030 text holds the order number, tail, items and remark."""
    worker = make_worker(fake_printer.uri, StatusLog())
    await worker.submit(request(ticket()))
    fake_printer.wait_for(lambda: len(fake_printer.tickets()) == 1)
    printed = fake_printer.tickets()[0]
    assert "20261126140512345" in printed.text
    assert any(line.text == "2345" and line.height >= 4 for line in printed.lines)
    assert "宫保鸡丁" in printed.text
    assert "x2" in printed.text
    assert "酸梅汤" in printed.text
    assert "少辣，不要香菜" in printed.text
    assert printed.cuts == 1


async def test_copies_print_the_ticket_that_many_times(
    fake_printer: FakePrinter, make_worker: Make
) -> None:
    """Two copies: two cut tickets with the same order."""
    worker = make_worker(fake_printer.uri, StatusLog())
    await worker.submit(request(ticket(), copies=2))
    fake_printer.wait_for(lambda: len(worker.queue) == 0)
    printed = fake_printer.tickets()
    assert [t.cuts for t in printed] == [1, 1]
    assert all("20261126140512345" in t.text for t in printed)


async def test_printer_down_warns_keeps_the_ticket_and_prints_it_once_when_back(
    fake_printer: FakePrinter, make_worker: Make
) -> None:
    """Connection refused: an UNREACHABLE status, the ticket stays queued, then prints once."""
    fake_printer.stop()
    log = StatusLog()
    worker = make_worker(fake_printer.uri, log)
    await worker.submit(request(ticket()))
    wait_until(lambda: PrintProblem.UNREACHABLE in log.problems)
    assert len(worker.queue) == 1
    fake_printer.start()
    fake_printer.wait_for(lambda: len(worker.queue) == 0)
    wait_until(lambda: log.statuses[-1].problem is None)
    assert len(fake_printer.tickets()) == 1


async def test_a_restart_while_the_printer_is_down_loses_no_ticket(
    fake_printer: FakePrinter, make_worker: Make
) -> None:
    """Queued while the printer was off, printed once by the next run of the app."""
    fake_printer.stop()
    log = StatusLog()
    first = make_worker(fake_printer.uri, log)
    await first.submit(request(ticket()))
    wait_until(lambda: PrintProblem.UNREACHABLE in log.problems)
    assert first.stop()
    fake_printer.start()
    second = make_worker(fake_printer.uri, StatusLog())
    fake_printer.wait_for(lambda: len(second.queue) == 0)
    assert len(fake_printer.tickets()) == 1


async def test_tickets_queued_while_down_print_in_order(
    fake_printer: FakePrinter, make_worker: Make
) -> None:
    """Three tickets queued while the printer is down come out oldest first."""
    fake_printer.stop()
    log = StatusLog()
    worker = make_worker(fake_printer.uri, log)
    numbers = ["20261126140500001", "20261126140500002", "20261126140500003"]
    for number in numbers:
        await worker.submit(request(ticket(number), number))
    wait_until(lambda: PrintProblem.UNREACHABLE in log.problems)
    fake_printer.start()
    fake_printer.wait_for(lambda: len(worker.queue) == 0)
    printed = [t.text for t in fake_printer.tickets()]
    assert [next(n for n in numbers if n in text) for text in printed] == numbers


async def test_paper_out_warns_and_prints_nothing_until_paper_is_back(
    fake_printer: FakePrinter, make_worker: Make
) -> None:
    """DLE EOT 4 says no paper: PAPER_OUT, no ticket bytes sent; new paper prints it once."""
    fake_printer.paper = PAPER_OUT
    log = StatusLog()
    worker = make_worker(fake_printer.uri, log)
    await worker.submit(request(ticket()))
    wait_until(lambda: PrintProblem.PAPER_OUT in log.problems)
    assert fake_printer.tickets() == []
    fake_printer.paper = PAPER_PRESENT
    worker.wake()
    fake_printer.wait_for(lambda: len(worker.queue) == 0)
    assert len(fake_printer.tickets()) == 1
    wait_until(lambda: log.statuses[-1].problem is None)


async def test_paper_running_out_during_a_ticket_prints_it_again_marked_as_a_reprint(
    fake_printer: FakePrinter, make_worker: Make
) -> None:
    """A roll that ends mid-ticket: PAPER_OUT, and the ticket comes again under a reprint line."""
    fake_printer.out_of_paper_after = 10
    log = StatusLog()
    worker = make_worker(fake_printer.uri, log)
    await worker.submit(request(ticket()))
    wait_until(lambda: PrintProblem.PAPER_OUT in log.problems)
    fake_printer.out_of_paper_after = None
    worker.wake()
    fake_printer.wait_for(lambda: len(worker.queue) == 0)
    last = fake_printer.tickets()[-1]
    assert last.lines[0].text == "补打：可能重复，请核对"
    assert "20261126140512345" in last.text


async def test_a_crash_after_sending_reprints_the_ticket_marked_as_maybe_a_duplicate(
    fake_printer: FakePrinter, make_worker: Make, queue_dir: object
) -> None:
    """A job left "sending" by a crash prints again, under the reprint line, exactly once."""
    queue = PrintQueue(queue_dir)  # type: ignore[arg-type]
    job = queue.add(
        ticket(),
        order_number="20261126140512345",
        copies=1,
        charset=request(b"").charset,
        paper_mm=58,
        now=datetime.now(UTC),
    )
    assert job is not None
    queue.mark_sending(job)  # ... and the app died before marking it printed
    worker = make_worker(fake_printer.uri, StatusLog())
    fake_printer.wait_for(lambda: len(worker.queue) == 0)
    (printed,) = fake_printer.tickets()
    assert printed.lines[0].text == "补打：可能重复，请核对"


async def test_a_printer_that_ignores_status_queries_still_prints(make_worker: Make) -> None:
    """A printer (or ``nc -l 9100``) that never answers DLE EOT gets the ticket anyway."""
    silent = FakePrinter(answers_status=False)
    silent.start()
    try:
        log = StatusLog()
        worker = make_worker(silent.uri, log)
        await worker.submit(request(ticket()))
        silent.wait_for(lambda: len(worker.queue) == 0)
        assert len(silent.tickets()) == 1
        assert log.problems[-1] is None
    finally:
        silent.stop()


async def test_the_same_key_is_printed_once(fake_printer: FakePrinter, make_worker: Make) -> None:
    """An order's ticket submitted twice under one key (an event replayed) prints once."""
    worker = make_worker(fake_printer.uri, StatusLog())
    assert await worker.submit(request(ticket(), key="20261126140512345:accept")) is not None
    assert await worker.submit(request(ticket(), key="20261126140512345:accept")) is None
    fake_printer.wait_for(lambda: len(worker.queue) == 0)
    assert len(fake_printer.tickets()) == 1


async def test_without_a_printer_tickets_stay_queued(make_worker: Make) -> None:
    """No printer configured: the ticket waits on disk and the status counts it."""
    log = StatusLog()
    worker = make_worker(None, log)
    await worker.submit(request(ticket()))
    wait_until(lambda: bool(log.statuses) and log.statuses[-1].waiting == 1)
    assert len(worker.queue) == 1


def test_retry_delays_must_be_positive(queue_dir: object) -> None:
    """A zero retry delay would spin on a dead printer."""
    with pytest.raises(ValueError, match="positive"):
        PrintWorker(PrintQueue(queue_dir), None, StatusLog(), retry_delays=(0.0,))  # type: ignore[arg-type]
