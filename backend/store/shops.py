"""Shops' WeChat Pay sub-merchant ids, for a server taking payments as a service provider."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, select, update

from backend.store.database import Database, WriteTransaction, rows_changed
from backend.store.errors import InvalidInput
from backend.store.schema import SHOPS
from backend.store.timestamps import as_utc

MAX_SHOP_ID = 2**31 - 1
# WeChat Pay merchant ids are digits; ASCII only, so no full-width or other script digits.
_SUB_MCHID = re.compile(r"[0-9]{1,32}")


@dataclass(frozen=True, slots=True)
class ShopMerchant:
    """A shop and the sub-merchant its payments go to (None: not set)."""

    shop_id: int
    sub_mchid: str | None


_SET = (
    update(SHOPS)
    .where(SHOPS.c.id == bindparam("shop_id", type_=SHOPS.c.id.type))
    .values(
        sub_mchid=bindparam("sub", type_=SHOPS.c.sub_mchid.type),
        updated_at=bindparam("changed_at", type_=SHOPS.c.updated_at.type),
    )
)
_ADD = insert(SHOPS)


async def set_sub_mchid(db: Database, shop_id: int, sub_mchid: str | None, now: datetime) -> None:
    """Record which sub-merchant ``shop_id`` is (None forgets it); bad input changes nothing."""
    if not 1 <= shop_id <= MAX_SHOP_ID:
        raise InvalidInput(f"a shop id is a whole number from 1 to {MAX_SHOP_ID}")
    if sub_mchid is not None and not _SUB_MCHID.fullmatch(sub_mchid):
        raise InvalidInput(
            "a sub-merchant id is the 1 to 32 digits WeChat Pay gave the shop, e.g. 1900000109"
        )
    await db.write(_set, shop_id, sub_mchid, as_utc(now))


def _set(transaction: WriteTransaction, shop_id: int, sub_mchid: str | None, now: datetime) -> None:
    values = {"shop_id": shop_id, "sub": sub_mchid, "changed_at": now}
    if rows_changed(transaction.execute(_SET, values)) == 0:
        transaction.execute(_ADD, {"id": shop_id, "sub_mchid": sub_mchid, "updated_at": now})


async def shop_merchants(db: Database) -> list[ShopMerchant]:
    """Every shop with a recorded sub-merchant id, by shop number."""
    return await db.read(_list)


def _list(connection: Connection) -> list[ShopMerchant]:
    rows = connection.execute(select(SHOPS.c.id, SHOPS.c.sub_mchid).order_by(SHOPS.c.id))
    return [ShopMerchant(row.id, row.sub_mchid) for row in rows]
