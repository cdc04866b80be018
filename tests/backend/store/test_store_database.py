"""Tests of the database connection settings."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, Integer, bindparam, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from backend.store import (
    Database,
    PaymentFacts,
    PaymentResult,
    WriteTransaction,
    accept_order,
    append_event,
    default_database_url,
    events_since,
    record_last_seen,
    record_payment,
    remind_order,
)
from backend.store.presence import write_presence
from orderbell_protocol import Event, EventType
from tests.backend.store.conftest import OrderStep
from tests.conftest import SHOP_ZONE


@pytest.mark.sqlite_only
async def test_sqlite_connections_are_tuned(db: Database) -> None:
    """SQLite connections use WAL, foreign keys, a 5 s busy timeout and NORMAL sync."""
    async with db.engine.connect() as connection:
        pragmas = {
            name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 5000,
        "synchronous": 1,
    }


@pytest.mark.sqlite_only
async def test_twenty_concurrent_read_then_write_transactions_all_succeed(db: Database) -> None:
    """Writers queue for the lock at BEGIN, so read-modify-write never hits "database is locked"."""

    def create(transaction: WriteTransaction) -> None:
        transaction.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        transaction.execute(text("INSERT INTO counter VALUES (0)"))

    def increment(transaction: WriteTransaction) -> None:
        n = transaction.execute(text("SELECT n FROM counter")).scalar_one()
        transaction.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})

    await db.write(create)
    await asyncio.gather(*(db.write(increment) for _ in range(20)))
    assert await db.read(lambda c: c.execute(text("SELECT n FROM counter")).scalar()) == 20


async def test_foreign_keys_are_enforced(db: Database) -> None:
    """An event cannot point at an order that does not exist."""
    orphan = text(
        "INSERT INTO events (shop_id, type, order_id, payload, created_at)"
        " VALUES (1, 1, 999, '{}', '2026-11-26 06:05:12.000000')"
    )
    with pytest.raises(IntegrityError, match=r"(?i)foreign key"):
        await db.write(lambda transaction: transaction.execute(orphan))


async def test_ping_answers_on_a_live_database(db: Database) -> None:
    """ping() returns quietly when the database answers."""
    await db.ping()


async def test_dialect_flags_reflect_the_url(db: Database, engine: str) -> None:
    """An aiosqlite URL is recognised as SQLite, an asyncpg one as PostgreSQL."""
    assert (db.is_sqlite, db.is_postgres) == (engine == "sqlite", engine == "postgres")


def test_default_url_is_a_file_in_the_user_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default database lives in OrderBell's data directory, which is created."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    url = default_database_url()
    assert url == f"sqlite+aiosqlite:///{tmp_path / 'OrderBell' / 'orderbell.db'}"
    assert (tmp_path / "OrderBell").is_dir()


def _count_events(connection: Connection) -> int:
    return connection.execute(text("SELECT count(*) FROM events")).scalar_one()


def _insert_event_for_a_new_order(transaction: WriteTransaction) -> int:
    order_id = transaction.execute(
        text(
            "INSERT INTO orders (number, shop_id, user_id, status, pay_status, amount_fen, items,"
            " remark, phone, address, created_at, reminder_count, updated_at) VALUES ('N1', 1, 1,"
            " 1, 0, 100, '[]', '', '1380013', 'here', :now, 0, :now) RETURNING id"
        ),
        {"now": datetime(2026, 11, 26, 6, 5, 12)},
    ).scalar_one()
    transaction.execute(
        text(
            "INSERT INTO events (shop_id, type, order_id, payload, created_at)"
            " VALUES (1, 1, :order_id, '{}', :now)"
        ),
        {"order_id": order_id, "now": datetime(2026, 11, 26, 6, 5, 12)},
    )
    return int(order_id)


async def test_write_commits_the_work_and_returns_its_result(db: Database) -> None:
    """What a write's work did is committed, and its return value handed back."""
    order_id = await db.write(_insert_event_for_a_new_order)
    assert order_id > 0
    assert await db.read(_count_events) == 1


async def test_write_rolls_back_when_the_work_raises(db: Database) -> None:
    """Work that fails half-way leaves nothing behind."""

    def insert_then_fail(transaction: WriteTransaction) -> None:
        _insert_event_for_a_new_order(transaction)
        raise RuntimeError("handler failed after writing")

    with pytest.raises(RuntimeError, match="handler failed"):
        await db.write(insert_then_fail)
    assert await db.read(_count_events) == 0


