"""Device tokens: how a counter PC proves which shop it belongs to."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, Select, insert, or_, select, update

from backend.store.database import Database, WriteTransaction, rows_changed
from backend.store.errors import InvalidInput
from backend.store.schema import DEVICE_TOKENS
from backend.store.timestamps import as_utc

TOKEN_PREFIX = "obt_"  # noqa: S105 - a public marker, not a secret
MAX_NAME_CHARS = 64
# Recording every request would turn each read into a write; a minute is precise enough.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
_MAX_TOKEN_CHARS = 128
# Ids stamped by one UPDATE: far below the bound parameters SQLite (32,766) and asyncpg
# (32,767) accept, and above the counters one server sees in a minute.
_SEEN_IDS_PER_STATEMENT = 10_000
_INSERT = insert(DEVICE_TOKENS).returning(*DEVICE_TOKENS.c)


@dataclass(frozen=True, slots=True)
class DeviceToken:
    """A device token's record; the secret itself is never stored."""

    id: int
    shop_id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None


async def create_token(
    db: Database, *, shop_id: int, name: str, now: datetime
) -> tuple[DeviceToken, str]:
    """Issue a token for a counter PC; the secret is returned once and only its hash is kept."""
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME_CHARS:
        raise InvalidInput(f"a device name must be 1 to {MAX_NAME_CHARS} characters")
    if shop_id < 1:
        raise InvalidInput("a shop id is a positive number")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    values = {
        "shop_id": shop_id,
        "name": name,
        "token_hash": _hash(secret),
        "created_at": as_utc(now),
    }
    return await db.write(_insert_token, values), secret


def _insert_token(transaction: WriteTransaction, values: dict[str, Any]) -> DeviceToken:
    return _record(transaction.execute(_INSERT, values).one())


async def revoked_token_ids(db: Database, since: datetime) -> set[int]:
    """Ids of the tokens revoked at or after ``since`` (to close their live connections)."""
    query = select(DEVICE_TOKENS.c.id).where(DEVICE_TOKENS.c.revoked_at >= as_utc(since))
    return await db.read(lambda connection: set(connection.execute(query).scalars()))


async def list_tokens(db: Database, shop_id: int | None = None) -> list[DeviceToken]:
    """All tokens, or one shop's, oldest first, revoked ones included."""
    query = select(DEVICE_TOKENS).order_by(DEVICE_TOKENS.c.id)
    if shop_id is not None:
        query = query.where(DEVICE_TOKENS.c.shop_id == shop_id)
    return await db.read(_tokens, query)


def _tokens(connection: Connection, query: Select[Any]) -> list[DeviceToken]:
    return [_record(row) for row in connection.execute(query)]


async def revoke_token(db: Database, token_id: int, now: datetime) -> bool:
    """Revoke a token for good; False if there is no such token or it was already revoked."""
    revoke = (
        update(DEVICE_TOKENS)
        .where(DEVICE_TOKENS.c.id == token_id, DEVICE_TOKENS.c.revoked_at.is_(None))
        .values(revoked_at=as_utc(now))
    )
    return await db.write(lambda transaction: rows_changed(transaction.execute(revoke)) == 1)


def token_hash(token: str) -> str | None:
    """The SHA-256 a secret is kept under, or None when it cannot be a device token at all."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > _MAX_TOKEN_CHARS:
        return None
    return _hash(token)


async def live_tokens(db: Database) -> dict[str, DeviceToken]:
    """Every unrevoked token by the hash of its secret, in one query (to keep them in memory)."""
    query = select(DEVICE_TOKENS).where(DEVICE_TOKENS.c.revoked_at.is_(None))
    tokens = await db.read(_rows, query)
    return {row.token_hash: _record(row) for row in tokens}


async def find_live_token(db: Database, hashed: str) -> DeviceToken | None:
    """The unrevoked token whose secret has this hash (see :func:`token_hash`), or None."""
    query = select(DEVICE_TOKENS).where(
        DEVICE_TOKENS.c.token_hash == hashed, DEVICE_TOKENS.c.revoked_at.is_(None)
    )
    rows = await db.read(_rows, query)
    return _record(rows[0]) if rows else None


def _rows(connection: Connection, query: Select[Any]) -> list[Row[Any]]:
    return list(connection.execute(query))


async def record_last_seen(db: Database, token_ids: Collection[int], now: datetime) -> int:
    """Stamp ``now`` as these tokens' last_seen_at; returns how many rows changed.

    One UPDATE per 10,000 ids, each committed by itself on PostgreSQL (one round trip, no
    transaction held open between them). Revoked tokens are left as they are, and a stamp never
    moves backwards (another instance may have written a later one), so writing it again is
    harmless.
    """
    return await db.write_alone_without_events(_record_last_seen, sorted(token_ids), as_utc(now))


def _record_last_seen(transaction: WriteTransaction, ids: list[int], now: datetime) -> int:
    changed = 0
    for start in range(0, len(ids), _SEEN_IDS_PER_STATEMENT):
        seen = transaction.execute(
            update(DEVICE_TOKENS)
            .where(
                DEVICE_TOKENS.c.id.in_(ids[start : start + _SEEN_IDS_PER_STATEMENT]),
                DEVICE_TOKENS.c.revoked_at.is_(None),
                or_(DEVICE_TOKENS.c.last_seen_at.is_(None), DEVICE_TOKENS.c.last_seen_at < now),
            )
            .values(last_seen_at=now)
        )
        changed += rows_changed(seen)
    return changed


async def authenticate_token(db: Database, token: str, now: datetime) -> DeviceToken | None:
    """The live token matching this secret, or None for an unknown or revoked one.

    It reads the database every time and writes last_seen_at at most once a minute; a server
    asks its :class:`backend.devices.DeviceDirectory` instead.
    """
    now = as_utc(now)
    hashed = token_hash(token)
    if hashed is None:
        return None
    rows = await db.read(_rows, select(DEVICE_TOKENS).where(DEVICE_TOKENS.c.token_hash == hashed))
    if not rows or rows[0].revoked_at is not None:
        return None
    record = _record(rows[0])
    stale = now - LAST_SEEN_RESOLUTION
    if record.last_seen_at is not None and record.last_seen_at > stale:
        return record
    stamp = (
        update(DEVICE_TOKENS)
        .where(
            DEVICE_TOKENS.c.id == record.id,
            DEVICE_TOKENS.c.revoked_at.is_(None),
            or_(DEVICE_TOKENS.c.last_seen_at.is_(None), DEVICE_TOKENS.c.last_seen_at <= stale),
        )
        .values(last_seen_at=now)
    )
    if await db.write(lambda transaction: rows_changed(transaction.execute(stamp)) == 1):
        return replace(record, last_seen_at=now)
    return record


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _record(row: Row[Any]) -> DeviceToken:
    return DeviceToken(
        id=row.id,
        shop_id=row.shop_id,
        name=row.name,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_seen_at=row.last_seen_at,
    )
