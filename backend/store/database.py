"""Connecting to the database: engine, the one way to read and to write, SQLite tuning, migration.

Every store operation is a plain function of a connection (reads) or of a
:class:`WriteTransaction` (writes) written with SQLAlchemy Core, run by :meth:`Database.read` or
:meth:`Database.write`. A write's events are handed to the database's listener (the dispatcher)
once the transaction has committed, so no caller has to remember to publish them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar, cast

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, CursorResult, Engine, Executable, Result, event, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from backend.store.sqlite_workers import SQLiteWorkers, shares_file
from orderbell_protocol import Event

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

CommitListener = Callable[[Event], None]
# Told the kind ("read" or "write") and the seconds of each transaction, waiting included.
TransactionObserver = Callable[[str, float], None]


class InFlight(Protocol):
    """Told which events a transaction is about to commit, and when one never got handed over.

    On a server database the commit's own notification can reach this instance before the
    committing request hands its events over; knowing they are on their way, the dispatcher
    need not read them back from the log.
    """

    def committing(self, event_ids: list[int]) -> None:
        """These events are being committed; the listener will be handed each of them."""

    def abandoned(self, event_ids: list[int]) -> None:
        """These events will not be handed over (the commit failed or its outcome is unknown)."""

    def awaiting(self) -> int:
        """A write is committing events whose ids nobody knows before its commit; its ticket.

        A statement that commits by itself (see :meth:`Database.write_alone`) draws its
        events' ids as it commits, so their notifications can arrive before the ids are known.
        """

    def settled(self, ticket: int) -> None:
        """That write is over: it has handed over every event it committed, if it could."""


MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Execution option marking connections that only read; SQLite lets those begin DEFERRED.
_READ_ONLY = "orderbell_read_only"
# Connections each instance keeps to a server database (PostgreSQL); with the one it LISTENs
# on, the README's database sizing counts 16 per instance.
SERVER_POOL_SIZE = 15

# Key of the PostgreSQL advisory lock held while migrating, so instances starting together
# take turns instead of racing to create the same tables (any constant bigint works).
_MIGRATION_LOCK = int.from_bytes(b"OBschema", "big")

# SQLite checkpoints the WAL by itself once it holds wal_autocheckpoint pages, inside whichever
# commit crosses that mark - on the writer thread, so every payment behind it waits for the
# checkpoint's fsync. The server checkpoints on a timer off that thread instead
# (Database.checkpoint); the automatic one is kept only as a far backstop, and a WAL that did
# grow is cut back to the size limit once it is reused.
WAL_AUTOCHECKPOINT_PAGES = 16_384  # 64 MiB at the default 4 KiB page
WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024

_SQLITE_PRAGMAS = (
    "PRAGMA busy_timeout=5000",
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
    f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}",
    f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT_BYTES}",
)


def default_database_url() -> str:
    """An SQLite file in the user's data directory, which is created if missing."""
    directory = Path(platformdirs.user_data_dir("OrderBell", appauthor=False))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{directory / 'orderbell.db'}"


class WriteTransaction:
    """One write transaction under way: its connection, and the events appended in it.

    Store functions append events with :func:`backend.store.events.append_event`; the
    database hands them to its listener after the commit, in the order they were appended.
    """

    __slots__ = ("connection", "events")

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.events: list[Event] = []

    def execute(
        self,
        statement: Executable,
        parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    ) -> CursorResult[Any]:
        """Run one statement in this transaction (a list of parameter sets runs it for each)."""
        return self.connection.execute(statement, parameters)


