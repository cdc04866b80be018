"""A network ESC/POS printer on loopback: it records every byte and answers ``DLE EOT``."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable

from desktop.printing.reading import PrintedTicket, read_ticket

PAPER_PRESENT = 0x12  # DLE EOT 4 answer: fixed bits only
PAPER_OUT = 0x72  # fixed bits + paper end (bits 5 and 6)
WAIT_S = 5.0


class FakePrinter:
    """Listens on 127.0.0.1; each connection's bytes become one entry of :attr:`jobs`.

    ``paper`` is the byte it answers ``DLE EOT 4`` with; ``answers_status=False`` makes it a
    printer (or ``nc -l``) that ignores status queries. :meth:`stop` closes the port, so a
    connection is refused until :meth:`start` opens the same port again.
    """

    def __init__(self, *, paper: int = PAPER_PRESENT, answers_status: bool = True) -> None:
        self.paper = paper
        self.answers_status = answers_status
        self.port = 0
        self.jobs: list[bytes] = []
        self.out_of_paper_after: int | None = None  # bytes of a job after which the roll ends
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @property
    def uri(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(8)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._thread = threading.Thread(target=self._serve, args=(listener,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        if self._thread is not None:
            self._thread.join(WAIT_S)

    def tickets(self) -> list[PrintedTicket]:
        """Every connection that printed something, read back as a printer would print it."""
        with self._lock:
            jobs = list(self.jobs)
        return [ticket for ticket in map(read_ticket, jobs) if ticket.lines]

    def wait_for(self, condition: Callable[[], bool], timeout_s: float = WAIT_S) -> None:
        """Return once ``condition()`` holds; fail the test after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met in {timeout_s} s; jobs={len(self.jobs)}")
            time.sleep(0.01)

    def _serve(self, listener: socket.socket) -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                self._record(connection)

    def _record(self, connection: socket.socket) -> None:
        connection.settimeout(WAIT_S)
        received = bytearray()
        with self._lock:
            self.jobs.append(b"")
            index = len(self.jobs) - 1
        scanned = 0
        while True:
            try:
                chunk = connection.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            received += chunk
            with self._lock:
                self.jobs[index] = bytes(received)
            # Real-time status: answered on receipt, wherever it stands in the stream.
            while (found := received.find(b"\x10\x04", scanned)) != -1 and found + 2 < len(
                received
            ):
                scanned = found + 3
                if self.answers_status:
                    paper = self.paper
                    if self.out_of_paper_after is not None and found > self.out_of_paper_after:
                        paper = PAPER_OUT
                    with contextlib.suppress(OSError):
                        connection.sendall(bytes([paper]))
