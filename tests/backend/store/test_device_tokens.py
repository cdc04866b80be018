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
    find_live_token,
    list_tokens,
    live_tokens,
    record_last_seen,
    revoke_token,
    token_hash,
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
    rows = await db.read(lambda connection: connection.execute(select(DeviceTokenRow)).all())
    assert len(rows) == 1
    assert rows[0].token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(rows[0])


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


def test_token_hash_is_the_stored_hash_or_none_for_a_malformed_secret() -> None:
    """Secrets hash to the stored form; what cannot be a token has no hash at all."""
    secret = "obt_" + "x" * 43
    assert token_hash(secret) == hashlib.sha256(secret.encode()).hexdigest()
    for malformed in ("", "not-a-token", "obt_" + "a" * 500):
        assert token_hash(malformed) is None


async def test_live_tokens_are_every_unrevoked_token_by_hash(db: Database, now: datetime) -> None:
    """One query gives each live token under its hash; revoked ones are left out."""
    a, a_secret = await create_token(db, shop_id=1, name="a", now=now)
    b, _ = await create_token(db, shop_id=2, name="b", now=now)
    c, c_secret = await create_token(db, shop_id=2, name="c", now=now)
    await revoke_token(db, b.id, now)
    assert await live_tokens(db) == {token_hash(a_secret): a, token_hash(c_secret): c}


async def test_find_live_token_by_hash(db: Database, now: datetime) -> None:
    """A live token is found by its hash; a revoked or unknown hash finds nothing."""
    live, live_secret = await create_token(db, shop_id=4, name="till", now=now)
    revoked, revoked_secret = await create_token(db, shop_id=4, name="old", now=now)
    await revoke_token(db, revoked.id, now)
    for secret, expected in ((live_secret, live), (revoked_secret, None), ("obt_guess", None)):
        hashed = token_hash(secret)
        assert hashed is not None
        assert await find_live_token(db, hashed) == expected


async def test_record_last_seen_stamps_live_tokens_only(db: Database, now: datetime) -> None:
    """Listed live tokens get the stamp; revoked and unlisted ones keep theirs."""
    seen, _ = await create_token(db, shop_id=1, name="seen", now=now)
    await create_token(db, shop_id=1, name="unseen", now=now)
    revoked, _ = await create_token(db, shop_id=1, name="revoked", now=now)
    await revoke_token(db, revoked.id, now)
    later = now + timedelta(minutes=5)
    assert await record_last_seen(db, {seen.id, revoked.id, 404}, later) == 1
    stamps = {token.name: token.last_seen_at for token in await list_tokens(db)}
    assert stamps == {"seen": later, "unseen": None, "revoked": None}


async def test_record_last_seen_never_moves_a_stamp_back(db: Database, now: datetime) -> None:
    """An earlier stamp (another instance's, say) does not overwrite a later one."""
    token, _ = await create_token(db, shop_id=1, name="till", now=now)
    later = now + timedelta(minutes=5)
    assert await record_last_seen(db, [token.id], later) == 1
    assert await record_last_seen(db, [token.id], now) == 0
    assert await record_last_seen(db, [], now) == 0
    [listed] = await list_tokens(db)
    assert listed.last_seen_at == later


async def test_record_last_seen_takes_more_ids_than_one_statement(
    db: Database, now: datetime
) -> None:
    """More ids than a statement may bind are split over statements, in one transaction."""
    token, _ = await create_token(db, shop_id=1, name="till", now=now)
    ids = {token.id, *range(100_000, 140_000)}
    assert await record_last_seen(db, ids, now) == 1
    [listed] = await list_tokens(db)
    assert listed.last_seen_at == now
