"""The raw uvloop broadcaster speaks B3's subscriber handshake and delivers every frame."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest

from benchmarks.peers.raw_uvloop import Broadcaster, Connection
from benchmarks.wsclient import OP_CLOSE, OP_PING, Subscriber, client_frame, upgrade_request

HOST = "127.0.0.1"


@dataclass
class Recorder:
    """What each subscriber received, in order."""

    frames: dict[int, list[bytes]] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def opened(self, conn: Subscriber) -> None:
        self.frames[conn.index] = []

    def frame(self, conn: Subscriber, payload: bytes, now_ns: int) -> None:
        self.frames[conn.index].append(payload)
        self.changed.set()

    def closed(self, conn: Subscriber) -> None:
        self.changed.set()

    async def until(self, condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(5):
            while not condition():
                self.changed.clear()
                await self.changed.wait()


@pytest.fixture
async def port() -> AsyncIterator[int]:
    loop = asyncio.get_running_loop()
    broadcaster = Broadcaster()
    server = await loop.create_server(lambda: Connection(broadcaster), HOST, 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    for transport in list(broadcaster.subscribers):
        transport.abort()


async def subscribe(port: int, count: int, recorder: Recorder) -> list[Subscriber]:
    loop = asyncio.get_running_loop()
    subscribers = []
    for index in range(count):
        request, accept = upgrade_request(HOST, port, f"/ws/c{index}", None)
        _, conn = await loop.create_connection(
            lambda i=index, r=request, a=accept: Subscriber(i, r, a, recorder), HOST, port
        )
        assert await conn.done, conn.failure
        subscribers.append(conn)
    return subscribers


async def http(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    writer.close()
    return head.split(b"\r\n", 1)[0]


def publish(body: bytes) -> bytes:
    return b"POST /publish HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(body) + body


async def test_every_subscriber_gets_every_frame_in_order(port: int) -> None:
    """Three subscribers each receive all five published bodies, small and large, in order."""
    recorder = Recorder()
    await subscribe(port, 3, recorder)
    bodies = [b"one", b"two", b"x" * 300, b"y" * 70_000, b"five"]
    reader, writer = await asyncio.open_connection(HOST, port)
    for body in bodies:  # one keep-alive connection, as the open-loop sender uses
        writer.write(publish(body))
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 204")
    writer.close()
    await recorder.until(lambda: all(len(got) == len(bodies) for got in recorder.frames.values()))
    assert recorder.frames == {0: bodies, 1: bodies, 2: bodies}


async def test_health_check_answers_ok(port: int) -> None:
    """``GET /healthz`` answers 200, so the harness sees the peer ready."""
    assert await http(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") == b"HTTP/1.1 200 OK"


async def test_a_closed_subscriber_gets_nothing_more(port: int) -> None:
    """After the closing handshake the peer answers with close and stops writing to it."""
    recorder = Recorder()
    first, _ = await subscribe(port, 2, recorder)
    assert first.transport is not None
    first.transport.write(client_frame(OP_PING, b"hi"))
    first.transport.write(client_frame(OP_CLOSE, (1000).to_bytes(2, "big")))
    await recorder.until(lambda: first.close_code == 1000)
    assert await http(port, publish(b"after")) == b"HTTP/1.1 204 No Content"
    await recorder.until(lambda: recorder.frames[1] == [b"after"])
    assert recorder.frames[0] == []