async def test_write_passes_arguments_to_the_work(db: Database) -> None:
    """Positional and keyword arguments reach the work after its transaction or connection."""
    query = text("SELECT :a + :b").bindparams(
        bindparam("a", type_=Integer), bindparam("b", type_=Integer)
    )

    def add(transaction: WriteTransaction, left: int, *, right: int) -> int:
        return int(transaction.execute(query, {"a": left, "b": right}).scalar_one())

    def read_add(connection: Connection, left: int, *, right: int) -> int:
        return int(connection.execute(query, {"a": left, "b": right}).scalar_one())

    assert await db.write(add, 2, right=3) == 5
    assert await db.read(read_add, 4, right=5) == 9


@pytest.mark.sqlite_only
async def test_sqlite_write_leaves_the_event_loop_free(db: Database) -> None:
    """A write transaction runs off the event loop: the loop can act while it is open."""
    release = threading.Event()

    def wait_for_the_loop(transaction: WriteTransaction) -> int:
        # Deadlocks (and times out) if this ran on the event loop's own thread.
        assert release.wait(5)
        return _count_events(transaction.connection)

    writing = asyncio.create_task(db.write(wait_for_the_loop))
    await asyncio.sleep(0.05)
    release.set()
    assert await writing == 0


@pytest.mark.sqlite_only
async def test_sqlite_read_does_not_wait_for_a_write_in_progress(db: Database) -> None:
    """While a write holds its transaction open, a read answers with the committed state."""
    written, release = threading.Event(), threading.Event()

    def write_and_hold(transaction: WriteTransaction) -> None:
        _insert_event_for_a_new_order(transaction)
        written.set()
        assert release.wait(5)

    writing = asyncio.create_task(db.write(write_and_hold))
    assert await asyncio.to_thread(written.wait, 5)
    try:
        assert await asyncio.wait_for(db.read(_count_events), 2) == 0
    finally:
        release.set()
        await writing
    assert await db.read(_count_events) == 1


@pytest.mark.sqlite_only
async def test_dispose_stops_the_worker_threads_and_the_database_stays_usable(
    db: Database,
) -> None:
    """dispose() ends the SQLite worker threads; the next transaction starts them again."""
    await db.write(_insert_event_for_a_new_order)
    assert _worker_threads()
    await db.dispose()
    assert not _worker_threads()
    assert await db.read(_count_events) == 1


async def test_in_memory_sqlite_runs_transactions_on_its_one_connection() -> None:
    """An in-memory database has no file a worker could open: write and read still share it."""
    db = Database("sqlite+aiosqlite://")
    try:
        await db.write(lambda connection: connection.execute(text("CREATE TABLE t (n INTEGER)")))
        await db.write(lambda connection: connection.execute(text("INSERT INTO t VALUES (7)")))
        seen = await db.read(lambda connection: connection.execute(text("SELECT n FROM t")).all())
        assert [tuple(row) for row in seen] == [(7,)]
    finally:
        await db.dispose()


def _worker_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("orderbell-sqlite")]


