"""PostgreSQL under a B2 step: wait events sampled, statements counted, its CPU read from /proc.

The probe connects to the cluster's maintenance database (``postgres``), never to the database
under test, so its own statements stay out of that database's counters; its own backend is left
out of PostgreSQL's CPU.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass, field

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from benchmarks import procfs
from benchmarks.machine import Cores
from benchmarks.pgwaits import Sample, WaitTally

SAMPLE_INTERVAL_S = 0.01
# PostgreSQL's backends flush their statistics (pg_stat_database) at most once a second.
STATS_FLUSH_S = 1.2
STATEMENTS_LIBRARY = "pg_stat_statements"

_ACTIVITY = """
SELECT a.pid, a.state, a.wait_event_type, a.wait_event,
       extract(epoch FROM clock_timestamp() - l.waitstart) * 1000 AS waited_ms,
       l.waitstart::text AS wait_start
FROM pg_stat_activity a
LEFT JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted AND l.locktype = 'advisory'
WHERE a.datname = $1 AND a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()
"""
_TRANSACTIONS = "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1"
_STATEMENTS = """
SELECT s.queryid, s.calls, s.query FROM pg_stat_statements s
JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1
"""


@dataclass
class PgStep:
    """PostgreSQL's share of one step."""

    cpu_s: float | None
    transactions: int
    statements: int | None
    top_statements: list[tuple[str, int]]
    waits: WaitTally


@dataclass
class PgProbe:
    """A monitoring connection to the cluster behind the database under test."""

    connection: asyncpg.Connection
    database: str
    own_pid: int
    postmaster: int | None
    statements: bool
    pinned_to: frozenset[int] = frozenset()
    _affinity: dict[int, set[int]] = field(default_factory=dict)
    _tally: WaitTally = field(default_factory=WaitTally)
    _sampler: asyncio.Task[None] | None = None
    _sampling: bool = False
    _cpu_before: float = 0.0
    _transactions_before: int = 0
    _statements_before: dict[int, tuple[int, str]] = field(default_factory=dict)

    @classmethod
    async def open(cls, url: str) -> PgProbe:
        """Connect to the maintenance database of the cluster that ``url`` names."""
        parsed = make_url(url)
        database = parsed.database or ""
        dsn = parsed.set(drivername="postgresql", database="postgres")
        connection = await asyncpg.connect(dsn.render_as_string(hide_password=False))
        own_pid = int(await connection.fetchval("SELECT pg_backend_pid()"))
        preload = str(await connection.fetchval("SHOW shared_preload_libraries"))
        statements = STATEMENTS_LIBRARY in [name.strip() for name in preload.split(",")]
        if statements:
            await connection.execute(f"CREATE EXTENSION IF NOT EXISTS {STATEMENTS_LIBRARY}")
        return cls(connection, database, own_pid, _local_postmaster(own_pid), statements)

    @property
    def local(self) -> bool:
        """True when PostgreSQL runs on this machine (its CPU can be read and pinned)."""
        return self.postmaster is not None

    def pin(self, cores: frozenset[int]) -> None:
        """Move the postmaster and its processes onto ``cores``; new backends inherit it."""
        if self.postmaster is None or not cores:
            return
        for pid in [self.postmaster, *procfs.children(self.postmaster)]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                before = os.sched_getaffinity(pid)
                os.sched_setaffinity(pid, cores)
                self._affinity[pid] = before
        self.pinned_to = cores

    async def begin(self) -> None:
        """Take the step's starting readings and start sampling every 10 ms."""
        self._tally = WaitTally()
        self._transactions_before = await self._transactions()
        self._statements_before = await self._statement_calls()
        self._cpu_before = self._cpu()
        self._sampling = True
        self._sampler = asyncio.create_task(self._sample())

    async def end(self) -> PgStep:
        """Stop sampling and read what the step cost PostgreSQL."""
        cpu_s = self._cpu() - self._cpu_before if self.local else None
        if self._sampler is not None:
            self._sampling = False
            await self._sampler
        await asyncio.sleep(STATS_FLUSH_S)
        transactions = await self._transactions() - self._transactions_before
        after = await self._statement_calls()
        delta = {
            query: calls - self._statements_before.get(queryid, (0, query))[0]
            for queryid, (calls, query) in after.items()
        }
        ranked = sorted(
            ((query, calls) for query, calls in delta.items() if calls > 0),
            key=lambda item: -item[1],
        )
        return PgStep(
            cpu_s=cpu_s,
            transactions=transactions,
            statements=sum(calls for _, calls in ranked) if self.statements else None,
            top_statements=ranked[:6],
            waits=self._tally,
        )

    async def close(self) -> None:
        """Give the cluster its affinity back and disconnect."""
        for pid, cores in self._affinity.items():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.sched_setaffinity(pid, cores)
        await self.connection.close()

    def _cpu(self) -> float:
        if self.postmaster is None:
            return 0.0
        return procfs.tree_cpu_seconds(self.postmaster, frozenset({self.own_pid}))

    async def _transactions(self) -> int:
        return int(await self.connection.fetchval(_TRANSACTIONS, self.database) or 0)

    async def _statement_calls(self) -> dict[int, tuple[int, str]]:
        if not self.statements:
            return {}
        rows = await self.connection.fetch(_STATEMENTS, self.database)
        return {int(row[0]): (int(row[1]), " ".join(str(row[2]).split())) for row in rows}

    async def _sample(self) -> None:
        next_at = time.monotonic()
        while self._sampling:
            rows = await self.connection.fetch(_ACTIVITY, self.database)
            self._tally.add(
                Sample(
                    pid=row["pid"],
                    state=row["state"],
                    wait_type=row["wait_event_type"],
                    wait_event=row["wait_event"],
                    lock_wait_ms=None if row["waited_ms"] is None else float(row["waited_ms"]),
                    lock_wait_start=row["wait_start"],
                )
                for row in rows
            )
            next_at += SAMPLE_INTERVAL_S
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))


def _local_postmaster(backend_pid: int) -> int | None:
    """The postmaster's pid when the backend ``backend_pid`` runs on this machine, else None."""
    try:
        if procfs.command_name(backend_pid) != "postgres":
            return None
        postmaster = procfs.parent(backend_pid)
        if procfs.command_name(postmaster) != "postgres":
            return None
    except (FileNotFoundError, ProcessLookupError):
        return None
    return postmaster


def server_cores(cores: Cores) -> frozenset[int]:
    """Where PostgreSQL goes: the server core (with two cores it cannot have one of its own)."""
    return cores.server if cores.pinned else frozenset()
