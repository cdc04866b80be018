"""Tests of the counter PCs' device tokens."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from backend.store import (
    Database,
    DeviceTokenRow,
    InvalidInput,
    authenticate_token,
    create_token,
    list_tokens,
    revoke_token,
)


async def test_created_token_authenticates_to_its_shop(db: Database, now: datetime) -> None:
    """A fresh token's secret identifies its record and shop."""
    record, secret = await create_token(db, shop_id=3, name="Front counter", now=now)
    assert secret.startswith("obt_")
    assert len(secret) > 40
    found = await authenticate_token(db, secret, now)
    assert found is not None
    assert (found.id, found.shop_id, found.name) == (record.id, 3, "Front counter")


async def test_only_the_hash_of_the_secret_is_stored(db: Database, now: datetime) -> None:
    """The row keeps sha256(secret) and never the secret itself."""
    _, secret = await create_token(db, shop_id=1, name="till", now=now)
    async with db.read_session() as session:
        row = await session.scalar(select(DeviceTokenRow))
    assert row is not None
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(vars(row))


async def test_unknown_tokens_are_refused(db: Database, now: datetime) -> None:
    """Guessed, malformed and empty tokens authenticate nobody."""
    await create_token(db, shop_id=1, name="till", now=now)
    for token in ("obt_guess", "not-a-token", "", "obt_" + "a" * 500):
        assert await authenticate_token(db, token, now) is None


async def test_revoked_token_is_refused(db: Database, now: datetime) -> None:
    """After revocation the secret no longer authenticates."""
    record, secret = await create_token(db, shop_id=1, name="till", now=now)
    assert await revoke_token(db, record.id, now) is True
    assert await authenticate_token(db, secret, now) is None


async def test_revoking_twice_or_unknown_reports_false(db: Database, now: datetime) -> None:
    """Revoke returns False when there is nothing left to revoke."""
    record, _ = await create_token(db, shop_id=1, name="till", now=now)
    await revoke_token(db, record.id, now)
    assert await revoke_token(db, record.id, now + timedelta(hours=1)) is False
    assert await revoke_token(db, 404, now) is False
    [listed] = await list_tokens(db)
    assert listed.revoked_at == now


async def test_last_seen_is_written_at_most_once_a_minute(db: Database, now: datetime) -> None:
    """Use stamps last_seen_at, later uses within a minute do not, after a minute it moves on."""
    _, secret = await create_token(db, shop_id=1, name="till", now=now)
    first = await authenticate_token(db, secret, now)
    soon = await authenticate_token(db, secret, now + timedelta(seconds=59))
    later = await authenticate_token(db, secret, now + timedelta(seconds=60))
    assert first is not None
    assert soon is not None
    assert later is not None
    assert (first.last_seen_at, soon.last_seen_at) == (now, now)
    assert later.last_seen_at == now + timedelta(seconds=60)
    [listed] = await list_tokens(db)
    assert listed.last_seen_at == now + timedelta(seconds=60)


async def test_list_tokens_by_shop(db: Database, now: datetime) -> None:
    """Listing can be narrowed to one shop and is oldest first."""
    a, _ = await create_token(db, shop_id=1, name="a", now=now)
    await create_token(db, shop_id=2, name="b", now=now)
    c, _ = await create_token(db, shop_id=1, name="c", now=now)
    assert await list_tokens(db, 1) == [a, c]
    assert len(await list_tokens(db)) == 3


@pytest.mark.parametrize(("shop_id", "name"), [(1, ""), (1, "   "), (1, "x" * 65), (0, "till")])
async def test_bad_token_requests_are_refused(
    db: Database, now: datetime, shop_id: int, name: str
) -> None:
    """A blank or over-long name, or a shop id below 1, raises InvalidInput."""
    with pytest.raises(InvalidInput):
        await create_token(db, shop_id=shop_id, name=name, now=now)
    assert await list_tokens(db) == []
