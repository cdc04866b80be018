"""The raw limit: a broadcaster with no framework, to show what fan-out costs at the least.

One ``asyncio.Protocol`` per connection on uvloop. ``POST /publish`` encodes the body once as an
unmasked text frame and writes those same bytes to every subscriber's transport, then answers
204; ``GET /healthz`` answers 200; any other ``GET`` with a WebSocket key is upgraded (RFC 6455
handshake, no extensions, no authentication). From subscribers it answers ping with pong and
close with close, and ignores everything else. Nothing a real server needs (auth, per-shop
routing, back-pressure, logging) is here: it is a reference row, not a product.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import signal
import struct
from typing import cast

import uvloop

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_MAX_HEAD = 16 * 1024
_OP_CLOSE, _OP_PING, _OP_PONG = 8, 9, 10
_NO_CONTENT = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
_HEALTHY = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n"
    b'{"status":"ok"}'
)
_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def server_frame(opcode: int, payload: bytes) -> bytes:
    """An unmasked, unfragmented frame as a server sends it."""
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", 0x80 | opcode, size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 126, size)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, size)
    return head + payload


def accept_value(key: bytes) -> bytes:
    """The Sec-WebSocket-Accept answer to a client's key."""
    return base64.b64encode(hashlib.sha1(key + _GUID).digest())  # noqa: S324 - RFC 6455


def headers_of(head: bytes) -> dict[bytes, bytes]:
    """Header names (lower case) and values of an HTTP request head."""
    fields: dict[bytes, bytes] = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip()
    return fields


class Broadcaster:
    """The subscribers' transports, and one frame written to each of them."""

    def __init__(self) -> None:
        self.subscribers: set[asyncio.Transport] = set()

    def publish(self, body: bytes) -> None:
        """Encode ``body`` once and write the same bytes to every subscriber."""
        frame = server_frame(1, body)
        for transport in self.subscribers:
            transport.write(frame)


class Connection(asyncio.Protocol):
    """One TCP connection: HTTP requests until it upgrades, then a subscriber."""

    def __init__(self, broadcaster: Broadcaster) -> None:
        self._broadcaster = broadcaster
        self._transport: asyncio.Transport | None = None
        self._buffer = b""
        self._upgraded = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._broadcaster.subscribers.discard(self._transport)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if self._upgraded:
            self._client_frames()
        else:
            self._requests()

    def _requests(self) -> None:
        transport = self._transport
        assert transport is not None  # set in connection_made
        while not self._upgraded:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > _MAX_HEAD:
                    transport.close()
                return
            head = self._buffer[:end]
            fields = headers_of(head)
            length = int(fields.get(b"content-length", b"0") or b"0")
            if len(self._buffer) < end + 4 + length:
                return
            body = self._buffer[end + 4 : end + 4 + length]
            self._buffer = self._buffer[end + 4 + length :]
            self._answer(transport, head.split(b" ", 2)[:2], fields, body)
        if self._buffer:
            self._client_frames()

    def _answer(
        self,
        transport: asyncio.Transport,
        request_line: list[bytes],
        fields: dict[bytes, bytes],
        body: bytes,
    ) -> None:
        method, path = [*request_line, b"", b""][:2]
        if method == b"POST" and path == b"/publish":
            self._broadcaster.publish(body)
            transport.write(_NO_CONTENT)
        elif method == b"GET" and path == b"/healthz":
            transport.write(_HEALTHY)
        elif method == b"GET" and b"sec-websocket-key" in fields:
            transport.write(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Accept: "
                + accept_value(fields[b"sec-websocket-key"])
                + b"\r\n\r\n"
            )
            self._upgraded = True
            self._broadcaster.subscribers.add(transport)
        else:
            transport.write(_NOT_FOUND)
            transport.close()

    def _client_frames(self) -> None:
        transport = self._transport
        assert transport is not None  # set in connection_made
        data = self._buffer
        pos = 0
        while len(data) - pos >= 6:
            first, second = data[pos], data[pos + 1]
            length = second & 0x7F
            head = 2
            if length == 126:
                if len(data) - pos < 8:
                    break
                length = int.from_bytes(data[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if len(data) - pos < 14:
                    break
                length = int.from_bytes(data[pos + 2 : pos + 10], "big")
                head = 10
            mask = data[pos + head : pos + head + 4]
            end = pos + head + 4 + length
            if end > len(data):
                break
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(data[pos + head + 4 : end]))
            opcode = first & 0x0F
            if opcode == _OP_PING:
                transport.write(server_frame(_OP_PONG, payload))
            elif opcode == _OP_CLOSE:
                self._broadcaster.subscribers.discard(transport)
                transport.write(server_frame(_OP_CLOSE, payload[:2]))
                transport.close()
                self._buffer = b""
                return
            pos = end
        self._buffer = data[pos:]


async def serve(host: str, port: int) -> None:
    """Serve on ``host:port`` until SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    broadcaster = Broadcaster()
    server = await loop.create_server(lambda: Connection(broadcaster), host, port, backlog=4096)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(f"listening on {port}", flush=True)
    await stop.wait()
    server.close()
    for transport in list(broadcaster.subscribers):
        transport.abort()


def main() -> None:
    """``python -m benchmarks.peers.raw_uvloop --port N``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvloop.run(serve("127.0.0.1", args.port))


if __name__ == "__main__":
    main()