async def test_committed_events_are_handed_to_the_listener(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """Events appended in a write reach the listener after the commit, in order, once."""
    order = await pay_order(await place_order())
    heard: list[Event] = []
    db.publish_to(heard.append)

    def two_reminders(transaction: WriteTransaction) -> list[Event]:
        return [
            append_event(transaction, order, EventType.REMINDER, now, reminder_count=count)
            for count in (1, 2)
        ]

    appended = await db.write(two_reminders)
    assert heard == appended
    assert [event.id for event in heard] == [event.id for event in await events_since(db, 1)]


async def test_a_rolled_back_write_hands_over_nothing(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """Events of a transaction that rolls back never reach the listener."""
    order = await pay_order(await place_order())
    heard: list[Event] = []
    db.publish_to(heard.append)

    def remind_then_fail(transaction: WriteTransaction) -> None:
        append_event(transaction, order, EventType.REMINDER, now, reminder_count=1)
        raise RuntimeError("handler failed after appending")

    with pytest.raises(RuntimeError, match="handler failed"):
        await db.write(remind_then_fail)
    assert heard == []


async def test_store_operations_publish_without_their_caller(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """Paying, hurrying and accepting hand their events over; the caller does nothing."""
    heard: list[Event] = []
    db.publish_to(heard.append)
    order = await place_order()
    paid = await record_payment(
        db, PaymentFacts(order.number, "4200" + "1" * 24, 6600, now), now, zone=SHOP_ZONE
    )
    reminded = await remind_order(db, order_id=order.id, user_id=7, now=now, cooldown_s=60)
    accepted = await accept_order(db, shop_id=1, order_id=order.id, now=now)
    assert heard == [paid.event, reminded.event, accepted.event]


async def test_a_failing_listener_does_not_fail_the_committed_write(
    db: Database, place_order: OrderStep, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever publishing does, a committed payment is reported as committed."""

    def broken(event: Event) -> None:
        raise RuntimeError("hub exploded")

    db.publish_to(broken)
    order = await place_order()
    outcome = await record_payment(
        db, PaymentFacts(order.number, "4200" + "2" * 24, 6600, now), now, zone=SHOP_ZONE
    )
    assert outcome.result is PaymentResult.PAID
    assert "publishing committed event" in caplog.text


class InFlightLog:
    """Records what the database says about events on their way to the listener."""

    def __init__(self) -> None:
        self.announced: list[list[int]] = []
        self.dropped: list[list[int]] = []
        # What it was told in order, with the events handed over (``heard``) in between.
        self.told: list[str] = []

    def committing(self, event_ids: list[int]) -> None:
        self.announced.append(event_ids)

    def abandoned(self, event_ids: list[int]) -> None:
        self.dropped.append(event_ids)

    def awaiting(self) -> int:
        self.told.append("awaiting")
        return len(self.told)

    def settled(self, ticket: int) -> None:
        self.told.append(f"settled {ticket}")

    def heard(self, event: Event) -> None:
        self.told.append(f"event {event.id}")


async def test_a_write_that_fails_for_another_reason_is_not_tried_again(db: Database) -> None:
    """Only a lost connection earns a second try: other failures run the work once."""
    runs: list[int] = []

    def fails(transaction: WriteTransaction) -> None:
        runs.append(1)
        transaction.execute(text("SELECT no_such_column FROM orders"))

    with pytest.raises(DBAPIError):
        await db.write(fails)
    assert runs == [1]


async def test_events_being_committed_are_announced_before_they_are_handed_over(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime, engine: str
) -> None:
    """On a server database the in-flight watcher hears the ids first; SQLite needs no notice."""
    order = await pay_order(await place_order())
    watcher = InFlightLog()
    heard: list[Event] = []
    db.publish_to(heard.append, in_flight=watcher)
    reminded = await remind_order(db, order_id=order.id, user_id=7, now=now, cooldown_s=60)
    assert reminded.event is not None
    assert heard == [reminded.event]
    assert watcher.announced == ([[reminded.event.id]] if engine == "postgres" else [])
    assert watcher.dropped == []


async def test_a_payment_on_a_server_database_is_awaited_until_its_event_is_handed_over(
    db: Database, place_order: OrderStep, now: datetime, engine: str
) -> None:
    """PostgreSQL draws the event's id as the payment commits: the watcher hears that a write
    is under way, then the event, then that it is over; SQLite needs no notice."""
    order = await place_order()
    watcher = InFlightLog()
    db.publish_to(watcher.heard, in_flight=watcher)
    facts = PaymentFacts(order.number, "4200" + "1" * 24, order.amount_fen, now)
    paid = await record_payment(db, facts, now, zone=SHOP_ZONE)
    assert paid.event is not None
    handed_over = f"event {paid.event.id}"
    expected = ["awaiting", handed_over, "settled 1"] if engine == "postgres" else [handed_over]
    assert watcher.told == expected
    assert watcher.announced == []


async def test_presence_and_last_seen_writes_hold_no_other_instance_s_notification(
    db: Database, now: datetime
) -> None:
    """Writes that append no event take no in-flight ticket: another instance's order heard
    while a heartbeat or a last-seen stamp is being written rings at once, not after it."""
    watcher = InFlightLog()
    db.publish_to(watcher.heard, in_flight=watcher)
    await write_presence(db, "instance-a", now)
    assert await record_last_seen(db, [404], now) == 0
    assert watcher.told == []


async def test_events_whose_commit_fails_are_abandoned(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime, engine: str
) -> None:
    """A commit that fails after the announcement tells the watcher they will not come."""
    if engine != "postgres":
        pytest.skip("SQLite hands over without announcing")
    order = await pay_order(await place_order())
    watcher = InFlightLog()
    heard: list[Event] = []
    db.publish_to(heard.append, in_flight=watcher)

    def deferred_violation(transaction: WriteTransaction) -> None:
        # Checked at commit: the work returns, then the commit fails.
        transaction.execute(text("SET CONSTRAINTS ALL DEFERRED"))
        transaction.execute(
            text("CREATE TEMP TABLE t (x int UNIQUE DEFERRABLE INITIALLY DEFERRED)")
        )
        transaction.execute(text("INSERT INTO t VALUES (1), (1)"))
        append_event(transaction, order, EventType.REMINDER, now, reminder_count=1)

    with pytest.raises(IntegrityError):
        await db.write(deferred_violation)
    assert len(watcher.announced) == 1
    assert watcher.dropped == watcher.announced
    assert heard == []
