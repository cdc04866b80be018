"""A TCP relay in front of PostgreSQL that counts the round trips the server instances make.

Every exchange with PostgreSQL - a simple query, or an extended-protocol batch ended by Sync -
ends with the server's ReadyForQuery message, so counting those counts round trips, however
the driver batches its messages. The doorbell's connection (application name
``orderbell-doorbell``) is relayed but not counted: its keep-alive query runs on a timer, not
per payment.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator

from backend.doorbell import APPLICATION_NAME

_SSL_REQUEST = 80877103
_READY_FOR_QUERY = ord("Z")


class RoundTrips:
    """How many round trips the counted connections have made so far."""

    def __init__(self) -> None:
        self.count = 0


class _ServerStream:
    """Splits what the server sends into messages and counts ReadyForQuery among them."""

    def __init__(self, trips: RoundTrips, counted: asyncio.Future[bool]) -> None:
        self._trips = trips
        self._counted = counted
        self._buffer = b""
        self._first = True

    def feed(self, data: bytes) -> None:
        self._buffer += data
        if self._first and self._buffer:
            self._first = False
            if self._buffer[:1] in (b"N", b"S"):  # the one-byte answer to an SSL request
                self._buffer = self._buffer[1:]
        while len(self._buffer) >= 5:
            kind = self._buffer[0]
            (length,) = struct.unpack("!I", self._buffer[1:5])
            if len(self._buffer) < 1 + length:
                return
            self._buffer = self._buffer[1 + length :]
            if kind == _READY_FOR_QUERY and self._counted.done() and self._counted.result():
                self._trips.count += 1


def _application_name(startup: bytes) -> str:
    """The application_name in a StartupMessage (length, protocol, then name/value pairs)."""
    fields = startup[8:].split(b"\0")
    pairs = dict(zip(fields[::2], fields[1::2], strict=False))
    return pairs.get(b"application_name", b"").decode("utf-8", "replace")


async def _startup(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
    """Relay an SSL request if any; return the StartupMessage, not yet forwarded."""
    while True:
        (length,) = struct.unpack("!I", await reader.readexactly(4))
        message = struct.pack("!I", length) + await reader.readexactly(length - 4)
        (code,) = struct.unpack("!I", message[4:8])
        if code != _SSL_REQUEST:
            return message
        writer.write(message)


async def _pump(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stream: _ServerStream | None
) -> None:
    try:
        while data := await reader.read(65536):
            if stream is not None:
                stream.feed(data)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


@contextlib.asynccontextmanager
async def counting_relay(target_port: int) -> AsyncIterator[tuple[int, RoundTrips]]:
    """A relay to PostgreSQL on ``target_port``; yields its own port and the running count."""
    trips = RoundTrips()
    tasks: set[asyncio.Task[None]] = set()

    async def relay(client_reader: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        server_reader, server = await asyncio.open_connection("127.0.0.1", target_port)
        counted: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        stream = _ServerStream(trips, counted)
        upstream = asyncio.create_task(_pump(server_reader, client, stream))
        tasks.add(upstream)
        try:
            startup = await _startup(client_reader, server)
            counted.set_result(_application_name(startup) != APPLICATION_NAME)
            server.write(startup)
            await _pump(client_reader, server, None)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            server.close()
        finally:
            if not counted.done():
                counted.set_result(False)
            await upstream
            tasks.discard(upstream)

    listener = await asyncio.start_server(relay, "127.0.0.1", 0)
    try:
        yield listener.sockets[0].getsockname()[1], trips
    finally:
        listener.close()
        for task in list(tasks):
            task.cancel()
