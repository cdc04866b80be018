"""Tests of running whole SQLite transactions in worker threads."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, make_url, text

from backend.store.sqlite_workers import SQLiteWorkers, shares_file


@pytest.mark.parametrize(
    ("url", "shared"),
    [
        ("sqlite+aiosqlite:////var/lib/orderbell/orderbell.db", True),
        ("sqlite+aiosqlite:///relative.db", True),
        ("sqlite+aiosqlite://", False),
        ("sqlite+aiosqlite:///:memory:", False),
        ("sqlite+aiosqlite:///file:shop?mode=memory&cache=shared&uri=true", False),
    ],
)
def test_only_a_file_can_be_opened_by_a_second_engine(url: str, shared: bool) -> None:
    """A database file is shared by every connection; an in-memory one is private to its own."""
    assert shares_file(make_url(url)) is shared


def _untuned(_engine: Engine) -> None:
    """No pragmas: these tests only need a plain SQLite file."""


def _insert(connection: Connection, value: int) -> None:
    connection.execute(text("INSERT INTO t VALUES (:n)"), {"n": value})


def _values(connection: Connection) -> list[int]:
    return [int(n) for n in connection.execute(text("SELECT n FROM t ORDER BY n")).scalars()]


async def test_workers_write_then_read_the_same_file(tmp_path: Path) -> None:
    """A committed write is what a later read sees, through the file both threads open."""
    url = make_url(f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}")
    workers = SQLiteWorkers(url, tune=_untuned, read_only={})
    try:
        await workers.write(lambda c: c.execute(text("CREATE TABLE t (n INTEGER)")))
        await workers.write(lambda c: _insert(c, 1))
        assert await workers.read(_values) == [1]
    finally:
        await workers.dispose()


async def test_workers_can_be_used_again_after_dispose(tmp_path: Path) -> None:
    """dispose() releases threads and connections, and the next call starts them afresh."""
    url = make_url(f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}")
    workers = SQLiteWorkers(url, tune=_untuned, read_only={})
    try:
        await workers.write(lambda c: c.execute(text("CREATE TABLE t (n INTEGER)")))
        await workers.dispose()
        await workers.write(lambda c: _insert(c, 2))
        assert await workers.read(_values) == [2]
    finally:
        await workers.dispose()
