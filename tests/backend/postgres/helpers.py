"""Small tools for the PostgreSQL tests: polling with a deadline and a bell that keeps count."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from backend.store import Database
from tests.conftest import LiveServer

WAIT_S = 5.0


@dataclass
class Instance(LiveServer):
    """One in-process server instance on the shared PostgreSQL database."""


@contextlib.asynccontextmanager
async def open_transaction(db: Database) -> AsyncIterator[AsyncConnection]:
    """A write transaction held open across awaits (``Database.write`` runs one in one go).

    For tests that must act while a transaction is open; store code never needs this.
    """
    async with db.engine.begin() as connection:
        yield connection


async def eventually(check: Callable[[], object], what: str, limit_s: float = WAIT_S) -> None:
    """Poll ``check`` (plain or async) until it is true; fail naming ``what`` after ``limit_s``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        assert loop.time() < deadline, f"timed out after {limit_s} s waiting for {what}"
        await asyncio.sleep(0.01)


class RecordingBell:
    """Stands in for the dispatcher: remembers every ring and every event id it heard of."""

    def __init__(self) -> None:
        self.rings = 0
        self.heard_ids: list[int] = []

    def ring(self) -> None:
        self.rings += 1

    def heard(self, event_id: int) -> None:
        self.heard_ids.append(event_id)


class SilentNetwork:
    """A TCP relay to PostgreSQL whose open connections can go silent, like a dropped path.

    ``silence()`` keeps every open connection's sockets up but stops passing bytes either way,
    so neither end sees an error; connections opened afterwards work normally.
    """

    def __init__(self, target_port: int) -> None:
        self._target_port = target_port
        self._silenced: set[asyncio.StreamWriter] = set()
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> SilentNetwork:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        await self._server.wait_closed()

    def silence(self) -> None:
        self._silenced.update(self._writers)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(
            "127.0.0.1", self._target_port
        )
        self._writers += [writer, upstream_writer]
        await asyncio.gather(
            self._pump(reader, upstream_writer), self._pump(upstream_reader, writer)
        )

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                if sink not in self._silenced:
                    sink.write(data)
                    await sink.drain()
        except ConnectionError:
            pass
        finally:
            sink.close()
