"""Counted work per authenticated handshake, independent of the machine's load.

A real server in this process (SQLite, the production protocols) and a minimal client in the
same event loop: every counter has its own device token, all of them used once first (the
token cache is warm), then ``--handshakes`` upgrades are answered and closed while the server is
watched. On uvloop, as the server runs in production. What is counted, per handshake: Python
function calls, tasks created, SQL statements, and memory blocks left allocated; then the
cumulative time of each layer from the profiled pass (cProfile's own overhead included, so
shares matter, not seconds).

    uv run python -m benchmarks.handshake_cost --handshakes 2000
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvloop
from sqlalchemy import Engine, event

from backend.app import create_app
from backend.server import bound_port, running_server
from backend.settings import load_settings, read_environment
from benchmarks.seeding import add_tokens, prepare
from benchmarks.wsclient import upgrade_request

SHOPS = 50
# What a handshake might read: its token, and the log for a backlog.
_HANDSHAKE_TABLES = ("device_tokens", "events")
IN_FLIGHT = 64

# Where a handshake's time goes, outermost first: (layer, function's file ending, its name).
LAYERS = [
    ("HTTP protocol: read and parse the request", "httptools_impl.py", "data_received"),
    ("  handed to the WebSocket protocol", "httpedge.py", "handle_websocket_upgrade"),
    ("  websockets parses the request again", "websockets_sansio_impl.py", "data_received"),
    ("  the request looked at, the stream opened", "wsconnection.py", "handle_connect"),
    ("    answered without the app", "wsconnection.py", "_answer_directly"),
    ("      may it? (token cache, since=)", "wsfast.py", "opening"),
    ("      the stream opened", "wsfast.py", "open"),
    ("the connection's task: the ASGI app", "wsconnection.py", "run_asgi"),
    ("  middlewares and router", "applications.py", "__call__"),
    ("  the stream route", "stream.py", "stream"),
    ("    authenticate (token cache)", "stream.py", "_shop_for"),
    ("    accept: 101 written", "stream.py", "_stream_detached"),
    ("    websocket.accept", "websockets.py", "accept"),
    ("close and connection_lost", "wsconnection.py", "connection_lost"),
]


@dataclass
class Counts:
    """What the server did for the measured handshakes."""

    handshakes: int = 0
    tasks: int = 0
    statements: int = 0
    handshake_reads: int = 0  # reads of the tokens or the event log (timed writes are not)
    blocks: int = 0


class Client(asyncio.Protocol):
    """Send one upgrade, wait for the 101's end, then close."""

    def __init__(self, request: bytes, done: asyncio.Future[bytes]) -> None:
        self._request = request
        self._done = done
        self._data = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        transport.write(self._request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self._data += data
        if b"\r\n\r\n" in self._data and not self._done.done():
            self._done.set_result(self._data)
            assert self._transport is not None
            self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._done.done():
            self._done.set_result(self._data)


async def handshake(port: int, token: str) -> bytes:
    """One upgrade with ``token``; the server's answer head."""
    loop = asyncio.get_running_loop()
    request, _ = upgrade_request("127.0.0.1", port, "/ws/counter", token)
    done: asyncio.Future[bytes] = loop.create_future()
    await loop.create_connection(lambda: Client(request, done), "127.0.0.1", port)
    return await done


async def run_all(port: int, tokens: list[str]) -> None:
    """Every token's handshake, ``IN_FLIGHT`` at a time; each must get its 101."""
    queue = iter(tokens)

    async def worker() -> None:
        for token in queue:
            answer = await handshake(port, token)
            if not answer.startswith(b"HTTP/1.1 101"):
                raise RuntimeError(f"handshake refused: {answer[:80]!r}")

    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))


