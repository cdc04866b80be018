"""The presence board's refresh: what it writes, and that a fleet costs it linear work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest

from backend.hub import Hub
from backend.presence import PresenceBoard
from backend.store import Database, create_token, migrate_async
from backend.store.presence import Presence, present_counters

START = datetime(2026, 12, 3, 12, 0, tzinfo=UTC).timestamp()


@dataclass
class Counter:
    """What the board reads of a hub's live subscriber."""

    device_id: int
    shop_id: int
    live_since: float
    age: float | None

    def pong_age(self) -> float | None:
        return self.age


class Roster:
    """A hub's live counters and its roster version, as the board reads them."""

    def __init__(self, counters: list[Counter]) -> None:
        self.counters = counters
        self.roster_version = 1

    def live_counters(self, shop_id: int | None = None) -> Iterator[Counter]:
        return iter(self.counters)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'orderbell.db'}"
    await migrate_async(url)
    database = Database(url)
    yield database
    await database.dispose()


async def fleet(db: Database, size: int) -> list[Counter]:
    now = datetime.fromtimestamp(START, UTC)
    devices = [
        (await create_token(db, shop_id=1 + n // 2, name=f"pc {n}", now=now))[0].id
        for n in range(size)
    ]
    return [Counter(device, 1 + n // 2, START - 100, 5.0) for n, device in enumerate(devices)]


async def test_a_fleet_coming_back_as_a_heartbeat_falls_due_costs_linear_work(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each entry was looked up in the list of changed ones: 2,000 counters made two million
    comparisons (10,000 made fifty million, seconds with the event loop stopped)."""
    counters = await fleet(db, 2_000)
    clock = [START]
    board = PresenceBoard(db, cast(Hub, Roster(counters)), "a", lambda: clock[0])
    compared = [0]
    original = Presence.__eq__

    def counting(self: Presence, other: object) -> bool:
        compared[0] += 1
        return original(self, other)

    monkeypatch.setattr(Presence, "__eq__", counting)
    assert await board.refresh()
    assert compared[0] <= len(counters), compared[0]
    present = await present_counters(db, datetime.fromtimestamp(START - 45, UTC))
    assert len(present) == len(counters)


async def test_a_heartbeat_writes_the_pongs_that_moved_a_minute(db: Database) -> None:
    """Pongs of unchanged counters are stored once they moved by a minute, not sooner."""
    counters = await fleet(db, 3)
    clock = [START]
    roster = Roster(counters)
    board = PresenceBoard(db, cast(Hub, roster), "a", lambda: clock[0])
    await board.refresh()
    clock[0] += 16  # a heartbeat: pongs 16 s newer are not worth a write
    await board.refresh()
    stored = await present_counters(db, datetime.fromtimestamp(clock[0] - 45, UTC))
    assert {c.last_pong for c in stored} == {datetime.fromtimestamp(START - 5, UTC)}
    clock[0] += 60
    await board.refresh()
    stored = await present_counters(db, datetime.fromtimestamp(clock[0] - 45, UTC))
    assert {c.last_pong for c in stored} == {datetime.fromtimestamp(clock[0] - 5, UTC)}
