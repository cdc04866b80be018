"""Servers under test: start one pinned to the server core, wait until it answers, stop it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks import procfs
from benchmarks.machine import Cores
from benchmarks.peers import node

HOST = "127.0.0.1"
READY_TIMEOUT_S = 60.0


@dataclass
class Server:
    """A running server process and where it listens."""

    name: str
    port: int
    process: asyncio.subprocess.Process
    log_path: Path

    @property
    def pid(self) -> int:
        """Its process id."""
        return self.process.pid

    def usage(self) -> procfs.Usage:
        """Its RSS and CPU time now."""
        return procfs.usage(self.pid)

    async def stop(self, grace_s: float = 15.0) -> None:
        """SIGTERM (a graceful shutdown), then SIGKILL if it does not exit in time."""
        if self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), grace_s)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


async def launch(
    name: str,
    argv: list[str],
    *,
    port: int,
    cores: Cores,
    log_path: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Server:
    """Start a server on the server core and wait until ``GET /healthz`` answers 200."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            *cores.server_prefix(),
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )
    server = Server(name, port, process, log_path)
    await wait_ready(server)
    return server


async def wait_ready(server: Server, within_s: float = READY_TIMEOUT_S) -> float:
    """Poll ``/healthz`` until it answers 200; returns how long that took."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    while loop.time() - began < within_s:
        if server.process.returncode is not None:
            raise RuntimeError(f"{server.name} exited during start-up; see {server.log_path}")
        if await healthy(server.port):
            return loop.time() - began
        await asyncio.sleep(0.02)
    await server.stop()
    raise RuntimeError(f"{server.name} did not become ready in {within_s} s; see {server.log_path}")


async def healthy(port: int) -> bool:
    """True when ``GET /healthz`` on ``port`` answers 200."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), 2)
    except (OSError, TimeoutError):
        return False
    try:
        writer.write(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
        status = await asyncio.wait_for(reader.readline(), 5)
        return status.split(b" ")[1:2] == [b"200"]
    except (OSError, TimeoutError, IndexError):
        return False
    finally:
        writer.close()


def orderbell_command(env_file: Path, port: int) -> list[str]:
    """The production server: ``orderbell-server serve``."""
    return [
        sys.executable,
        "-m",
        "backend.cli",
        "serve",
        "--env-file",
        str(env_file),
        "--port",
        str(port),
    ]


def fanout_command(env_file: Path, port: int) -> list[str]:
    """OrderBell's app with a raw publish trigger (``benchmarks.fanout_app``)."""
    return [
        sys.executable,
        "-m",
        "benchmarks.fanout_app",
        "--env-file",
        str(env_file),
        "--port",
        str(port),
    ]


def naive_command(port: int) -> list[str]:
    """The naive Starlette peer."""
    return [sys.executable, "-m", "benchmarks.peers.naive_starlette", "--port", str(port)]


def raw_command(port: int) -> list[str]:
    """The raw uvloop broadcaster (the limit)."""
    return [sys.executable, "-m", "benchmarks.peers.raw_uvloop", "--port", str(port)]


def node_command(port: int) -> list[str]:
    """The Node.js ``ws`` peer."""
    return node.command(port)
