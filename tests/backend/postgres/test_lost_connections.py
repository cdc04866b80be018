"""Pooled connections the server has cut: the next transaction runs on a new one, once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from backend.store import (
    Database,
    Item,
    PaymentFacts,
    PaymentResult,
    events_since,
    record_payment,
    submit_order,
)
from orderbell_protocol import Event
from tests.conftest import SHOP_ZONE
from tests.pg import PostgresCluster

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
async def db(postgres_url: str) -> AsyncIterator[Database]:
    database = Database(postgres_url)
    yield database
    await database.dispose()


async def cut_connections(cluster: PostgresCluster, db: Database) -> int:
    """Terminate every server connection to the test's database, as a restart would."""
    connection = await asyncpg.connect(cluster.admin_dsn)
    try:
        cut: int = await connection.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1",
            db.url.rsplit("/", 1)[1],
        )
    finally:
        await connection.close()
    return cut


async def place(db: Database) -> tuple[str, int]:
    order = await submit_order(
        db,
        user_id=1,
        shop_id=1,
        items=[Item("米饭", 2, 200)],
        remark="",
        phone="13800138000",
        address="",
        now=NOW,
    )
    return order.number, order.amount_fen


async def test_a_payment_after_the_connections_were_cut_is_recorded_once(
    db: Database, postgres_cluster: PostgresCluster
) -> None:
    """The server cut the pool's connections: the payment commits on a new one, one event."""
    number, amount = await place(db)
    assert await cut_connections(postgres_cluster, db) >= 1
    heard: list[Event] = []
    db.publish_to(heard.append)
    paid = await record_payment(
        db, PaymentFacts(number, "4200" + "3" * 24, amount, NOW), NOW, zone=SHOP_ZONE
    )
    assert paid.result is PaymentResult.PAID
    assert paid.event is not None
    assert heard == [paid.event]
    assert [event.id for event in await events_since(db, 0)] == [paid.event.id]


async def test_reads_after_the_connections_were_cut_answer_from_a_new_one(
    db: Database, postgres_cluster: PostgresCluster
) -> None:
    """Reading the log and the health check work on the first try after a cut."""
    number, amount = await place(db)
    await record_payment(
        db, PaymentFacts(number, "4200" + "4" * 24, amount, NOW), NOW, zone=SHOP_ZONE
    )
    assert await cut_connections(postgres_cluster, db) >= 1
    assert len(await events_since(db, 0)) == 1
    assert await cut_connections(postgres_cluster, db) >= 1
    await db.ping()
