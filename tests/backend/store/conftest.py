"""Fixtures for the store tests: a migrated database per test, on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backend.store import (
    Database,
    Item,
    OrderView,
    PaymentFacts,
    PaymentResult,
    migrate_async,
    record_payment,
    submit_order,
)
from tests.conftest import SHOP_ZONE
from tests.pg import PostgresCluster

NOW = datetime(2026, 11, 26, 6, 5, 12, tzinfo=UTC)
DEFAULT_ITEMS = (Item("宫保鸡丁", 2, 3200), Item("米饭", 1, 200))


OrderStep = Callable[..., Awaitable[OrderView]]


def _transaction_id(order: OrderView) -> str:
    """A WeChat-like transaction id unique to the order."""
    return f"42000000002026112{order.id:011d}"


@pytest.fixture
def now() -> datetime:
    """The fixed clock value the tests start from."""
    return NOW


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker that keeps a test off PostgreSQL."""
    config.addinivalue_line(
        "markers", "sqlite_only: tests SQLite behaviour (pragmas, file handling) only"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that touches a database runs on SQLite and on PostgreSQL, unless sqlite_only."""
    if "engine" not in metafunc.fixturenames:
        return
    engines = [pytest.param("sqlite", id="sqlite")]
    if metafunc.definition.get_closest_marker("sqlite_only") is None:
        engines.append(pytest.param("postgres", id="postgres", marks=pytest.mark.postgres))
    metafunc.parametrize("engine", engines)


@pytest.fixture
def cluster(engine: str, request: pytest.FixtureRequest) -> PostgresCluster | None:
    """The test PostgreSQL server when the test runs on PostgreSQL, else None."""
    if engine != "postgres":
        return None
    postgres: PostgresCluster = request.getfixturevalue("postgres_cluster")
    return postgres


@pytest.fixture
async def database_url(cluster: PostgresCluster | None, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: an SQLite file in the test's directory, or a new PostgreSQL one."""
    if cluster is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'orderbell.db'}"
        return
    async with cluster.database(migrated=False) as url:
        yield url


@pytest.fixture
async def db(cluster: PostgresCluster | None, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database, disposed after the test."""
    async with contextlib.AsyncExitStack() as stack:
        if cluster is None:
            url = f"sqlite+aiosqlite:///{tmp_path / 'orderbell.db'}"
            await migrate_async(url)
        else:
            # A copy of the migrated template: much faster than migrating each database.
            url = await stack.enter_async_context(cluster.database())
        database = Database(url)
        yield database
        await database.dispose()


@pytest.fixture
def place_order(db: Database) -> OrderStep:
    """Builds orders awaiting payment."""

    async def place(
        *,
        shop_id: int = 1,
        user_id: int = 7,
        items: Sequence[Item] = DEFAULT_ITEMS,
        now: datetime = NOW,
    ) -> OrderView:
        return await submit_order(
            db,
            user_id=user_id,
            shop_id=shop_id,
            items=items,
            remark="少辣",
            phone="138 0013 8000",
            address="1 Example Road",
            now=now,
        )

    return place


@pytest.fixture
def pay_order(db: Database) -> OrderStep:
    """Pays an order one minute after NOW and returns it."""

    async def pay(order: OrderView) -> OrderView:
        paid_at = NOW + timedelta(minutes=1)
        facts = PaymentFacts(order.number, _transaction_id(order), order.amount_fen, paid_at)
        outcome = await record_payment(db, facts, paid_at, zone=SHOP_ZONE)
        assert outcome.result is PaymentResult.PAID
        assert outcome.order is not None
        return outcome.order

    return pay