@contextmanager
def counting(loop: asyncio.AbstractEventLoop, counts: Counts) -> Iterator[None]:
    """Count the server's tasks created and SQL statements while inside."""
    factory = loop.get_task_factory()

    def counted_task(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> Any:
        code = getattr(coro, "cr_code", None)
        if code is None or code.co_filename != __file__:  # the client's own are not counted
            counts.tasks += 1
        return asyncio.Task(coro, loop=loop, **kwargs)

    def statement(*args: Any) -> None:
        counts.statements += 1
        text: str = args[2]
        if text.lstrip().upper().startswith("SELECT") and any(t in text for t in _HANDSHAKE_TABLES):
            counts.handshake_reads += 1

    loop.set_task_factory(counted_task)
    event.listen(Engine, "before_cursor_execute", statement)
    blocks = sys.getallocatedblocks()
    try:
        yield
    finally:
        counts.blocks = sys.getallocatedblocks() - blocks
        event.remove(Engine, "before_cursor_execute", statement)
        loop.set_task_factory(factory)


def layer_times(stats: pstats.Stats, handshakes: int) -> list[tuple[str, int, float]]:
    """(layer, calls, cumulative µs per handshake) for each of ``LAYERS`` found."""
    table: Any = stats.stats  # type: ignore[attr-defined]
    rows = []
    for label, filename, name in LAYERS:
        for (file, _, func), (_, calls, _, cumulative, _) in table.items():
            if file.endswith(filename) and func == name:
                rows.append((label, calls, cumulative / handshakes * 1e6))
                break
    return rows


def top_functions(stats: pstats.Stats, limit: int) -> list[tuple[str, int, float]]:
    """The functions with the most own time: (where, calls, own seconds)."""
    table: Any = stats.stats  # type: ignore[attr-defined]
    ranked = sorted(table.items(), key=lambda item: item[1][2], reverse=True)[:limit]
    return [
        (f"{Path(file).name}:{line} {func}", calls, own)
        for (file, line, func), (_, calls, own, _, _) in ranked
    ]


@dataclass
class Measured:
    """One measured pass: the counts, its CPU time (unprofiled), and the profiled pass's stats."""

    counts: Counts
    seconds: float
    stats: pstats.Stats | None


async def measure(handshakes: int, *, profile: bool = True, direct: bool = True) -> Measured:
    """Warm the token cache; count and time one pass, then profile another if asked.

    ``direct=False`` sends every handshake through the app, as before the direct stream.
    """
    with tempfile.TemporaryDirectory() as directory:
        deployment = await prepare(Path(directory))
        tokens = await add_tokens(deployment, [1 + i % SHOPS for i in range(handshakes)])
        settings = load_settings(read_environment(deployment.env(), deployment.env_file))
        app = create_app(settings, migrate=False)
        async with running_server(app, settings, direct=direct) as server:
            port = bound_port(server)
            await run_all(port, tokens)  # every token cached from here on
            loop = asyncio.get_running_loop()
            counts = Counts(handshakes=handshakes)
            with counting(loop, counts):
                began = time.process_time()
                await run_all(port, tokens)
                seconds = time.process_time() - began
            if not profile:
                return Measured(counts, seconds, None)
            profiler = cProfile.Profile()
            profiler.enable()
            await run_all(port, tokens)
            profiler.disable()
    return Measured(counts, seconds, pstats.Stats(profiler))


def report(measured: Measured, write: Callable[[str], None]) -> None:
    """Per handshake: the counts, then each layer's share and the costliest functions."""
    counts, n = measured.counts, measured.counts.handshakes
    write(f"handshakes: {n} (warm token cache, {IN_FLIGHT} in flight, client in-process)")
    write(f"CPU µs per handshake, server and client, unprofiled: {measured.seconds / n * 1e6:.0f}")
    write(f"tasks created per handshake: {counts.tasks / n:.2f}")
    write(
        f"SQL statements per handshake: {counts.statements / n:.2f} "
        f"(reading tokens or events: {counts.handshake_reads / n:.2f}; "
        "the rest are the presence board's and last-seen's timed writes)"
    )
    write(f"memory blocks still allocated after the pass: {counts.blocks}")
    stats = measured.stats
    if stats is None:
        return
    table: Any = stats.stats  # type: ignore[attr-defined]
    calls = sum(entry[1] for entry in table.values())
    write(f"Python function calls per handshake (server and client): {calls / n:.0f}")
    write("")
    write(f"{'layer':<48} {'calls':>7} {'cumulative µs/handshake (profiled)':>36}")
    for label, count, micros in layer_times(stats, n):
        write(f"{label:<48} {count:>7} {micros:>36.1f}")
    write("")
    write("most own time (µs per handshake, profiled):")
    for where, count, own in top_functions(stats, 25):
        write(f"  {own / n * 1e6:8.1f}  {count:>7}  {where}")


def compare(handshakes: int, passes: int, write: Callable[[str], None]) -> None:
    """CPU µs per handshake (server and client, unprofiled) through the app and directly."""
    micros: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(passes):
        for direct in (False, True):
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                measured = runner.run(measure(handshakes, profile=False, direct=direct))
            micros[direct].append(measured.seconds / handshakes * 1e6)
    for direct, label in ((False, "through the app"), (True, "directly")):
        runs = ", ".join(f"{value:.0f}" for value in micros[direct])
        write(f"{label}: median {statistics.median(micros[direct]):.0f} µs ({runs})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--handshakes", type=int, default=2000)
    parser.add_argument("--profile", type=Path, help="also write cProfile's stats here")
    parser.add_argument(
        "--through-app", action="store_true", help="every handshake through the ASGI app"
    )
    parser.add_argument(
        "--compare",
        type=int,
        metavar="N",
        help="only time N passes each way, alternating, and print both medians",
    )
    args = parser.parse_args()
    if args.compare:
        compare(args.handshakes, args.compare, print)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        measured = runner.run(measure(args.handshakes, direct=not args.through_app))
    report(measured, print)
    if args.profile is not None and measured.stats is not None:
        measured.stats.dump_stats(str(args.profile))


if __name__ == "__main__":
    main()
