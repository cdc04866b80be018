"""Which counters are connected to which server instance, shared through the database.

Each instance writes its own rows (what changed, at most 500 rows per transaction) and keeps
its row in ``server_instances`` fresh; a reader counts only rows of instances refreshed
lately, so the counters of an instance that died stop counting within the expiry, without
anyone cleaning up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, select, update

from backend.store.database import Database, WriteTransaction
from backend.store.schema import COUNTER_PRESENCE, DEVICE_TOKENS, SERVER_INSTANCES
from backend.store.timestamps import as_utc
from backend.store.upserts import insert_or_skip


@dataclass(frozen=True, slots=True)
class Presence:
    """One counter PC (device token) connected to one instance."""

    device_id: int
    shop_id: int
    connections: int
    connected_since: datetime
    last_pong: datetime | None


@dataclass(frozen=True, slots=True)
class PresentCounter:
    """A connected counter as the shop sees it: which PC, since when, last heard."""

    device_id: int
    name: str
    shop_id: int
    connections: int
    connected_since: datetime
    last_pong: datetime | None
    instance_id: str


# Rows one presence transaction writes at most. A fleet's worth in one (10,000 counters coming
# back after a restart, or their pongs once a minute) held the database's only writer for
# 90-180 ms on SQLite, and every payment behind it waited; 500 hold it a few milliseconds.
ROWS_PER_TRANSACTION = 500

Batch = tuple[Sequence[Presence], Sequence[int], Sequence[tuple[int, datetime]]]


def batches(
    changed: Sequence[Presence],
    gone: Sequence[int],
    pongs: Sequence[tuple[int, datetime]],
    size: int = ROWS_PER_TRANSACTION,
) -> list[Batch]:
    """The rows split into pieces of at most ``size``, in order; at least one (the heartbeat)."""
    # The rows in a row: changed in [0, a), gone in [a, b), pongs in [b, total).
    a = len(changed)
    b = a + len(gone)
    total = b + len(pongs)
    return [
        (
            changed[start : min(start + size, a)],
            gone[max(start - a, 0) : max(min(start + size, b) - a, 0)],
            pongs[max(start - b, 0) : max(start + size - b, 0)],
        )
        for start in range(0, max(total, 1), size)
    ]


async def write_presence(
    db: Database,
    instance_id: str,
    now: datetime,
    *,
    changed: Sequence[Presence] = (),
    gone: Sequence[int] = (),
    pongs: Sequence[tuple[int, datetime]] = (),
) -> None:
    """This instance is alive at ``now``; store what changed about its counters.

    At most ROWS_PER_TRANSACTION rows per transaction, each with the heartbeat, so payments
    commit between them; a reader may see part of a change for a moment, as it would a change
    written a second later. On PostgreSQL each statement commits by itself (a heartbeat alone
    is one round trip, and no transaction stays open between statements): only this instance
    writes its rows, and every statement is safe to repeat, so a write that fails half-way is
    simply written again whole.
    """
    at = as_utc(now)
    for piece_changed, piece_gone, piece_pongs in batches(changed, gone, pongs):
        await db.write_alone_without_events(
            _write_presence, instance_id, at, piece_changed, piece_gone, piece_pongs
        )


def _write_presence(
    transaction: WriteTransaction,
    instance_id: str,
    now: datetime,
    changed: Sequence[Presence],
    gone: Sequence[int],
    pongs: Sequence[tuple[int, datetime]],
) -> None:
    heartbeat = insert_or_skip(transaction.connection, SERVER_INSTANCES).values(
        id=instance_id, started_at=now, refreshed_at=now
    )
    transaction.execute(
        heartbeat.on_conflict_do_update(index_elements=["id"], set_={"refreshed_at": now})
    )
    table = COUNTER_PRESENCE.c
    if gone:
        transaction.execute(
            delete(COUNTER_PRESENCE).where(
                table.instance_id == instance_id, table.device_id.in_(list(gone))
            )
        )
    if changed:
        rows = [
            {
                "instance_id": instance_id,
                "device_id": entry.device_id,
                "shop_id": entry.shop_id,
                "connections": entry.connections,
                "connected_since": as_utc(entry.connected_since),
                "last_pong": None if entry.last_pong is None else as_utc(entry.last_pong),
            }
            for entry in changed
        ]
        upsert = insert_or_skip(transaction.connection, COUNTER_PRESENCE)
        transaction.execute(
            upsert.on_conflict_do_update(
                index_elements=["instance_id", "device_id"],
                set_={
                    "shop_id": upsert.excluded.shop_id,
                    "connections": upsert.excluded.connections,
                    "connected_since": upsert.excluded.connected_since,
                    "last_pong": upsert.excluded.last_pong,
                },
            ),
            rows,
        )
    if pongs:
        transaction.execute(
            update(COUNTER_PRESENCE)
            .where(
                table.instance_id == instance_id,
                table.device_id == bindparam("pong_device"),
            )
            .values(last_pong=bindparam("pong_at")),
            [{"pong_device": device, "pong_at": as_utc(at)} for device, at in pongs],
        )


async def present_counters(
    db: Database,
    fresh_since: datetime,
    *,
    shop_id: int | None = None,
    except_instance: str | None = None,
) -> list[PresentCounter]:
    """Counters connected to instances alive since ``fresh_since`` (one shop's, or all)."""
    return await db.read_one(_present_counters, as_utc(fresh_since), shop_id, except_instance)


def _present_counters(
    connection: Connection,
    fresh_since: datetime,
    shop_id: int | None,
    except_instance: str | None,
) -> list[PresentCounter]:
    presence = COUNTER_PRESENCE.c
    tokens = DEVICE_TOKENS.c
    query = (
        select(
            presence.device_id,
            tokens.name,
            presence.shop_id,
            presence.connections,
            presence.connected_since,
            presence.last_pong,
            presence.instance_id,
        )
        .join(SERVER_INSTANCES, SERVER_INSTANCES.c.id == presence.instance_id)
        .join(DEVICE_TOKENS, tokens.id == presence.device_id)
        .where(SERVER_INSTANCES.c.refreshed_at >= fresh_since, tokens.revoked_at.is_(None))
        .order_by(presence.shop_id, presence.device_id)
    )
    if shop_id is not None:
        query = query.where(presence.shop_id == shop_id)
    if except_instance is not None:
        query = query.where(presence.instance_id != except_instance)
    return [PresentCounter(*row) for row in connection.execute(query)]


async def forget_instance(db: Database, instance_id: str) -> None:
    """This instance stops: its counters no longer count (they reconnect elsewhere)."""
    await db.write(_forget_instances, [instance_id])


async def forget_stale_instances(db: Database, before: datetime) -> int:
    """Remove instances not refreshed since ``before``, and their rows; returns how many."""
    return await db.write(_forget_stale, as_utc(before))


def _forget_stale(transaction: WriteTransaction, before: datetime) -> int:
    stale = list(
        transaction.execute(
            select(SERVER_INSTANCES.c.id).where(SERVER_INSTANCES.c.refreshed_at < before)
        ).scalars()
    )
    _forget_instances(transaction, stale)
    return len(stale)


def _forget_instances(transaction: WriteTransaction, instance_ids: list[str]) -> None:
    if not instance_ids:
        return
    transaction.execute(
        delete(COUNTER_PRESENCE).where(COUNTER_PRESENCE.c.instance_id.in_(instance_ids))
    )
    transaction.execute(delete(SERVER_INSTANCES).where(SERVER_INSTANCES.c.id.in_(instance_ids)))
