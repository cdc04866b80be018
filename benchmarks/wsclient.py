"""A minimal WebSocket client protocol built for measuring: cheap per frame, no per-socket task.

It speaks just enough RFC 6455 for a subscriber: the upgrade handshake, unmasked server frames,
pong for ping, and the closing handshake. Every frame's arrival time is taken once per read, so
many frames in one read share the clock call.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import socket
import struct
import time
from typing import Protocol, cast

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_TCP_CLOSE_STATES = frozenset({7, 8, 9})  # TCP_CLOSE, TCP_CLOSE_WAIT, TCP_LAST_ACK
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


class Listener(Protocol):
    """Where a connection reports: its opening, each data frame, and its end."""

    def opened(self, conn: Subscriber) -> None: ...

    def frame(self, conn: Subscriber, payload: bytes, now_ns: int) -> None: ...

    def closed(self, conn: Subscriber) -> None: ...


def upgrade_request(host: str, port: int, path: str, token: str | None) -> tuple[bytes, bytes]:
    """The HTTP upgrade request and the Sec-WebSocket-Accept value the server must answer."""
    key = base64.b64encode(os.urandom(16))
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key.decode('ascii')}",
        "Sec-WebSocket-Version: 13",
    ]
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")
    accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())  # noqa: S324 - RFC 6455
    return request, accept


def client_frame(opcode: int, payload: bytes) -> bytes:
    """A masked client frame (only small control frames are ever sent)."""
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    return struct.pack("!BB", 0x80 | opcode, 0x80 | len(payload)) + mask + masked


class Subscriber(asyncio.Protocol):
    """One counter's connection: handshake, then frames handed to the listener."""

    def __init__(self, index: int, request: bytes, accept: bytes, listener: Listener) -> None:
        self.index = index
        self.count = 0
        self.close_code: int | None = None
        self.failure: str | None = None
        self.is_open = False
        self.done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self._request = request
        self._accept = accept
        self._listener = listener
        self._pending = b""
        self._fragments: list[bytes] = []

    # asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        if self._pending:
            data = self._pending + data
            self._pending = b""
        if not self.is_open:
            end = data.find(b"\r\n\r\n")
            if end < 0:
                self._pending = data
                return
            if not self._handshake_ok(data[:end]):
                return
            data = data[end + 4 :]
            if not data:
                return
        self._frames(data, time.monotonic_ns())

    def connection_lost(self, exc: Exception | None) -> None:
        was_open = self.is_open
        self.is_open = False
        if not self.done.done():
            self.failure = self.failure or f"connection lost: {exc or 'closed'}"
            self.done.set_result(False)
        if was_open:
            self._listener.closed(self)

    # Control ------------------------------------------------------------------------------

    def stall(self, receive_buffer: int) -> int:
        """Stop reading, like a frozen PC; returns this end's local port.

        The receive buffer is cut to ``receive_buffer`` bytes first, so the server's side fills
        in seconds rather than minutes.
        """
        if self.transport is None:
            return 0
        sock = self.transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.transport.pause_reading()
        port: int = sock.getsockname()[1]
        return port

    def peer_gone(self) -> bool:
        """True once the server closed its side, even though this end no longer reads."""
        sock = self.transport.get_extra_info("socket") if self.transport else None
        if sock is None:
            return True
        try:
            info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
        except (OSError, ValueError):  # ValueError: uvloop's socket after its descriptor closed
            return True
        return info[0] in _TCP_CLOSE_STATES

    def abort(self) -> None:
        """Drop the connection at once."""
        if self.transport is not None:
            self.transport.abort()

    # Details ------------------------------------------------------------------------------

    def _handshake_ok(self, head: bytes) -> bool:
        status_line, _, headers = head.partition(b"\r\n")
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or parts[1] != b"101":
            code = parts[1].decode("ascii", "replace") if len(parts) > 1 else "?"
            return self._fail(f"HTTP {code}")
        if self._accept not in headers:
            return self._fail("bad Sec-WebSocket-Accept")
        self.is_open = True
        self.done.set_result(True)
        self._listener.opened(self)
        return True

    def _fail(self, reason: str) -> bool:
        self.failure = reason
        if not self.done.done():
            self.done.set_result(False)
        if self.transport is not None:
            self.transport.close()
        return False

    def _frames(self, data: bytes, now_ns: int) -> None:
        size = len(data)
        pos = 0
        while size - pos >= 2:
            first = data[pos]
            length = data[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if size - pos < 4:
                    break
                length = int.from_bytes(data[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = int.from_bytes(data[pos + 2 : pos + 10], "big")
                head = 10
            end = pos + head + length
            if end > size:
                break
            opcode = first & 0x0F
            if opcode in (OP_TEXT, OP_BINARY):
                if first & 0x80:
                    self.count += 1
                    self._listener.frame(self, data[pos + head : end], now_ns)
                else:
                    self._fragments = [data[pos + head : end]]
            elif opcode == OP_CONT:
                self._fragments.append(data[pos + head : end])
                if first & 0x80:
                    self.count += 1
                    self._listener.frame(self, b"".join(self._fragments), now_ns)
                    self._fragments = []
            else:
                self._control(opcode, data[pos + head : end])
            pos = end
        if pos < size:
            self._pending = data[pos:]

    def _control(self, opcode: int, payload: bytes) -> None:
        transport = self.transport
        if transport is None:
            return
        if opcode == OP_PING:
            transport.write(client_frame(OP_PONG, payload))
        elif opcode == OP_CLOSE:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            transport.write(client_frame(OP_CLOSE, payload[:2]))
            transport.close()
