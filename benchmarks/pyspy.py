"""Where the servers' Python time goes: py-spy's samples of running processes, by function.

py-spy reads a process's memory from outside (ptrace), so it needs the permission to attach
(root or CAP_SYS_PTRACE, or ``kernel.yama.ptrace_scope`` 0 for one's own processes).
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.machine import Cores

RATE_HZ = 200


@dataclass(frozen=True, slots=True)
class Hot:
    """One function: the share of samples in which it was running, or on the stack."""

    function: str
    own: float
    inclusive: float


def executable() -> str | None:
    """py-spy from the environment (a dev dependency) or PATH; None when not installed."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


async def record(
    program: str, pids: Sequence[int], duration_s: int, directory: Path, cores: Cores
) -> tuple[list[str], str | None]:
    """Sample each process for ``duration_s`` (without pausing it), on the load cores.

    Returns the collapsed stacks of every process that could be sampled, and py-spy's complaint
    for the first one that could not (for instance no permission to attach).
    """
    runs = []
    for pid in pids:
        output = directory / f"py-spy-{pid}.txt"
        process = await asyncio.create_subprocess_exec(
            *cores.load_prefix(),
            program,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(duration_s),
            "--rate",
            str(RATE_HZ),
            "--format",
            "raw",
            "--function",
            "--nonblocking",
            "--output",
            str(output),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        runs.append((process, output))
    stacks: list[str] = []
    problem: str | None = None
    for process, output in runs:
        said, _ = await process.communicate()
        if process.returncode == 0 and output.exists():
            stacks.append(output.read_text(encoding="utf-8", errors="replace"))
        elif problem is None:
            lines = said.decode(errors="replace").strip().splitlines()
            problem = lines[-1] if lines else f"py-spy exited with {process.returncode}"
    return stacks, problem


def hottest(collapsed: Iterable[str], top: int = 10) -> list[Hot]:
    """The functions most often running (own) and on the stack (inclusive), from py-spy's
    collapsed stacks (``frame;frame;frame count`` per line), most often running first."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for text in collapsed:
        for line in text.splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            frames = [_short(frame) for frame in stack.split(";")]
            total += count
            own[frames[-1]] += count
            for frame in set(frames):
                inclusive[frame] += count
    if not total:
        return []
    return [
        Hot(function, count / total, inclusive[function] / total)
        for function, count in own.most_common(top)
    ]


def _short(frame: str) -> str:
    """``name (path/to/module.py:12)`` -> ``name (to/module.py)``: a function, not a line."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    tail = "/".join(Path(path).parts[-2:]) if path else ""
    return f"{name} ({tail})" if tail else name
