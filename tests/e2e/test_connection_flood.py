"""One client's flood of half-open connections silences no one else (``serve`` under ulimit)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend.devkit import MerchantKit, write_kit
from backend.simulator import Simulator
from tests.backend.rawhttp import loopback_source
from tests.backend.test_cli import Served, database_with_token, serving
from tests.e2e.helpers import counter, next_event, paid_order
from tests.logscan import LogScan

# The server may open this many files; it keeps what its own files and database need and caps
# connections below the rest. The flood is bigger than the whole limit.
OPEN_FILES = 160
FLOOD = 300
PER_CLIENT = 8
ANSWER_LIMIT_S = 5.0


class Flood:
    """Connections from one address that send half a request head and then nothing."""

    def __init__(self, port: int, source: str) -> None:
        self.port = port
        self.source = source
        self.sockets: list[socket.socket] = []

    def open(self, count: int) -> None:
        for _ in range(count):
            sock = socket.create_connection(
                ("127.0.0.1", self.port), timeout=5, source_address=(self.source, 0)
            )
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: ")
            self.sockets.append(sock)

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()


@pytest.fixture
def served(
    tmp_path: Path, kit: MerchantKit, log_scan: LogScan
) -> Iterator[tuple[Served, str, MerchantKit]]:
    """``serve`` under a small open-file limit, trusting no local proxy; and a device token."""
    url, token = asyncio.run(database_with_token(tmp_path))
    kit_dir = write_kit(kit, tmp_path / "kit").parent
    with serving(
        kit_dir,
        url,
        tmp_path / "serve.log",
        log_scan,
        open_files=OPEN_FILES,
        ORDERBELL_MAX_CONNECTIONS_PER_CLIENT=str(PER_CLIENT),
        ORDERBELL_FORWARDED_ALLOW_IPS="192.0.2.1",
    ) as server:
        yield server, token, kit


async def test_half_open_flood_from_one_client_blocks_no_one_else(
    served: tuple[Served, str, MerchantKit],
) -> None:
    """300 half-open connections from one address: /healthz, a WeChat Pay callback and a
    counter's handshake from another still get through at once, and the log has one line."""
    server, token, kit = served
    port = int(server.url.rsplit(":", 1)[1])
    flood = Flood(port, loopback_source("127.0.0.2"))
    try:
        await asyncio.to_thread(flood.open, FLOOD)
        async with httpx.AsyncClient(base_url=server.url, timeout=ANSWER_LIMIT_S) as http:
            health = await http.get("/healthz")
            assert health.status_code == 200
            async with counter(server.ws_url, token) as ws:
                order = await paid_order(Simulator(kit, http))
                event = await next_event(ws)
        assert (event["type"], event["orderNumber"]) == (1, order.number)
    finally:
        flood.close()
    cap_lines = [line for line in server.output().splitlines() if "per-client cap" in line]
    assert len(cap_lines) == 1, cap_lines
    assert "127.0.0.2" in cap_lines[0]
