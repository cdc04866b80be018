"""The print worker: one thread that owns the printer and works through the queue in order.

Printing never runs on the Qt thread, so a printer that hangs for its full timeout delays no
card and no speech. A ticket that cannot be printed stays first in the queue and is tried again
(sooner when a new ticket arrives or the settings change); later tickets wait behind it, so the
kitchen gets them in order. Status changes are reported through ``on_status``, on the worker's
thread: the app hands them to its event loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from desktop.printing.device import EscposPrinter, PrintFailed, PrintProblem, send_ticket
from desktop.printing.queue import PrintJob, PrintQueue
from desktop.printing.ticket import PAPERS, Charset, TicketStyle, banner

log = logging.getLogger(__name__)

RETRY_DELAYS_S = (2.0, 5.0, 10.0, 30.0)


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """What the counter shows about printing: the problem (None when fine) and tickets waiting."""

    problem: PrintProblem | None
    waiting: int
    detail: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class TicketRequest:
    """A ticket to print; ``key`` (e.g. ``order:accept``) keeps an order from printing twice."""

    ticket: bytes
    order_number: str
    copies: int
    charset: Charset
    paper_mm: int
    queued_at: datetime
    key: str | None = None


class PrintWorker:
    """Prints the queue's tickets on ``printer`` from its own thread.

    ``on_status`` is called on the worker thread whenever the status changes.
    """

    def __init__(
        self,
        queue: PrintQueue,
        printer: EscposPrinter | None,
        on_status: Callable[[PrinterStatus], None],
        *,
        retry_delays: Sequence[float] = RETRY_DELAYS_S,
    ) -> None:
        if not retry_delays or min(retry_delays) <= 0:
            raise ValueError("retry delays must be positive")
        self.queue = queue
        self._printer = printer
        self._on_status = on_status
        self._retry_delays = tuple(retry_delays)
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._status: PrinterStatus | None = None
        self._failures = 0

    @property
    def status(self) -> PrinterStatus | None:
        """The last status reported (None before the first)."""
        return self._status

    def start(self) -> None:
        """Start the thread (it prints whatever the queue already holds)."""
        if self._thread is not None:
            raise RuntimeError("the print worker is already started")
        self._thread = threading.Thread(target=self._run, name="print-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Ask the thread to end after the copy it is sending; True when it ended in time."""
        self._stopping = True
        self._wake.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def set_printer(self, printer: EscposPrinter | None) -> None:
        """Print on ``printer`` from now on (None: keep the tickets queued, print nothing)."""
        self._printer = printer
        self._failures = 0
        self.wake()

    def wake(self) -> None:
        """Try the queue now instead of at the next retry."""
        self._wake.set()

    async def submit(self, request: TicketRequest) -> PrintJob | None:
        """Queue ``request`` on disk (off the event loop's thread), then wake the worker.

        None when its key was queued before. Raises OSError when the queue cannot be written.
        """
        job = await asyncio.to_thread(
            self.queue.add,
            request.ticket,
            order_number=request.order_number,
            copies=request.copies,
            charset=request.charset,
            paper_mm=request.paper_mm,
            now=request.queued_at,
            key=request.key,
        )
        self.wake()
        return job

    # The thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            delay = self._step()
            if not self._stopping:
                self._wake.wait(delay)

    def _step(self) -> float | None:
        """Print one copy if one is due; the wait before the next step (None: until woken)."""
        printer = self._printer
        job = self.queue.head()
        if job is None or printer is None:
            self._report(PrinterStatus(None, len(self.queue)))
            return None
        try:
            self._print_copy(printer, job)
        except PrintFailed as failure:
            log.warning(
                "ticket of order %s not printed on %s: %s",
                job.order_number,
                printer.address.describe(),
                failure,
            )
            self._report(PrinterStatus(failure.problem, len(self.queue), failure.detail))
            delay = self._retry_delays[min(self._failures, len(self._retry_delays) - 1)]
            self._failures += 1
            return delay
        except OSError as exc:  # the queue's own files: the ticket stays queued
            log.error("print queue %s cannot be updated: %s", self.queue.directory, exc)
            return self._retry_delays[-1]
        self._failures = 0
        self._report(PrinterStatus(None, len(self.queue)))
        return 0.0

    def _print_copy(self, printer: EscposPrinter, job: PrintJob) -> None:
        data = job.ticket
        if job.sending:  # this copy may be on paper already: say so on the ticket
            style = TicketStyle(paper=PAPERS.get(job.paper_mm, PAPERS[58]), charset=job.charset)
            data = banner("reprint", style) + data
        marked: list[PrintJob] = []
        send_ticket(printer, data, before_write=lambda: marked.append(self.queue.mark_sending(job)))
        self.queue.mark_printed(marked[0])
        log.info(
            "ticket of order %s printed (copy %d of %d)%s",
            job.order_number,
            job.printed + 1,
            job.copies,
            " as a reprint" if job.sending else "",
        )

    def _report(self, status: PrinterStatus) -> None:
        if status == self._status:
            return
        self._status = status
        try:
            self._on_status(status)
        except Exception:
            log.exception("the printer status could not be reported")
