"""A raw TCP client for edge tests: any bytes, from any loopback address, and what comes back."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from dataclasses import dataclass
from typing import Any

import pytest

ANSWER_LIMIT_S = 5.0


def loopback_source(address: str) -> str:
    """``address`` (say 127.0.0.2) if this machine can connect from it; else the test skips."""
    with socket.socket() as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            pytest.skip(f"cannot connect from {address} here")
    return address


@dataclass
class Raw:
    """One client connection: write anything, read what the server answers."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    async def until_closed(self, limit_s: float = ANSWER_LIMIT_S) -> bytes:
        """Everything the server sends until it closes the connection (fails after limit_s)."""
        chunks = []
        async with asyncio.timeout(limit_s):
            while True:
                try:
                    chunk = await self.reader.read(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
        return b"".join(chunks)

    async def response(self, limit_s: float = ANSWER_LIMIT_S) -> bytes:
        """One response's head (and what came with it), without waiting for the close."""
        async with asyncio.timeout(limit_s):
            return await self.reader.readuntil(b"\r\n\r\n")

    def close(self) -> None:
        self.writer.close()


async def connect_raw(port: int, source: str = "127.0.0.1") -> Raw:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    return Raw(reader, writer)


@contextlib.asynccontextmanager
async def raw(port: int, source: str = "127.0.0.1") -> Any:
    """A raw connection, closed at the end of the block."""
    client = await connect_raw(port, source)
    try:
        yield client
    finally:
        client.close()


def status_of(answer: bytes) -> int | None:
    """The status code of an HTTP answer, or None when there was no answer at all."""
    if not answer.startswith(b"HTTP/1.1 "):
        return None
    return int(answer[9:12])


def header_of(answer: bytes, name: str) -> str | None:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None


def error_code_of(answer: bytes) -> str:
    """The ``code`` of an OrderBell JSON error answer."""
    body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    code: str = body["code"]
    assert body["message"]
    return code


def get(path: str, *extra_headers: str) -> bytes:
    """A complete GET request."""
    lines = [f"GET {path} HTTP/1.1", "Host: orderbell.test", *extra_headers, "", ""]
    return "\r\n".join(lines).encode()
