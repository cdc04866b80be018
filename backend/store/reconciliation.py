"""Unpaid orders the reconciler asks WeChat Pay about: which are due, who asks, what came of it.

An order pending payment is first due ``after`` its submission (``next_query_at`` is NULL until
its first look), then at the time its last look set. One reconciler at a time holds an order:
claiming it sets a lease (``lease_owner``, ``lease_until``) in the same transaction that finds
it, skipping rows another instance is claiming (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite
lets one writer in at a time). A reconciler that dies mid-query leaves a lease that simply
expires. An order whose payment cannot be believed is set aside with the anomaly written down
(``reconcile_anomaly``) and never asked about again; an operator decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, bindparam, func, or_, select, update

from backend.store.database import Database, WriteTransaction, rows_changed
from backend.store.order_view import OrderView, view_of
from backend.store.schema import ORDERS, SHOPS
from backend.store.timestamps import as_utc
from orderbell_protocol import OrderStatus, PayStatus

PAYMENT_TIMEOUT_REASON = "支付超时"

_PENDING = and_(
    ORDERS.c.status == OrderStatus.PENDING_PAYMENT,
    ORDERS.c.pay_status == PayStatus.UNPAID,
)


@dataclass(frozen=True, slots=True)
class DueOrder:
    """An unpaid order the reconciler holds for now: what it needs to ask and to decide."""

    id: int
    number: str
    shop_id: int
    amount_fen: int
    created_at: datetime
    sub_mchid: str | None = None  # the shop's sub-merchant, in partner mode


async def claim_due_orders(
    db: Database,
    *,
    now: datetime,
    first_look_after_s: float,
    owner: str,
    lease_s: float,
    limit: int,
) -> list[DueOrder]:
    """Take up to ``limit`` unpaid orders due for a look, leased to ``owner`` for ``lease_s``."""
    now = as_utc(now)
    return await db.write(
        _claim,
        now=now,
        first_look_before=now - timedelta(seconds=first_look_after_s),
        owner=owner,
        lease_until=now + timedelta(seconds=lease_s),
        limit=limit,
    )


def _claim(
    transaction: WriteTransaction,
    *,
    now: datetime,
    first_look_before: datetime,
    owner: str,
    lease_until: datetime,
    limit: int,
) -> list[DueOrder]:
    due = (
        select(ORDERS.c.id)
        .where(
            _PENDING,
            ORDERS.c.reconcile_anomaly.is_(None),
            or_(ORDERS.c.lease_until.is_(None), ORDERS.c.lease_until <= now),
            or_(
                and_(ORDERS.c.next_query_at.is_(None), ORDERS.c.created_at <= first_look_before),
                ORDERS.c.next_query_at <= now,
            ),
        )
        .order_by(ORDERS.c.id)
        .limit(limit)
        # PostgreSQL: rows another instance is claiming right now are skipped, not waited for.
        .with_for_update(skip_locked=True)
    )
    ids = [row.id for row in transaction.execute(due)]
    if not ids:
        return []
    claimed = transaction.execute(
        update(ORDERS)
        .where(ORDERS.c.id.in_(ids))
        .values(lease_owner=owner, lease_until=lease_until)
        .returning(
            ORDERS.c.id,
            ORDERS.c.number,
            ORDERS.c.shop_id,
            ORDERS.c.amount_fen,
            ORDERS.c.created_at,
        )
    )
    rows = list(claimed)
    shop_ids = {row.shop_id for row in rows}
    shops = transaction.execute(
        select(SHOPS.c.id, SHOPS.c.sub_mchid).where(SHOPS.c.id.in_(shop_ids))
    )
    sub_mchids: dict[int, str | None] = {row.id: row.sub_mchid for row in shops}
    return sorted(
        (
            DueOrder(
                row.id,
                row.number,
                row.shop_id,
                row.amount_fen,
                as_utc(row.created_at),
                sub_mchids.get(row.shop_id),
            )
            for row in rows
        ),
        key=lambda order: order.id,
    )


_HELD = and_(
    ORDERS.c.id == bindparam("order_id", type_=ORDERS.c.id.type),
    ORDERS.c.lease_owner == bindparam("owner", type_=ORDERS.c.lease_owner.type),
    _PENDING,
)
_LET_GO = {"lease_owner": None, "lease_until": None}


async def look_again_at(db: Database, order_id: int, *, owner: str, when: datetime) -> bool:
    """Let go of an order still unpaid, to be looked at again at ``when``; False if not held."""
    return await db.write(
        _update_held,
        order_id,
        owner,
        {"next_query_at": as_utc(when), **_LET_GO},
    )


async def set_aside(db: Database, order_id: int, *, owner: str, anomaly: str) -> bool:
    """Stop asking about an order whose payment cannot be booked; the anomaly is kept."""
    return await db.write(
        _update_held,
        order_id,
        owner,
        {"reconcile_anomaly": anomaly[:500], "next_query_at": None, **_LET_GO},
    )


def _update_held(
    transaction: WriteTransaction, order_id: int, owner: str, values: dict[str, object]
) -> bool:
    changed = transaction.execute(
        update(ORDERS).where(_HELD).values(**values), {"order_id": order_id, "owner": owner}
    )
    return rows_changed(changed) == 1


async def cancel_unpaid(
    db: Database, order_id: int, *, reason: str, now: datetime
) -> OrderView | None:
    """Cancel an order nobody paid (closed at WeChat Pay first); None if it is not unpaid now.

    No event: staff never heard of an unpaid order, so nothing rings and nothing needs
    stopping.
    """
    return await db.write(_cancel, order_id, reason, as_utc(now))


def _cancel(
    transaction: WriteTransaction, order_id: int, reason: str, now: datetime
) -> OrderView | None:
    row = transaction.execute(
        update(ORDERS)
        .where(ORDERS.c.id == order_id, _PENDING)
        .values(
            status=OrderStatus.CANCELLED,
            cancel_reason=reason,
            next_query_at=None,
            updated_at=now,
            **_LET_GO,
        )
        .returning(*ORDERS.c)
    ).one_or_none()
    return None if row is None else view_of(row)


async def found_by_query_since(db: Database, since: datetime) -> int:
    """How many orders the reconciler found paid, with no notification, since ``since``."""
    return await db.read(_count_found, as_utc(since))


def _count_found(connection: Connection, since: datetime) -> int:
    count = connection.execute(
        select(func.count()).select_from(ORDERS).where(ORDERS.c.reconciled_at >= since)
    ).scalar_one()
    return int(count)
