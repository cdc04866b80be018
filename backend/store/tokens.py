"""Device tokens: how a counter PC proves which shop it belongs to."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from backend.store.database import Database, rows_changed
from backend.store.errors import InvalidInput
from backend.store.schema import DeviceTokenRow
from backend.store.timestamps import as_utc

TOKEN_PREFIX = "obt_"  # noqa: S105 - a public marker, not a secret
MAX_NAME_CHARS = 64
# Recording every request would turn each read into a write; a minute is precise enough.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
_MAX_TOKEN_CHARS = 128
# Ids stamped by one UPDATE: far below the bound parameters SQLite (32,766) and asyncpg
# (32,767) accept, and above the counters one server sees in a minute.
_SEEN_IDS_PER_STATEMENT = 10_000


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
    row = DeviceTokenRow(
        shop_id=shop_id, name=name, token_hash=_hash(secret), created_at=as_utc(now)
    )
    async with db.session() as session, session.begin():
        session.add(row)
    return _record(row), secret


async def revoked_token_ids(db: Database, since: datetime) -> set[int]:
    """Ids of the tokens revoked at or after ``since`` (to close their live connections)."""
    async with db.read_session() as session:
        rows = await session.scalars(
            select(DeviceTokenRow.id).where(DeviceTokenRow.revoked_at >= as_utc(since))
        )
        return set(rows)


async def list_tokens(db: Database, shop_id: int | None = None) -> list[DeviceToken]:
    """All tokens, or one shop's, oldest first, revoked ones included."""
    query = select(DeviceTokenRow).order_by(DeviceTokenRow.id)
    if shop_id is not None:
        query = query.where(DeviceTokenRow.shop_id == shop_id)
    async with db.read_session() as session:
        return [_record(row) for row in await session.scalars(query)]


async def revoke_token(db: Database, token_id: int, now: datetime) -> bool:
    """Revoke a token for good; False if there is no such token or it was already revoked."""
    async with db.session() as session, session.begin():
        revoked = await session.execute(
            update(DeviceTokenRow)
            .where(DeviceTokenRow.id == token_id, DeviceTokenRow.revoked_at.is_(None))
            .values(revoked_at=as_utc(now))
        )
        return rows_changed(revoked) == 1


def token_hash(token: str) -> str | None:
    """The SHA-256 a secret is kept under, or None when it cannot be a device token at all."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > _MAX_TOKEN_CHARS:
        return None
    return _hash(token)


async def live_tokens(db: Database) -> dict[str, DeviceToken]:
    """Every unrevoked token by the hash of its secret, in one query (to keep them in memory)."""
    async with db.read_session() as session:
        rows = await session.scalars(
            select(DeviceTokenRow).where(DeviceTokenRow.revoked_at.is_(None))
        )
        return {row.token_hash: _record(row) for row in rows}


async def find_live_token(db: Database, hashed: str) -> DeviceToken | None:
    """The unrevoked token whose secret has this hash (see :func:`token_hash`), or None."""
    async with db.read_session() as session:
        row = await session.scalar(
            select(DeviceTokenRow).where(
                DeviceTokenRow.token_hash == hashed, DeviceTokenRow.revoked_at.is_(None)
            )
        )
    return None if row is None else _record(row)


async def record_last_seen(db: Database, token_ids: Collection[int], now: datetime) -> int:
    """Stamp ``now`` as these tokens' last_seen_at; returns how many rows changed.

    One UPDATE per 10,000 ids, in one transaction. Revoked tokens are left as they are, and a
    stamp never moves backwards (another instance may have written a later one).
    """
    now = as_utc(now)
    ids = sorted(token_ids)
    changed = 0
    async with db.session() as session, session.begin():
        for start in range(0, len(ids), _SEEN_IDS_PER_STATEMENT):
            seen = await session.execute(
                update(DeviceTokenRow)
                .where(
                    DeviceTokenRow.id.in_(ids[start : start + _SEEN_IDS_PER_STATEMENT]),
                    DeviceTokenRow.revoked_at.is_(None),
                    or_(DeviceTokenRow.last_seen_at.is_(None), DeviceTokenRow.last_seen_at < now),
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
    async with db.read_session() as session:
        row = await session.scalar(
            select(DeviceTokenRow).where(DeviceTokenRow.token_hash == hashed)
        )
    if row is None or row.revoked_at is not None:
        return None
    stale = now - LAST_SEEN_RESOLUTION
    if row.last_seen_at is not None and row.last_seen_at > stale:
        return _record(row)
    async with db.session() as session, session.begin():
        seen = await session.execute(
            update(DeviceTokenRow)
            .where(
                DeviceTokenRow.id == row.id,
                DeviceTokenRow.revoked_at.is_(None),
                or_(DeviceTokenRow.last_seen_at.is_(None), DeviceTokenRow.last_seen_at <= stale),
            )
            .values(last_seen_at=now)
        )
    record = _record(row)
    return replace(record, last_seen_at=now) if rows_changed(seen) == 1 else record


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _record(row: DeviceTokenRow) -> DeviceToken:
    return DeviceToken(
        id=row.id,
        shop_id=row.shop_id,
        name=row.name,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_seen_at=row.last_seen_at,
    )
