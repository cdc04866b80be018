"""What a process costs, read from /proc: resident memory and CPU time (all threads)."""

from __future__ import annotations

import os
from dataclasses import dataclass

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Usage:
    """One reading of a process: resident set in KiB and CPU seconds used so far."""

    rss_kib: int
    cpu_s: float


def usage(pid: int) -> Usage:
    """Read a live process's RSS and user+system CPU time."""
    return Usage(rss_kib(pid), cpu_seconds(pid))


def rss_kib(pid: int) -> int:
    """Resident set size in KiB (VmRSS)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"process {pid} has no VmRSS (a zombie?)")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of every thread of the process."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / _TICKS


def tree_cpu_seconds(root: int, exclude: frozenset[int] = frozenset()) -> float:
    """CPU seconds of a process, its children that exited, and its live children but ``exclude``.

    A child's time moves into the parent's "children" counters when the parent reaps it, so the
    sum stays continuous as children come and go (PostgreSQL's backends, for instance).
    """
    fields = _stat(root)
    total = sum(int(value) for value in fields[11:15]) / _TICKS
    for child in children(root):
        if child not in exclude:
            try:
                total += cpu_seconds(child)
            except (FileNotFoundError, ProcessLookupError):
                continue  # exited meanwhile; its time is in the parent's next reading
    return total


def children(pid: int) -> list[int]:
    """The live direct children of a process."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if parent(int(entry)) == pid:
                    found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found


def parent(pid: int) -> int:
    """The parent's process id."""
    return int(_stat(pid)[1])


def command_name(pid: int) -> str:
    """The process's command name (``comm``)."""
    with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as comm:
        return comm.read().strip()


def _stat(pid: int) -> list[str]:
    """/proc/PID/stat's fields from the state on (field 3 of proc(5) is index 0)."""
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
        text = stat.read()
    # The command name is in parentheses and may contain spaces: split after the last ')'.
    return text[text.rindex(")") + 2 :].split()


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages."""
    one, five, fifteen = os.getloadavg()
    return one, five, fifteen


TCP_ESTABLISHED = "01"


def tcp_state(local_port: int, remote_port: int) -> str | None:
    """The kernel's state of the IPv4 socket local_port -> remote_port (hex code), None if gone."""
    local, remote = f":{local_port:04X}", f":{remote_port:04X}"
    with open("/proc/net/tcp", encoding="ascii") as table:
        next(table)
        for line in table:
            fields = line.split()
            if fields[1].endswith(local) and fields[2].endswith(remote):
                return fields[3]
    return None
