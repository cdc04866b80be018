"""Fixtures for the store tests: a migrated SQLite file per test and order builders."""

from __future__ import annotations

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


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """An SQLite file in the test's temporary directory."""
    return f"sqlite+aiosqlite:///{tmp_path / 'orderbell.db'}"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated database, disposed after the test."""
    await migrate_async(database_url)
    database = Database(database_url)
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
        outcome = await record_payment(db, facts, paid_at)
        assert outcome.result is PaymentResult.PAID
        assert outcome.order is not None
        return outcome.order

    return pay
