"""Whole SQLite transactions in worker threads: one thread hop per transaction, not per call.

aiosqlite runs every driver call (cursor, execute, fetch, close, commit) in its own thread and
hops back to the event loop after each one, so one short transaction costs a dozen or more
thread round trips, each dearer than the SQL itself. Here a synchronous engine on the same
file runs the whole transaction in one go, on a worker thread: writes on a single thread
(SQLite lets one writer in at a time anyway), reads on a few threads of their own so they
never queue behind a write.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import URL, Connection, Engine, create_engine

T = TypeVar("T")

READ_THREADS = 2


def shares_file(url: URL) -> bool:
    """True when a second engine on ``url`` opens the same database (a file, not memory)."""
    database = url.database or ""
    in_memory = database in ("", ":memory:") or url.query.get("mode") == "memory"
    return not in_memory


class SQLiteWorkers:
    """A synchronous engine on an SQLite file, and the threads that run transactions on it.

    The threads and connections are created on first use and released by :meth:`dispose`,
    after which the workers can be used again.
    """

    def __init__(
        self, url: URL, *, tune: Callable[[Engine], None], read_only: dict[str, Any]
    ) -> None:
        # Pooled connections move between the worker threads; each is used by one at a time.
        self._engine = create_engine(
            url.set(drivername="sqlite+pysqlite"),
            connect_args={"check_same_thread": False},
            hide_parameters=True,  # as the async engine: no customer data in error messages
        )
        tune(self._engine)
        self._read_engine = self._engine.execution_options(**read_only)
        self._writer: ThreadPoolExecutor | None = None
        self._readers: ThreadPoolExecutor | None = None
        self._checkpointer: ThreadPoolExecutor | None = None

    async def write(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one write transaction on the writer thread; commit if it returns."""
        if self._writer is None:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="orderbell-sqlite-write")
        return await _run_in(self._writer, functools.partial(self._write, work))

    async def read(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one read transaction on a reader thread."""
        if self._readers is None:
            self._readers = ThreadPoolExecutor(
                READ_THREADS, thread_name_prefix="orderbell-sqlite-read"
            )
        return await _run_in(self._readers, functools.partial(self._read, work))

    async def checkpoint(self) -> int:
        """``PRAGMA wal_checkpoint(PASSIVE)`` on a thread of its own; the pages left uncopied.

        Not on a reader thread: a checkpoint's fsyncs take milliseconds, and the dispatcher's
        and the counters' reads must not queue behind them.
        """
        if self._checkpointer is None:
            self._checkpointer = ThreadPoolExecutor(
                1, thread_name_prefix="orderbell-sqlite-checkpoint"
            )
        return await _run_in(self._checkpointer, self._checkpoint)

    def _checkpoint(self) -> int:
        # On the driver's connection itself: the PRAGMA must run outside any transaction.
        connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                row = cursor.fetchone()
                in_log, copied = (0, 0) if row is None else (row[1], row[2])
            finally:
                cursor.close()
        finally:
            connection.close()
        return max(0, int(in_log) - int(copied))

    async def dispose(self) -> None:
        """Finish queued work, stop the threads and close every pooled connection."""
        executors = (self._writer, self._readers, self._checkpointer)
        self._writer = self._readers = self._checkpointer = None
        await asyncio.to_thread(self._shut_down, *executors)

    def _write(self, work: Callable[[Connection], T]) -> T:
        with self._engine.begin() as connection:
            return work(connection)

    def _read(self, work: Callable[[Connection], T]) -> T:
        with self._read_engine.connect() as connection:
            return work(connection)

    def _shut_down(self, *executors: ThreadPoolExecutor | None) -> None:
        for executor in executors:
            if executor is not None:
                executor.shutdown(wait=True)
        self._engine.dispose()


async def _run_in(executor: ThreadPoolExecutor, call: Callable[[], T]) -> T:
    return await asyncio.get_running_loop().run_in_executor(executor, call)
