"""Tests of the Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from backend.store import Database, migrate, migrate_async
from backend.store.database import head_revision
from backend.store.schema import Base


async def test_migration_creates_the_tables(database_url: str) -> None:
    """Upgrading an empty file creates orders, events, device tokens and the version table."""
    await migrate_async(database_url)
    database = Database(database_url)
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await database.dispose()
    assert tables == {"alembic_version", "orders", "events", "device_tokens"}


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
