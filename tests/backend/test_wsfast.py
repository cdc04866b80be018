"""A counter's handshake answered without the app looks, logs and counts exactly as through it."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import generate_latest

from backend.app import create_app
from backend.devkit import MerchantKit
from backend.hub import Hub
from backend.routes.common import Services
from backend.server import bound_port, running_server
from backend.store import Database, create_token, migrate_async
from backend.wsconnection import CounterSocket
from backend.wsfast import DirectStream, Opening
from tests.conftest import FakeClock, kit_settings

KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455's sample key: the same accept value from both
WATCHED = ("backend.access", "uvicorn.error", "backend.routes.stream", "backend.wsconnection")
SETTLE_S = 5.0


@dataclass
class Served:
    """One server (direct or through the app) and what a test needs of it."""

    port: int
    token: str
    services: Services

    @property
    def hub(self) -> Hub:
        return self.services.hub


@dataclass(frozen=True)
class Case:
    """One handshake: its query, its headers (``{token}`` stands for the shop's device token)."""

    name: str
    query: str = ""
    headers: tuple[str, ...] = ()


CASES = [
    Case("token in header", headers=("Authorization: Bearer {token}",)),
    Case("token in query", query="?token={token}"),
    Case("bad token", headers=("Authorization: Bearer obt_no-such-token",)),
    Case("no token"),
    Case("two authorization headers", headers=("Authorization: Bearer {token}",) * 2),
    Case("since the newest event", query="?since=0", headers=("Authorization: Bearer {token}",)),
    Case("since ahead of the log", query="?since=99", headers=("Authorization: Bearer {token}",)),
    Case("since not a number", query="?since=abc", headers=("Authorization: Bearer {token}",)),
    Case("since too large", query=f"?since={2**63}", headers=("Authorization: Bearer {token}",)),
    Case(
        "behind a trusted proxy",
        headers=("Authorization: Bearer {token}", "X-Forwarded-For: 203.0.113.9"),
    ),
    Case("path with a slash", headers=("Authorization: Bearer {token}",)),
]


class Lines(logging.Handler):
    """The watched loggers' lines, as written."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(WATCHED):
            self.lines.append(f"{record.levelname} {record.name} {record.getMessage()}")


@asynccontextmanager
async def serving(
    directory: Path, kit: MerchantKit, clock: FakeClock, *, direct: bool, **overrides: str
) -> AsyncIterator[Served]:
    """A server on a fresh database whose shop 1 has one device token."""
    settings = kit_settings(directory, kit, **overrides)
    await migrate_async(settings.database_url)
    db = Database(settings.database_url)
    try:
        _, token = await create_token(db, shop_id=1, name="front till", now=clock.datetime())
    finally:
        await db.dispose()
    app = create_app(settings, clock=clock, migrate=False)
    async with running_server(app, settings, direct=direct) as server:
        yield Served(bound_port(server), token, app.state.services)


async def wait_for(condition: Callable[[], bool]) -> None:
    """Until ``condition`` holds; fails after a few seconds."""
    async with asyncio.timeout(SETTLE_S):
        while not condition():  # noqa: ASYNC110 - state of a server in this loop, polled briefly
            await asyncio.sleep(0.005)


def ws_metrics(services: Services) -> list[str]:
    """The stream metrics' samples, as /metrics shows them."""
    text = generate_latest(services.metrics.registry).decode()
    return [
        line
        for line in text.splitlines()
        if line.startswith(("orderbell_ws_closed", "orderbell_counters_connected"))
        and "_created" not in line  # when the series began, not what it counts
    ]


async def observe(served: Served, case: Case, lines: Lines) -> list[str]:
    """Everything a person could see of one handshake and its stream's end, normalized."""
    path = "/ws/a/b" if case.name == "path with a slash" else "/ws/counter"
    head = [
        f"GET {path}{case.query.format(token=served.token)} HTTP/1.1",
        f"Host: 127.0.0.1:{served.port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {KEY}",
        "Sec-WebSocket-Version: 13",
        *(header.format(token=served.token) for header in case.headers),
    ]
    del lines.lines[:]
    roster = served.hub.roster_version
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    answer = await reader.readuntil(b"\r\n\r\n")
    upgraded = answer.startswith(b"HTTP/1.1 101")
    if upgraded:
        await wait_for(lambda: served.hub.roster_version > roster)  # caught up and live
        live = [(s.shop_id, s.device_id is not None) for s in served.hub.live_counters()]
        writer.close()
        await wait_for(lambda: any("ws=close" in line for line in lines.lines))
    else:
        answer += await reader.read()  # the refusal's body, to its end
        live = []
        writer.close()
    await wait_for(lambda: served.hub.connection_count == 0)
    text = answer.decode("latin-1").replace(served.token, "TOKEN")
    seen = [line for line in text.split("\r\n") if not line.lower().startswith("date:")]
    seen += [f"live {entry}" for entry in live]
    for line in lines.lines:
        if "date:" not in line.lower():  # websockets' debug lines show the head, Date and all
            line = line.replace(served.token, "TOKEN")
            seen.append(re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", line))
    return [*seen, *ws_metrics(served.services)]


async def observe_all(
    tmp_path: Path, kit: MerchantKit, clock: FakeClock, *, direct: bool, **overrides: str
) -> list[list[str]]:
    """Every case through one server."""
    lines = Lines()
    logging.getLogger().addHandler(lines)
    name = "direct" if direct else "asgi"
    try:
        async with serving(tmp_path / name, kit, clock, direct=direct, **overrides) as served:
            return [await observe(served, case, lines) for case in CASES]
    finally:
        logging.getLogger().removeHandler(lines)


async def test_every_handshake_case_is_the_same_with_and_without_the_app(
    tmp_path: Path, kit: MerchantKit, clock: FakeClock
) -> None:
    """Answers, log lines, presence and metrics match case by case, the app's path or not."""
    through_app = await observe_all(tmp_path, kit, clock, direct=False)
    direct = await observe_all(tmp_path, kit, clock, direct=True)
    for case, expected, got in zip(CASES, through_app, direct, strict=True):
        assert got == expected, case.name
    assert through_app[0][0] == "HTTP/1.1 101 Switching Protocols"
    assert any("ws=open" in line for line in direct[0])


@pytest.mark.parametrize("allowed", ["0", "1"])
async def test_anonymous_handshakes_are_the_same_with_and_without_the_app(
    tmp_path: Path, kit: MerchantKit, clock: FakeClock, allowed: str
) -> None:
    """A token-less counter is admitted or refused alike, anonymous mode on or off."""
    overrides = {"ORDERBELL_WS_ALLOW_ANONYMOUS": allowed}
    through_app = await observe_all(tmp_path, kit, clock, direct=False, **overrides)
    direct = await observe_all(tmp_path, kit, clock, direct=True, **overrides)
    assert direct[3] == through_app[3]
    assert through_app[3][0].startswith("HTTP/1.1 101" if allowed == "1" else "HTTP/1.1 403")


async def handshake(served: Served) -> tuple[bytes, asyncio.StreamReader, asyncio.StreamWriter]:
    """A good-token upgrade: the answer's head, and the open connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    head = [
        "GET /ws/counter HTTP/1.1",
        f"Host: 127.0.0.1:{served.port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {KEY}",
        "Sec-WebSocket-Version: 13",
        f"Authorization: Bearer {served.token}",
    ]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    return await reader.readuntil(b"\r\n\r\n"), reader, writer


def connections_open(services: Services) -> list[str]:
    """The connection gauges' samples (read from the server's admission at each scrape)."""
    text = generate_latest(services.metrics.registry).decode()
    return [
        line
        for line in text.splitlines()
        if line.startswith(("orderbell_connections_open ", "orderbell_counter_streams_open "))
    ]


async def test_a_shortcut_that_fails_to_decide_leaves_the_counter_to_the_app(
    tmp_path: Path, kit: MerchantKit, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counter still gets its stream, through the app, and the fault is logged."""

    def broken(*_: object) -> None:
        raise RuntimeError("shortcut fault")

    monkeypatch.setattr(DirectStream, "opening", broken)
    async with serving(tmp_path, kit, clock, direct=True) as served:
        answer, _, writer = await handshake(served)
        assert answer.startswith(b"HTTP/1.1 101")
        await wait_for(lambda: len(list(served.hub.live_counters())) == 1)
        writer.close()
        await wait_for(lambda: served.hub.connection_count == 0)


async def test_a_stream_that_fails_to_open_is_dropped_and_its_place_released(
    tmp_path: Path, kit: MerchantKit, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answered but not subscribed: the connection ends, nothing stays counted, and the
    counter's next attempt opens its stream."""
    original = Opening.open
    calls: list[int] = []

    def fails_once(self: Opening, socket: CounterSocket) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("open fault")
        original(self, socket)

    monkeypatch.setattr(Opening, "open", fails_once)
    async with serving(tmp_path, kit, clock, direct=True) as served:
        answer, reader, writer = await handshake(served)
        assert answer.startswith(b"HTTP/1.1 101")
        assert await reader.read() == b""  # dropped
        writer.close()
        await wait_for(
            lambda: (
                connections_open(served.services)
                == ["orderbell_connections_open 0.0", "orderbell_counter_streams_open 0.0"]
            )
        )
        answer, _, writer = await handshake(served)
        assert answer.startswith(b"HTTP/1.1 101")
        await wait_for(lambda: len(list(served.hub.live_counters())) == 1)
        writer.close()
