"""Every log record of the test run, checked for secrets and customer data.

A handler on the root logger (installed for the whole session by ``tests/conftest.py``) sees
each record the servers of the suite write, with the server's loggers at DEBUG, and keeps the
ones that give something away: a device token, a JWT, an ``Authorization`` value, or any value
registered with :meth:`LogScan.register` (the kits' APIv3 keys and JWT secrets, the test
customers' phone numbers and addresses). Servers run as subprocesses hand their whole output
to :meth:`LogScan.check` when they stop. The run fails at its end if any was kept.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from backend.logredact import MASK

# Loggers the servers write to; set to DEBUG for the run. Client libraries' own loggers (the
# test's websockets and httpx clients log what they send) are not the server's and not scanned.
SERVER_LOGGERS = ("uvicorn", "backend", "asyncio")
CLIENT_LOGGERS = ("websockets.client", "httpx", "httpcore", "desktop")

_SHAPES = {
    "device token": re.compile(r"obt_[A-Za-z0-9_\-]{6,}"),
    "JWT": re.compile(r"eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*"),
    # A mainland mobile number: eleven digits from 13 to 19, standing alone (not inside an id).
    "phone number": re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])"),
    "credentials": re.compile(
        r"(?i:\b(?:authori[sz]ation|authentication)\b)['\"]?\s*[:=,]\s*b?['\"]?"
        rf"(?!{re.escape(MASK)})[^'\"\s]"
    ),
}


@dataclass(frozen=True)
class Leak:
    """A record that gave something away."""

    logger: str
    what: str
    text: str

    def __str__(self) -> str:
        return f"{self.logger}: {self.what} in {self.text[:300]!r}"


class LogScan(logging.Handler):
    """Keeps every record that holds a secret; counts the records it has seen."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self._registered: dict[str, str] = {}
        self.leaks: list[Leak] = []
        self.seen = 0

    def register(self, what: str, *values: str) -> None:
        """Values that must never be logged (``what`` names them in a failure)."""
        for value in values:
            if value:
                self._registered[value] = what

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(CLIENT_LOGGERS):
            return
        self.seen += 1
        text = record.getMessage()
        if record.exc_info and not record.exc_text:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        elif record.exc_text:
            text += "\n" + record.exc_text
        self.check(record.name, text)

    def check(self, source: str, text: str) -> list[Leak]:
        """Look through ``text`` (a record, or a whole log) as through a record; the leaks."""
        found = [Leak(source, what, text) for what, shape in _SHAPES.items() if shape.search(text)]
        found += [
            Leak(source, what, text) for value, what in self._registered.items() if value in text
        ]
        self.leaks += found
        return found

    def mark(self) -> int:
        """A position in the run, for :meth:`since`."""
        return len(self.leaks)

    def since(self, mark: int) -> list[Leak]:
        """The leaks found after ``mark``."""
        return self.leaks[mark:]
