"""The connection pool on PostgreSQL: a burst reuses the connections an earlier burst opened."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, text

from backend.store import Database
from backend.store.database import SERVER_POOL_SIZE, WriteTransaction

pytestmark = pytest.mark.postgres

BURST = 12


def hold(transaction: WriteTransaction) -> int:
    """A write transaction that keeps its connection a moment, so a burst needs many at once."""
    return int(transaction.execute(text("SELECT 1 FROM pg_sleep(0.05)")).scalar_one())


async def test_a_second_burst_opens_no_connection(postgres_url: str) -> None:
    """SQLAlchemy's default pool keeps 5 and closes every connection past them when it comes back,
    so each burst past 5 concurrent transactions connected anew (a TLS attempt and a login each).
    The server pool keeps what it opened, up to its size; past it a transaction waits its turn."""
    assert BURST <= SERVER_POOL_SIZE
    db = Database(postgres_url)
    opened: list[int] = []

    def on_connect(dbapi_connection: object, record: object) -> None:
        opened.append(1)

    event.listen(db.engine.sync_engine.pool, "connect", on_connect)
    try:
        first = await asyncio.gather(*(db.write(hold) for _ in range(BURST)))
        after_first = len(opened)
        second = await asyncio.gather(*(db.write(hold) for _ in range(BURST)))
    finally:
        await db.dispose()
    assert first == second == [1] * BURST
    assert 1 < after_first <= BURST
    assert len(opened) == after_first, f"the second burst opened {len(opened) - after_first} more"


async def test_past_its_size_the_pool_makes_transactions_wait_not_connect(
    postgres_url: str,
) -> None:
    """More concurrent transactions than the pool holds all complete on the pool's connections:
    the documented bound on connections per instance holds."""
    db = Database(postgres_url)
    opened: list[int] = []
    event.listen(db.engine.sync_engine.pool, "connect", lambda *_: opened.append(1))
    try:
        done = await asyncio.gather(*(db.write(hold) for _ in range(SERVER_POOL_SIZE + 5)))
    finally:
        await db.dispose()
    assert done == [1] * (SERVER_POOL_SIZE + 5)
    assert len(opened) <= SERVER_POOL_SIZE
