"""Tests of the Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from backend.store import (
    Database,
    Item,
    PaymentFacts,
    get_order_by_number,
    migrate,
    migrate_async,
    record_payment,
    submit_order,
)
from backend.store.database import alembic_config, head_revision
from backend.store.schema import Base
from tests.conftest import SHOP_ZONE

NOW = datetime(2026, 11, 26, 6, 5, 12, tzinfo=UTC)


async def test_migration_creates_the_tables(database_url: str) -> None:
    """Upgrading an empty file creates every table: orders to presence, and the version table."""
    await migrate_async(database_url)
    database = Database(database_url)
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await database.dispose()
    assert tables == {
        "alembic_version",
        "orders",
        "events",
        "device_tokens",
        "daily_order_numbers",
        "write_probe",
        "refunds",
        "shops",
        "escalation_rules",
        "escalations",
        "server_instances",
        "counter_presence",
    }


async def test_migration_twice_is_harmless(db: Database) -> None:
    """Migrating an up-to-date database changes nothing and keeps the data."""
    insert = text(
        "INSERT INTO device_tokens (shop_id, name, token_hash, created_at)"
        " VALUES (1, 'till', 'abc', '2026-11-26 06:05:12.000000')"
    )
    await db.write(lambda transaction: transaction.execute(insert))
    await migrate_async(db.url)

    def count_and_version(connection: Connection) -> tuple[int, str]:
        count = connection.execute(text("SELECT count(*) FROM device_tokens")).scalar_one()
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        return count, version

    assert await db.read(count_and_version) == (1, head_revision())


async def test_migrated_schema_matches_the_models(db: Database) -> None:
    """Autogenerate finds no difference between the migrated database and schema.py."""

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with db.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


def test_sync_migrate_runs_without_an_event_loop(tmp_path: Path) -> None:
    """migrate() upgrades a database from plain synchronous code."""
    migrate(f"sqlite+aiosqlite:///{tmp_path / 'sync.db'}")
    assert (tmp_path / "sync.db").stat().st_size > 0


async def test_migrate_creates_a_missing_database_file(tmp_path: Path) -> None:
    """A fresh install needs no prepared file: migrating creates it."""
    path = tmp_path / "fresh.db"
    await migrate_async(f"sqlite+aiosqlite:///{path}")
    assert path.exists()


async def test_upgrade_to_daily_numbers_keeps_paid_orders_unnumbered(database_url: str) -> None:
    """Orders paid before 0005 keep their rows and no number; the next payment is number 1."""
    database = Database(database_url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(_upgrade_to, database_url, "0004")
            await connection.execute(
                text(
                    "INSERT INTO orders (number, shop_id, user_id, status, pay_status,"
                    " amount_fen, items, remark, phone, address, created_at, paid_at,"
                    " reminder_count, updated_at) VALUES ('20261126140512000001', 1, 7, 2, 1,"
                    " 200, '[]', '', '13800138000', '', :now, :now, 0, :now)"
                ),
                {"now": NOW},
            )
        await migrate_async(database_url)
        old = await get_order_by_number(database, "20261126140512000001")
        fresh = await submit_order(
            database,
            user_id=7,
            shop_id=1,
            items=[Item("米饭", 1, 200)],
            remark="",
            phone="13800138000",
            address="",
            now=NOW,
        )
        facts = PaymentFacts(fresh.number, "4200" + "7" * 24, 200, NOW)
        paid = (await record_payment(database, facts, NOW, zone=SHOP_ZONE)).order
    finally:
        await database.dispose()
    assert old is not None
    assert (old.status, old.day_seq, old.business_day) == (2, None, None)
    assert paid is not None
    assert paid.day_seq == 1


def _upgrade_to(connection: Connection, url: str, revision: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_orders_refunded_before_partial_refunds_count_as_refunded_whole(
    database_url: str,
) -> None:
    """Upgrading to partial refunds: an order refunded before has all its amount refunded."""

    def upgrade_to(connection: Connection, revision: str) -> None:
        config = alembic_config(database_url)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    insert = text(
        "INSERT INTO orders (number, shop_id, user_id, status, pay_status, amount_fen, items,"
        " remark, phone, address, created_at, transaction_id, reminder_count, updated_at)"
        " VALUES ('20261203120000000001', 1, 1, 6, 2, 6400, '[]', '', '13800138000', '',"
        " '2026-12-03 12:00:00', '4200000001', 0, '2026-12-03 12:00:00')"
    )
    db = Database(database_url)
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(upgrade_to, "0007")
            await connection.execute(insert)
        await migrate_async(database_url)
        order = await get_order_by_number(db, "20261203120000000001")
    finally:
        await db.dispose()
    assert order is not None
    assert order.refunded_fen == 6400
