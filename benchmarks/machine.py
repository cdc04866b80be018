"""The machine the benchmarks ran on, and which cores the server and the load get."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from importlib.metadata import version


@dataclass(frozen=True, slots=True)
class Cores:
    """The server runs alone on ``server``; load clients, senders and the harness share ``load``."""

    server: frozenset[int]
    load: frozenset[int]

    @property
    def pinned(self) -> bool:
        """False when there is only one usable core: then nothing is pinned."""
        return bool(self.server) and not (self.server & self.load)

    def server_prefix(self) -> list[str]:
        """Command prefix that starts a process (and all its threads) on the server core."""
        return _taskset(self.server) if self.pinned else []

    def load_prefix(self) -> list[str]:
        """Command prefix for load-generating processes."""
        return _taskset(self.load) if self.pinned else []

    def describe(self) -> str:
        """How the work was split, for the report."""
        if not self.pinned:
            return "not pinned (one usable core): server and load share it"
        return (
            f"server on core {_cores(self.server)}, load clients and harness on {_cores(self.load)}"
        )


def split_cores() -> Cores:
    """One core for the server under test, the rest for the load (when there are two or more)."""
    usable = sorted(os.sched_getaffinity(0))
    if len(usable) < 2 or shutil.which("taskset") is None:
        return Cores(frozenset(usable), frozenset(usable))
    return Cores(frozenset(usable[:1]), frozenset(usable[1:]))


def pin_self(cores: Cores) -> None:
    """Move the harness onto the load cores so it never competes with the server."""
    if cores.pinned:
        os.sched_setaffinity(0, cores.load)


def describe_machine() -> dict[str, str]:
    """CPU, cores, memory, OS and the versions that matter, for the report's header."""
    return {
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": f"{_mem_total_gib():.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Node.js": _node_version(),
        "uvicorn / Starlette / websockets": " / ".join(
            version(name) for name in ("uvicorn", "starlette", "websockets")
        ),
        "ws (npm)": _ws_version(),
        "OrderBell commit": _commit(),
    }


def _commit() -> str:
    git = shutil.which("git")
    if git is None:
        return "unknown"
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [git, "describe", "--always", "--dirty"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or "unknown"


def _taskset(cores: frozenset[int]) -> list[str]:
    return ["taskset", "-c", _cores(cores)]


def _cores(cores: frozenset[int]) -> str:
    return ",".join(str(core) for core in sorted(cores))


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gib() -> float:
    with open("/proc/meminfo", encoding="ascii") as info:
        for line in info:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return 0.0


def _node_version() -> str:
    node = shutil.which("node")
    if node is None:
        return "not installed"
    done = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    return done.stdout.strip() or "unknown"


def _ws_version() -> str:
    from benchmarks.peers.node import installed_ws_version

    return installed_ws_version() or "not installed"
