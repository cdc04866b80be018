"""The write probe's transaction: it really writes its one row, and reads the log's newest id."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from backend.store import Database, events_since, probe_writes
from backend.store.schema import WRITE_PROBE
from tests.backend.store.conftest import OrderStep


async def probe_rows(db: Database) -> list[tuple[int, datetime]]:
    query = select(WRITE_PROBE.c.id, WRITE_PROBE.c.probed_at)
    return [(row.id, row.probed_at) for row in await db.read(lambda c: c.execute(query))]


async def test_each_probe_stamps_the_one_row(db: Database, now: datetime) -> None:
    """The first probe creates the row, each later one stamps it again: one row, latest time."""
    await probe_writes(db, now)
    later = now + timedelta(seconds=1)
    await probe_writes(db, later)
    assert await probe_rows(db) == [(1, later)]


async def test_a_probe_answers_the_newest_event_id(
    db: Database, now: datetime, place_order: OrderStep, pay_order: OrderStep
) -> None:
    """The probe answers the id of the newest event in the log, 0 while the log is empty."""
    assert await probe_writes(db, now) == 0
    await pay_order(await place_order())
    await pay_order(await place_order())
    assert await probe_writes(db, now) == (await events_since(db, 0))[-1].id
