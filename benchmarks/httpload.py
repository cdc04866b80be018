"""An open-loop HTTP sender: each request goes out at its intended time, never waiting on replies.

Latency is measured from the intended send time, so a server that falls behind cannot hide its
queueing by slowing the sender down (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass

from benchmarks.servers import HOST


@dataclass(frozen=True, slots=True)
class Reply:
    """One request's outcome: HTTP status (0 when the connection failed) and latency."""

    status: int
    latency_ns: int


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def exchange(self, request: bytes) -> int:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                await self.reader.readexactly(int(line[15:].strip()))
        return status


class OpenLoopSender:
    """Keep-alive connections to one server, as many as the schedule needs (up to a cap)."""

    def __init__(self, port: int, max_connections: int = 256) -> None:
        self.port = port
        self.max_connections = max_connections
        self._idle: deque[_Connection] = deque()
        self._count = 0
        self._freed = asyncio.Condition()

    async def run(
        self,
        requests: list[bytes],
        base_ns: int,
        offsets_ns: list[int],
        *,
        patience_s: float = 30.0,
    ) -> list[Reply]:
        """Send request i at ``base_ns + offsets_ns[i]``; every reply, in request order.

        A request still unanswered ``patience_s`` after the last was due is abandoned and
        reported with status -1 (a server that stopped answering must not hang the harness).
        """
        # Servers close idle keep-alive connections (uvicorn after 5 s): start every run afresh.
        await self.close()
        replies: list[Reply | None] = [None] * len(requests)
        tasks = []
        for index, request in enumerate(requests):
            intended = base_ns + offsets_ns[index]
            delay = (intended - time.monotonic_ns()) / 1e9
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self._one(request, intended, replies, index)))
        _, pending = await asyncio.wait(tasks, timeout=patience_s) if tasks else (set(), set())
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
            self._idle.clear()
            self._count = 0
        now = time.monotonic_ns()
        return [
            reply or Reply(-1, now - base_ns - offsets_ns[index])
            for index, reply in enumerate(replies)
        ]

    async def close(self) -> None:
        """Close every connection."""
        while self._idle:
            connection = self._idle.popleft()
            connection.writer.close()
            self._count -= 1

    async def _one(
        self, request: bytes, intended: int, replies: list[Reply | None], index: int
    ) -> None:
        connection = await self._take()
        status = 0
        if connection is not None:
            try:
                status = await connection.exchange(request)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                connection.writer.close()
                connection = None
                self._count -= 1
        replies[index] = Reply(status, time.monotonic_ns() - intended)
        async with self._freed:
            if connection is not None:
                self._idle.append(connection)
            self._freed.notify()

    async def _take(self) -> _Connection | None:
        async with self._freed:
            while not self._idle and self._count >= self.max_connections:
                await self._freed.wait()
            if self._idle:
                return self._idle.popleft()
            self._count += 1
        try:
            reader, writer = await asyncio.open_connection(HOST, self.port)
        except OSError:
            self._count -= 1
            return None
        return _Connection(reader, writer)
