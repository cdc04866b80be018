"""The load-client process: holds many subscriber connections and answers the harness's commands.

Run as ``python -m benchmarks.loadclient HOST PORT``; commands arrive as JSON lines on stdin and
each gets one JSON line on stdout. Subscribers count every frame; in ``marker`` mode they also
time each event from its intended send time (so queueing anywhere counts), in ``ids`` mode they
record every event id to prove nothing was missed or repeated.
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import socket
import sys
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from benchmarks.marker import PREFIX
from benchmarks.quiet import freeze_heap
from benchmarks.wsclient import Subscriber, upgrade_request
from desktop.net.backoff import reconnect_delays

try:
    import uvloop
except ImportError:  # pragma: no cover - Windows
    uvloop = None  # type: ignore[assignment]

OPEN_TIMEOUT_S = 30.0


@dataclass(slots=True)
class Spec:
    """How to open one connection."""

    path: str
    token: str | None
    timed: bool
    since: int | None


def raise_fd_limit() -> int:
    """Allow as many sockets as the hard limit permits; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class LoadClient:
    """Every connection of this process, and what they received."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.specs: list[Spec] = []
        self.conns: list[Subscriber | None] = []
        self.mode = "count"
        self.reconnect = False
        self.exiting = False
        self.bases: dict[int, int] = {}
        self.active_step = -1
        self.frames = 0
        self.latencies = array("q")
        self.last: dict[int, list[int]] = {}
        self.ids: list[list[int]] = []
        self.id_times: list[list[int]] = []
        self.opens: list[list[int]] = []
        self.closes: dict[int, int] = {}
        self.stalled: tuple[Subscriber, float] | None = None
        self.mss: int | None = None
        self.dropped_after_s: float | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # Listener -----------------------------------------------------------------------------

    def opened(self, conn: Subscriber) -> None:
        if self.mode == "ids":
            self.opens[conn.index].append(time.monotonic_ns())

    def frame(self, conn: Subscriber, payload: bytes, now_ns: int) -> None:
        self.frames += 1
        if self.mode == "marker":
            start = payload.find(PREFIX)
            if start < 0:
                return
            end = payload.find(b'"', start)
            step_b, seq_b, offset_b = payload[start + 6 : end].split(b":")
            step = int(step_b)
            if step != self.active_step:
                return
            latency = now_ns - self.bases[step] - int(offset_b) * 1000
            seq = int(seq_b)
            entry = self.last.get(seq)
            if entry is None:
                self.last[seq] = [1, latency]
            else:
                entry[0] += 1
                if latency > entry[1]:
                    entry[1] = latency
            if self.specs[conn.index].timed:
                self.latencies.append(latency)
        elif self.mode == "ids":
            event_id = json.loads(payload)["id"]
            self.ids[conn.index].append(event_id)
            self.id_times[conn.index].append(now_ns)

    def closed(self, conn: Subscriber) -> None:
        code = conn.close_code or 1006
        self.closes[code] = self.closes.get(code, 0) + 1
        if self.reconnect and not self.exiting:
            task = asyncio.create_task(self._reconnect(conn.index))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    # Commands -----------------------------------------------------------------------------

    async def open(self, command: dict[str, Any]) -> dict[str, Any]:
        """Open the given connections, at most ``concurrency`` handshakes at a time."""
        self.mode = command.get("mode", "count")
        self.reconnect = bool(command.get("reconnect", False))
        self.mss = command.get("mss")
        first = len(self.specs)
        for raw in command["conns"]:
            self.specs.append(
                Spec(raw["path"], raw.get("token"), raw.get("timed", False), raw.get("since"))
            )
            self.conns.append(None)
            self.ids.append([])
            self.id_times.append([])
            self.opens.append([])
        gate = asyncio.Semaphore(int(command.get("concurrency", 100)))
        times = array("q")
        failures: dict[str, int] = {}

        retries = int(command.get("retries", 0))

        async def one(index: int) -> None:
            async with gate:
                for attempt in range(retries + 1):
                    started = time.monotonic_ns()
                    conn = await self._connect(index)
                    if conn.failure is None:
                        times.append(time.monotonic_ns() - started)
                        return
                    reason = conn.failure if attempt == retries else f"retried: {conn.failure}"
                    failures[reason] = failures.get(reason, 0) + 1

        began = time.monotonic()
        await asyncio.gather(*(one(index) for index in range(first, len(self.specs))))
        return {
            "opened": len(times),
            "failed": sum(n for reason, n in failures.items() if not reason.startswith("retried")),
            "failures": failures,
            "elapsed_s": time.monotonic() - began,
            "handshake_ns": list(times),
        }

    def base(self, command: dict[str, Any]) -> dict[str, Any]:
        """Start timing a step: its events' intended times are offsets from ``base_ns``."""
        step = int(command["step"])
        self.bases[step] = int(command["base_ns"])
        freeze_heap()  # the connections are long-lived: no full collection walks them mid-step
        self.active_step = step
        return {"ok": True}

    def snapshot(self, command: dict[str, Any]) -> dict[str, Any]:
        """What arrived since the last snapshot; then start counting afresh."""
        answer: dict[str, Any] = {
            "frames": self.frames,
            "per_conn": [conn.count if conn else 0 for conn in self.conns],
            "latency_ns": list(self.latencies),
            "last": {str(seq): entry for seq, entry in self.last.items()},
            "open": self.open_count(),
            "closes": {str(code): n for code, n in self.closes.items()},
            "dropped_after_s": self.dropped_after_s,
        }
        self.frames = 0
        self.latencies = array("q")
        self.last = {}
        for conn in self.conns:
            if conn is not None:
                conn.count = 0
        return answer

    def history(self, command: dict[str, Any]) -> dict[str, Any]:
        """Every event id each connection received, with arrival and (re)connection times."""
        return {"ids": self.ids, "id_times": self.id_times, "opens": self.opens}

    async def stall(self, command: dict[str, Any]) -> dict[str, Any]:
        """Make one connection stop reading and watch for the server to drop it."""
        conn = self.conns[int(command["index"])]
        if conn is None or not conn.is_open:
            return {"ok": False}
        port = conn.stall(int(command.get("receive_buffer", 4096)))
        self.stalled = (conn, time.monotonic())
        task = asyncio.create_task(self._watch_stalled())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return {"ok": True, "port": port}

    def end_stall(self) -> dict[str, Any]:
        """The frozen PC is switched off: its connection goes (if the server kept it)."""
        if self.stalled is None:
            return {"ok": False}
        conn, _ = self.stalled
        self.stalled = None  # stops the watch first: an aborted socket has no descriptor
        conn.abort()
        return {"ok": True}

    def open_count(self) -> int:
        """Connections open right now."""
        return sum(1 for conn in self.conns if conn is not None and conn.is_open)

    def exit(self) -> None:
        """Drop every connection."""
        self.exiting = True
        for conn in self.conns:
            if conn is not None:
                conn.abort()

    # Details ------------------------------------------------------------------------------

    async def _connect(self, index: int) -> Subscriber:
        spec = self.specs[index]
        path = spec.path
        since = self.ids[index][-1] if self.ids[index] else spec.since
        if since is not None:
            path += ("&" if "?" in path else "?") + f"since={since}"
        request, accept = upgrade_request(self.host, self.port, path, spec.token)
        conn = Subscriber(index, request, accept, self)
        self.conns[index] = conn
        try:
            await asyncio.wait_for(self._open_socket(conn), OPEN_TIMEOUT_S)
            await asyncio.wait_for(asyncio.shield(conn.done), OPEN_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            conn.failure = conn.failure or type(exc).__name__
            conn.abort()
        return conn

    async def _open_socket(self, conn: Subscriber) -> None:
        loop = asyncio.get_running_loop()
        if self.mss is None:
            await loop.create_connection(lambda: conn, self.host, self.port)
            return
        # A smaller MSS, as on Ethernet, keeps the server's send buffer at realistic sizes
        # (loopback's 64 KiB segments let the kernel buffer megabytes for a stalled reader).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, int(self.mss))
            sock.setblocking(False)
            await loop.sock_connect(sock, (self.host, self.port))
        except BaseException:
            sock.close()
            raise
        await loop.create_connection(lambda: conn, sock=sock)

    async def _reconnect(self, index: int) -> None:
        delays: Iterator[float] = reconnect_delays(rng=random.random)
        while not self.exiting:
            await asyncio.sleep(next(delays))
            conn = await self._connect(index)
            if conn.failure is None:
                return

    async def _watch_stalled(self) -> None:
        assert self.stalled is not None
        conn, since = self.stalled
        while not self.exiting and self.stalled is not None:
            if conn.peer_gone():
                self.dropped_after_s = time.monotonic() - since
                return
            await asyncio.sleep(0.05)


async def serve(client: LoadClient) -> None:
    """Answer commands from stdin until ``exit`` or end of input."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        command = json.loads(line)
        name = command["cmd"]
        if name == "exit":
            client.exit()
            _reply({"ok": True})
            return
        if name == "open":
            answer = await client.open(command)
        elif name == "base":
            answer = client.base(command)
        elif name == "count":
            answer = {"frames": client.frames, "open": client.open_count()}
        elif name == "snapshot":
            answer = client.snapshot(command)
        elif name == "history":
            answer = client.history(command)
        elif name == "stall":
            answer = await client.stall(command)
        elif name == "end_stall":
            answer = client.end_stall()
        else:
            answer = {"error": f"unknown command {name!r}"}
        _reply(answer)


def _reply(answer: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(answer, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def main() -> None:
    """Entry point: ``python -m benchmarks.loadclient HOST PORT``."""
    raise_fd_limit()
    host, port = sys.argv[1], int(sys.argv[2])
    # uvloop's C read path leaves more of the load core to the subscribers' own parsing, so
    # the clients queue less and measure the server rather than themselves.
    run = asyncio.run if uvloop is None else uvloop.run
    run(serve(LoadClient(host, port)))


if __name__ == "__main__":
    main()
