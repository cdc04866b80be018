"""Tests of the database connection settings."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from backend.store import Database, default_database_url


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
    async with db.session() as session, session.begin():
        await session.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        await session.execute(text("INSERT INTO counter VALUES (0)"))

    async def increment() -> None:
        async with db.session() as session, session.begin():
            n = await session.scalar(text("SELECT n FROM counter"))
            await session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})

    await asyncio.gather(*(increment() for _ in range(20)))
    async with db.read_session() as session:
        assert await session.scalar(text("SELECT n FROM counter")) == 20


async def test_foreign_keys_are_enforced(db: Database) -> None:
    """An event cannot point at an order that does not exist."""
    with pytest.raises(IntegrityError, match=r"(?i)foreign key"):
        async with db.session() as session, session.begin():
            await session.execute(
                text(
                    "INSERT INTO events (shop_id, type, order_id, payload, created_at)"
                    " VALUES (1, 1, 999, '{}', '2026-11-26 06:05:12.000000')"
                )
            )


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
