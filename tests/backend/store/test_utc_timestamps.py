"""Tests of timezone-aware timestamps on SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from backend.store import Database, create_token, list_tokens
from backend.store.timestamps import as_utc

BEIJING = timezone(timedelta(hours=8))


async def test_times_read_back_aware_in_utc(db: Database) -> None:
    """A time written in +08:00 reads back as the same instant, aware, in UTC."""
    written = datetime(2026, 11, 26, 14, 5, 12, 345678, tzinfo=BEIJING)
    await create_token(db, shop_id=1, name="till", now=written)
    [token] = await list_tokens(db)
    assert token.created_at == written
    assert token.created_at.tzinfo is UTC
    assert token.created_at == datetime(2026, 11, 26, 6, 5, 12, 345678, tzinfo=UTC)


async def test_naive_times_are_refused(db: Database) -> None:
    """Writing a naive datetime is a bug and raises instead of guessing a zone."""
    naive = datetime(2026, 11, 26, 6, 5, 12)
    with pytest.raises(ValueError, match="naive"):
        await create_token(db, shop_id=1, name="till", now=naive)


def test_as_utc_converts_the_zone() -> None:
    """as_utc keeps the instant and switches the zone to UTC."""
    assert as_utc(datetime(2026, 1, 1, 8, tzinfo=BEIJING)) == datetime(2026, 1, 1, 0, tzinfo=UTC)
