"""The schema on PostgreSQL: migrations shared by instances, and 64-bit customer ids."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Connection, text

from backend.store import Database, Item, get_order, migrate_async, submit_order
from backend.store.database import alembic_config, head_revision
from tests.pg import PostgresCluster

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


async def test_instances_migrating_at_once_both_succeed(
    postgres_cluster: PostgresCluster,
) -> None:
    """Two instances starting together on an empty database take turns migrating it."""
    async with postgres_cluster.database(migrated=False) as url:
        await asyncio.gather(migrate_async(url), migrate_async(url), migrate_async(url))
        db = Database(url)
        try:
            query = text("SELECT version_num FROM alembic_version")
            version = await db.read(lambda connection: connection.execute(query).scalar())
        finally:
            await db.dispose()
    assert version == head_revision()


async def test_orders_keep_64_bit_user_ids(postgres_url: str) -> None:
    """A Sky Take-out user id beyond 32 bits is stored and read back exactly."""
    db = Database(postgres_url)
    try:
        order = await submit_order(
            db,
            user_id=2**62 + 7,
            shop_id=1,
            items=[Item("米饭", 1, 200)],
            remark="",
            phone="13800138000",
            address="",
            now=NOW,
        )
        stored = await get_order(db, shop_id=1, order_id=order.id)
    finally:
        await db.dispose()
    assert stored is not None
    assert stored.user_id == 2**62 + 7


async def test_upgrade_from_0001_widens_user_ids_and_keeps_orders(
    postgres_cluster: PostgresCluster,
) -> None:
    """A database made by 0001, with orders in it, upgrades to BIGINT user ids in place."""

    def upgrade_to(connection: Connection, url: str, revision: str) -> None:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    # Written as 0001 wrote orders: today's model has columns 0001 did not create.
    insert = text(
        "INSERT INTO orders (number, shop_id, user_id, status, pay_status, amount_fen, items,"
        " remark, phone, address, created_at, reminder_count, updated_at) VALUES"
        " ('20261203120000000001', 1, 2147483647, 2, 1, 200, '[]', '', '13800138000', '',"
        " :now, 0, :now) RETURNING id"
    )
    async with postgres_cluster.database(migrated=False) as url:
        db = Database(url)
        try:
            async with db.engine.begin() as connection:
                await connection.run_sync(upgrade_to, url, "0001")
                order_id = (await connection.execute(insert, {"now": NOW})).scalar_one()
            await migrate_async(url)
            query = text(
                "SELECT data_type FROM information_schema.columns"
                " WHERE table_name = 'orders' AND column_name = 'user_id'"
            )
            column_type = await db.read(lambda connection: connection.execute(query).scalar())
            stored = await get_order(db, shop_id=1, order_id=order_id)
        finally:
            await db.dispose()
    assert column_type == "bigint"
    assert stored is not None
    assert (stored.number, stored.user_id, stored.amount_fen) == (
        "20261203120000000001",
        2**31 - 1,
        200,
    )