class Database:
    """One database: its engine, and the transactions that read and write it."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        dialect = parsed.get_dialect().name
        # A server database can restart under us. Rather than check every pooled connection
        # before use (a round trip or three per transaction), a transaction that finds its
        # connection dead before it could commit is run once more on a fresh one: the pool
        # throws away every connection older than the failure, so the second try connects anew.
        # hide_parameters: statements' values (customers' phone numbers and addresses) stay
        # out of error messages, and so out of logged tracebacks.
        # A server database keeps SERVER_POOL_SIZE connections and opens no overflow: SQLAlchemy
        # closes an overflow connection as soon as it comes back, so every burst past the pool
        # would log in anew (and try TLS first). Past the pool a transaction waits for a
        # connection, as it would wait for the log's append lock anyway.
        pool = {} if dialect == "sqlite" else {"pool_size": SERVER_POOL_SIZE, "max_overflow": 0}
        self.engine: AsyncEngine = create_async_engine(url, hide_parameters=True, **pool)
        self.is_sqlite = dialect == "sqlite"
        self.is_postgres = dialect == "postgresql"
        self._workers: SQLiteWorkers | None = None
        if self.is_sqlite:
            _tune_sqlite(self.engine.sync_engine)
            if shares_file(parsed):
                self._workers = SQLiteWorkers(
                    parsed, tune=_tune_sqlite, read_only={_READ_ONLY: True}
                )
        self._read_engine = self.engine.execution_options(**{_READ_ONLY: True})
        # Each statement its own transaction: no BEGIN and COMMIT round trips around it.
        self._autocommit_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._single_engine = (
            self._read_engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.is_postgres
            else self._read_engine
        )
        self._listener: CommitListener | None = None
        self._observer: TransactionObserver | None = None
        self._in_flight: InFlight | None = None

    def publish_to(self, listener: CommitListener, *, in_flight: InFlight | None = None) -> None:
        """Hand every event committed from now on to ``listener`` (the dispatcher).

        ``in_flight`` hears of a server database's events just before their commit, and of
        any that then could not be handed over.
        """
        self._listener = listener
        self._in_flight = in_flight

    def time_transactions(self, observer: TransactionObserver) -> None:
        """Tell ``observer`` how long each transaction from now on took (the metrics)."""
        self._observer = observer

    async def write(
        self,
        work: Callable[Concatenate[WriteTransaction, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run ``work(transaction, ...)`` as one transaction that may write; commit if it returns.

        On an SQLite file the whole transaction runs on the database's writer thread, so
        ``work`` must use only its transaction and arguments, never the event loop; elsewhere
        it runs on the async engine, each statement one round trip to the server. Once it has
        committed, the events it appended go to the listener, here on the event loop: the
        committing request hands its own events over, without reading them back.
        """

        def run(connection: Connection) -> tuple[T, list[Event]]:
            transaction = WriteTransaction(connection)
            return work(transaction, *args, **kwargs), transaction.events

        started = time.perf_counter()
        try:
            if self._workers is not None:
                result, events = await self._workers.write(run)
            else:
                result, events = await self._write_on_server(run)
        finally:
            self._took("write", started)
        if events and self._listener is not None:
            self._hand_over(self._listener, events)
        return result

    async def _write_on_server(
        self, run: Callable[[Connection], tuple[T, list[Event]]]
    ) -> tuple[T, list[Event]]:
        """One write transaction on a server database, tried again if its connection was dead.

        Only a failure before the commit is tried again: the server has then rolled the
        transaction back, so nothing of it happened. A connection lost during the commit
        leaves its outcome unknown, and that is raised to the caller.
        """
        for attempt in (1, 2):
            committing = False
            announced: list[int] = []
            try:
                async with self.engine.begin() as connection:
                    result, events = await connection.run_sync(run)
                    committing = True
                    announced = [event.id for event in events]
                    if announced and self._in_flight is not None:
                        self._in_flight.committing(announced)
                return result, events
            except BaseException as exc:
                if announced and self._in_flight is not None:
                    self._in_flight.abandoned(announced)
                if committing or attempt == 2 or not isinstance(exc, DBAPIError):
                    raise
                if not exc.connection_invalidated:
                    raise
                log.info("database connection was lost (%s); trying on a new one", exc.orig)
        raise AssertionError("unreachable")

    async def write_alone(
        self,
        work: Callable[Concatenate[WriteTransaction, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Like :meth:`write`, for ``work`` whose every statement may commit by itself.

        On a server database each statement runs in its own implicit transaction (autocommit):
        no BEGIN and COMMIT round trips, and no lock outlives the statement that took it, so
        ``work`` does in one statement whatever must happen together. It must also be safe to
        run again: a connection found dead is replaced and ``work`` run once more, although a
        statement may have committed just before its connection died. Such a statement draws
        its events' ids as it commits, so the in-flight watcher hears only that a write is
        under way (``awaiting``) and when it is over (``settled``), after the hand-over.

        On SQLite ``work`` runs as one transaction, exactly as :meth:`write` runs it.
        """
        if self.is_sqlite:
            return await self.write(work, *args, **kwargs)
        return await self._alone_on_server(lambda t: work(t, *args, **kwargs), announces=True)

    async def write_alone_without_events(
        self,
        work: Callable[Concatenate[WriteTransaction, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Like :meth:`write_alone`, for ``work`` that appends no event (presence, last-seen).

        It takes no in-flight ticket: other instances' notifications heard meanwhile are read
        at once rather than held until it is over, since it can hand none of them over.
        """
        if self.is_sqlite:
            return await self.write(work, *args, **kwargs)
        return await self._alone_on_server(lambda t: work(t, *args, **kwargs), announces=False)

    async def _alone_on_server(
        self, work: Callable[[WriteTransaction], T], *, announces: bool
    ) -> T:
        def run(connection: Connection) -> tuple[T, list[Event]]:
            transaction = WriteTransaction(connection)
            return work(transaction), transaction.events

        tickets: list[int] = []
        started = time.perf_counter()
        try:
            try:
                result, events = await self._write_alone_on_server(
                    run, tickets if announces else None
                )
            finally:
                self._took("write", started)
            if events and self._listener is not None:
                self._hand_over(self._listener, events)
            return result
        finally:
            if self._in_flight is not None:
                for ticket in tickets:
                    self._in_flight.settled(ticket)

    async def _write_alone_on_server(
        self, run: Callable[[Connection], tuple[T, list[Event]]], tickets: list[int] | None
    ) -> tuple[T, list[Event]]:
        """Autocommit statements on a server database, tried again if the connection was dead.

        Each try that got a connection takes an in-flight ticket, appended to ``tickets``
        (none when ``tickets`` is None: work that appends no event).
        """
        for attempt in (1, 2):
            try:
                async with self._autocommit_engine.connect() as connection:
                    if self._in_flight is not None and tickets is not None:
                        tickets.append(self._in_flight.awaiting())
                    return await connection.run_sync(run)
            except DBAPIError as exc:
                if attempt == 2 or not exc.connection_invalidated:
                    raise
                log.info("database connection was lost (%s); trying on a new one", exc.orig)
        raise AssertionError("unreachable")

    async def read(
        self, work: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``work(connection, ...)`` as one read-only transaction (on SQLite, in a thread)."""
        return await self._timed_read(self._read_engine, work, *args, **kwargs)

    async def read_one(
        self, work: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Like :meth:`read`, for ``work`` that runs a single statement.

        A single statement sees one snapshot by itself, so on a server database it runs
        without a transaction around it: no BEGIN and ROLLBACK round trips.
        """
        return await self._timed_read(self._single_engine, work, *args, **kwargs)

    async def _timed_read(
        self,
        engine: AsyncEngine,
        work: Callable[Concatenate[Connection, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        started = time.perf_counter()
        try:
            if self._workers is not None:
                return await self._workers.read(
                    lambda connection: work(connection, *args, **kwargs)
                )
            return await self._read_on_server(engine, work, *args, **kwargs)
        finally:
            self._took("read", started)

    def _took(self, kind: str, started: float) -> None:
        if self._observer is not None:
            self._observer(kind, time.perf_counter() - started)

    @staticmethod
    async def _read_on_server(
        engine: AsyncEngine,
        work: Callable[Concatenate[Connection, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """A read on a server database, tried once more on a new connection if this one died."""
        for attempt in (1, 2):
            try:
                async with engine.connect() as connection:
                    return await connection.run_sync(work, *args, **kwargs)
            except DBAPIError as exc:
                if attempt == 2 or not exc.connection_invalidated:
                    raise
                log.info("database connection was lost (%s); reading on a new one", exc.orig)
        raise AssertionError("unreachable")

    @staticmethod
    def _hand_over(listener: CommitListener, events: list[Event]) -> None:
        # The transaction has committed: whatever publishing does, the caller's answer stands.
        for committed in events:
            try:
                listener(committed)
            except Exception:
                log.exception("publishing committed event %s failed", committed.id)

    async def checkpoint(self) -> int:
        """Copy what the WAL holds into an SQLite file's database, off the writer thread.

        A passive checkpoint: it never waits for readers or the writer and never holds them
        up, and it copies what it can. Returns the pages the WAL still holds past what was
        copied; 0 on other databases, which have no WAL of ours to tend.
        """
        if self._workers is None:
            return 0
        return await self._workers.checkpoint()

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        await self._read_on_server(self._single_engine, _run_trivial)

    async def dispose(self) -> None:
        """Close every pooled connection (and stop the SQLite worker threads)."""
        if self._workers is not None:
            await self._workers.dispose()
        await self.engine.dispose()


_TRIVIAL = text("SELECT 1")


def _run_trivial(connection: Connection) -> None:
    connection.execute(_TRIVIAL)


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE matched."""
    return cast("CursorResult[Any]", result).rowcount


def _tune_sqlite(engine: Engine) -> None:
    # The SQLAlchemy "SQLite transactions" recipe: the driver's own implicit BEGIN is switched
    # off and we emit BEGIN ourselves. Writers use BEGIN IMMEDIATE so they queue for the write
    # lock up front (honouring busy_timeout) instead of deadlocking when a read lock would have
    # to be upgraded, which SQLite answers with an immediate "database is locked".
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in _SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def alembic_config(url: str) -> Config:
    """An Alembic configuration for this package's migrations, built without an ini file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    # ConfigParser interpolates "%"; URL-escaped passwords contain it.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest migration's revision: what an up-to-date database records as its version."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


async def migrate_async(url: str) -> None:
    """Upgrade the database at url to the newest schema; safe to run on every start."""
    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(_upgrade, url)
    finally:
        await database.dispose()


def migrate(url: str) -> None:
    """migrate_async for callers without a running event loop."""
    asyncio.run(migrate_async(url))


def _upgrade(connection: Connection, url: str) -> None:
    if connection.dialect.name == "postgresql":
        # Held until the migration commits; the next instance then finds the schema current.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
