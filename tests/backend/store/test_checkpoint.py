"""SQLite's WAL is checkpointed off the commit path, stays bounded, and loses nothing."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from backend.store import Database, events_since, record_payment
from backend.store.database import WAL_AUTOCHECKPOINT_PAGES, WAL_SIZE_LIMIT_BYTES
from backend.store.payments import PaymentFacts, PaymentResult
from backend.store.sqlite_workers import READ_THREADS, SQLiteWorkers
from tests.backend.store.conftest import OrderStep
from tests.conftest import SHOP_ZONE

pytestmark = pytest.mark.sqlite_only

ROUNDS = 3
PER_ROUND = 10
# Only a broken build waits this long: the threads normally meet at once.
FAILURE_TIMEOUT_S = 5.0
# Far longer, so a read queued behind the checkpoint misses the others for sure.
STUCK_FOR_AT_MOST_S = 60.0


def wal_size(db: Database) -> int:
    path = Path(db.url.split("///", 1)[1] + "-wal")
    return path.stat().st_size if path.exists() else 0


async def pay_many(db: Database, place_order: OrderStep, now: datetime, count: int) -> list[int]:
    """Place and pay ``count`` orders; the ids of their events."""
    ids = []
    for _ in range(count):
        order = await place_order()
        facts = PaymentFacts(order.number, f"4200{order.id:024d}", order.amount_fen, now)
        outcome = await record_payment(db, facts, now, zone=SHOP_ZONE)
        assert outcome.result is PaymentResult.PAID
        assert outcome.event is not None
        ids.append(outcome.event.id)
    return ids


async def test_commits_leave_checkpoints_to_the_timer(db: Database) -> None:
    """Every connection holds the automatic checkpoint back and limits the WAL's size."""
    pages = await db.read(lambda c: c.execute(text("PRAGMA wal_autocheckpoint")).scalar())
    limit = await db.read(lambda c: c.execute(text("PRAGMA journal_size_limit")).scalar())
    assert (pages, limit) == (WAL_AUTOCHECKPOINT_PAGES, WAL_SIZE_LIMIT_BYTES)


async def test_the_wal_stops_growing_when_checkpointed(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """Rounds of payments, each followed by a checkpoint: the WAL is reused, not extended."""
    sizes = []
    for _ in range(ROUNDS):
        await pay_many(db, place_order, now, PER_ROUND)
        assert await db.checkpoint() == 0
        sizes.append(wal_size(db))
    assert sizes[0] > 0
    assert sizes[-1] <= sizes[0] * 1.5, sizes


async def test_without_checkpoints_the_wal_grows(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """The same rounds without the timer's checkpoint: the WAL grows with every round."""
    sizes = []
    for _ in range(ROUNDS):
        await pay_many(db, place_order, now, PER_ROUND)
        sizes.append(wal_size(db))
    assert sizes[-1] > sizes[0] * 2, sizes


async def test_payments_checkpointed_while_written_survive_a_restart(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """Checkpoints running beside the writes lose nothing: a new Database reads every event."""
    done = asyncio.Event()

    async def checkpoint_until_done() -> int:
        rounds = 0
        while not done.is_set():
            await db.checkpoint()
            rounds += 1
        return rounds

    checkpoints = asyncio.create_task(checkpoint_until_done())
    ids = await pay_many(db, place_order, now, 20)
    done.set()
    assert await checkpoints >= 1
    await db.dispose()
    reopened = Database(db.url)
    try:
        assert [event.id for event in await events_since(reopened, 0)] == ids
    finally:
        await reopened.dispose()


async def test_a_database_without_a_wal_has_nothing_to_checkpoint() -> None:
    """In-memory SQLite has no worker threads and no WAL: checkpoint is a no-op."""
    memory = Database("sqlite+aiosqlite:///:memory:")
    try:
        assert await memory.checkpoint() == 0
    finally:
        await memory.dispose()


async def test_a_checkpoint_under_way_leaves_every_reader_thread_to_reads(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a checkpoint is stuck in its fsync, reads on all reader threads still run at once."""
    in_checkpoint = threading.Event()
    release = threading.Event()

    def stuck_checkpoint(workers: SQLiteWorkers) -> int:
        in_checkpoint.set()
        release.wait(STUCK_FOR_AT_MOST_S)
        return 0

    monkeypatch.setattr(SQLiteWorkers, "_checkpoint", stuck_checkpoint)
    checkpoint = asyncio.create_task(db.checkpoint())
    assert await asyncio.to_thread(in_checkpoint.wait, FAILURE_TIMEOUT_S)
    # Each read waits for all the others: they pass only if every reader thread is free.
    together = threading.Barrier(READ_THREADS, timeout=FAILURE_TIMEOUT_S)

    def meet(connection: Connection) -> int:
        return together.wait()

    try:
        arrivals = await asyncio.gather(*(db.read(meet) for _ in range(READ_THREADS)))
    finally:
        release.set()
        await asyncio.wait([checkpoint])
    assert sorted(arrivals) == list(range(READ_THREADS))
