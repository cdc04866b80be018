"""The harness's handle on its load-client processes: spawn them pinned, command them, gather."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import Sequence
from typing import Any

from benchmarks.machine import Cores

READ_LIMIT = 2**28


class ClientProcess:
    """One ``benchmarks.loadclient`` process, spoken to in JSON lines."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self._lock = asyncio.Lock()

    @property
    def pid(self) -> int:
        """The process id (for CPU accounting)."""
        return self.process.pid

    async def call(self, command: dict[str, Any]) -> dict[str, Any]:
        """Send one command and wait for its answer."""
        if self.process.stdin is None or self.process.stdout is None:
            raise RuntimeError("load client started without pipes")
        async with self._lock:
            self.process.stdin.write(json.dumps(command).encode() + b"\n")
            await self.process.stdin.drain()
            line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"load client {self.pid} exited unexpectedly")
        answer: dict[str, Any] = json.loads(line)
        return answer


class ClientPool:
    """Several load-client processes sharing the load cores; connections are spread over them."""

    def __init__(self, clients: Sequence[ClientProcess]) -> None:
        self.clients = list(clients)

    @classmethod
    async def start(cls, host: str, port: int, processes: int, cores: Cores) -> ClientPool:
        """Spawn ``processes`` load clients aimed at ``host:port``."""
        clients = []
        for _ in range(processes):
            process = await asyncio.create_subprocess_exec(
                *cores.load_prefix(),
                sys.executable,
                "-m",
                "benchmarks.loadclient",
                host,
                str(port),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                limit=READ_LIMIT,
            )
            clients.append(ClientProcess(process))
        return cls(clients)

    def split(self, items: Sequence[Any]) -> list[list[Any]]:
        """Deal items round-robin over the processes (index i goes to process i % n)."""
        parts: list[list[Any]] = [[] for _ in self.clients]
        for index, item in enumerate(items):
            parts[index % len(self.clients)].append(item)
        return parts

    async def open(
        self, conns: Sequence[dict[str, Any]], *, concurrency: int, mode: str, **extra: Any
    ) -> list[dict[str, Any]]:
        """Open connections (dealt round-robin), each process with its share of concurrency."""
        share = max(1, concurrency // len(self.clients))
        parts = self.split(conns)
        return await asyncio.gather(
            *(
                client.call(
                    {"cmd": "open", "conns": part, "concurrency": share, "mode": mode, **extra}
                )
                for client, part in zip(self.clients, parts, strict=True)
                if part
            )
        )

    async def broadcast(self, command: dict[str, Any]) -> list[dict[str, Any]]:
        """Send the same command to every process; answers in process order."""
        return await asyncio.gather(*(client.call(command) for client in self.clients))

    async def close(self) -> None:
        """Tell every process to drop its connections and exit; kill stragglers."""
        for client in self.clients:
            with contextlib.suppress(TimeoutError, RuntimeError, ConnectionError):
                await asyncio.wait_for(client.call({"cmd": "exit"}), 10)
        for client in self.clients:
            try:
                await asyncio.wait_for(client.process.wait(), 10)
            except TimeoutError:
                client.process.kill()
                await client.process.wait()
