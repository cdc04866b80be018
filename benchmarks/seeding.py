"""A deployment to benchmark: test merchant kit, migrated database, device tokens and orders."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from backend.devkit import MerchantKit, create_kit, write_kit
from backend.store import (
    Database,
    DeviceTokenRow,
    OrderRow,
    WriteTransaction,
    authenticate_token,
    migrate_async,
)
from backend.store.tokens import TOKEN_PREFIX
from orderbell_protocol import OrderStatus, PayStatus

BATCH = 2000
# Room for the largest fleet (10,000 counters, plus B1's warm-up) in the counters' share, and
# connections kept for the callbacks beside it, as the README sizes an instance of 10,000.
HTTP_RESERVED_CONNECTIONS = 2_500
MAX_CONNECTIONS = 15_000
# What every server under test is started with (OrderBell's, and the naive peer on its transport).
CAPS = {
    "ORDERBELL_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
    "ORDERBELL_HTTP_RESERVED_CONNECTIONS": str(HTTP_RESERVED_CONNECTIONS),
}
ORDER_ITEMS = [
    {"name": "宫保鸡丁", "quantity": 1, "unitPriceFen": 3200},
    {"name": "米饭", "quantity": 2, "unitPriceFen": 200},
]
ORDER_TOTAL_FEN = 3600


@dataclass(frozen=True, slots=True)
class Deployment:
    """What an OrderBell server under test is started with."""

    directory: Path
    kit: MerchantKit
    env_file: Path
    database_url: str

    def env(self) -> dict[str, str]:
        """Environment for the server process.

        The connection cap is raised, as the README tells an instance holding this many counters
        to: of the default total of 10,000 counters may hold 9,000, so a fleet of 10,000 would
        be partly refused (503, as the server's log says). The server lowers it to what the
        open-file limit allows.
        """
        return {"ORDERBELL_DATABASE_URL": self.database_url, **CAPS}


@dataclass(frozen=True, slots=True)
class PendingOrder:
    """An order waiting for its payment callback."""

    number: str
    shop_id: int
    amount_fen: int


async def prepare(directory: Path, database_url: str | None = None) -> Deployment:
    """A fresh kit and a migrated database (SQLite in ``directory`` unless a URL is given)."""
    kit = create_kit()
    env_file = write_kit(kit, directory / "kit")
    url = database_url or f"sqlite+aiosqlite:///{directory / 'orderbell.db'}"
    await migrate_async(url)
    return Deployment(directory, kit, env_file, url)


async def add_tokens(deployment: Deployment, shops: Sequence[int]) -> list[str]:
    """One device token per entry of ``shops`` (bulk-inserted; only the hashes are stored)."""
    now = datetime.now(UTC)
    tokens = [TOKEN_PREFIX + secrets.token_urlsafe(32) for _ in shops]
    rows = [
        {
            "shop_id": shop,
            "name": f"bench counter {index}",
            "token_hash": hashlib.sha256(token.encode()).hexdigest(),
            "created_at": now,
        }
        for index, (shop, token) in enumerate(zip(shops, tokens, strict=True))
    ]
    db = Database(deployment.database_url)
    try:
        await _insert(db, DeviceTokenRow, rows)
        if tokens and await authenticate_token(db, tokens[0], now) is None:
            raise RuntimeError("bulk-inserted device tokens do not authenticate: hashing changed?")
    finally:
        await db.dispose()
    return tokens


async def add_orders(
    deployment: Deployment, orders: Sequence[tuple[str, int, str]]
) -> list[PendingOrder]:
    """Orders awaiting payment, as ``(number, shop_id, remark)``, bulk-inserted."""
    now = datetime.now(UTC)
    rows = [
        {
            "number": number,
            "shop_id": shop,
            "user_id": 1,
            "status": int(OrderStatus.PENDING_PAYMENT),
            "pay_status": int(PayStatus.UNPAID),
            "amount_fen": ORDER_TOTAL_FEN,
            "items": ORDER_ITEMS,
            "remark": remark,
            "phone": "13800005678",
            "address": "基准路 1 号",
            "created_at": now,
            "reminder_count": 0,
            "updated_at": now,
        }
        for number, shop, remark in orders
    ]
    db = Database(deployment.database_url)
    try:
        await _insert(db, OrderRow, rows)
    finally:
        await db.dispose()
    return [PendingOrder(number, shop, ORDER_TOTAL_FEN) for number, shop, _ in orders]


async def _insert(
    db: Database, table: type[OrderRow] | type[DeviceTokenRow], rows: list[dict[str, object]]
) -> None:
    for start in range(0, len(rows), BATCH):
        await db.write(_insert_batch, table, rows[start : start + BATCH])


def _insert_batch(
    transaction: WriteTransaction,
    table: type[OrderRow] | type[DeviceTokenRow],
    batch: list[dict[str, object]],
) -> None:
    transaction.execute(insert(table), batch)
