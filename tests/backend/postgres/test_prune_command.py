"""``orderbell-server prune`` on PostgreSQL, as a real subprocess."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backend.cli import main
from backend.store import (
    Database,
    Item,
    PaymentFacts,
    events_since,
    record_payment,
    submit_order,
)
from tests.conftest import SHOP_ZONE

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[3]


async def pay_at(db: Database, when: datetime) -> int:
    order = await submit_order(
        db,
        user_id=1,
        shop_id=1,
        items=[Item("米饭", 1, 200)],
        remark="",
        phone="13800138000",
        address="",
        now=when,
    )
    facts = PaymentFacts(order.number, f"4200{order.id:024d}", order.amount_fen, when)
    event = (await record_payment(db, facts, when, zone=SHOP_ZONE)).event
    assert event is not None
    return event.id


async def prune(database_url: str, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """Run ``orderbell-server prune`` on the database, without blocking the event loop."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ORDERBELL_")}
    environ.update(ORDERBELL_DATABASE_URL=database_url, **settings)
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "backend.cli", "prune", *args],
        env=environ,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


async def test_prune_deletes_events_older_than_keep_days(postgres_url: str) -> None:
    """``prune --keep-days 3`` removes the 5-day-old events and keeps the 1-day-old ones."""
    now = datetime.now(UTC)
    db = Database(postgres_url)
    try:
        for _ in range(2):
            await pay_at(db, now - timedelta(days=5))
        kept = [await pay_at(db, now - timedelta(days=1)) for _ in range(2)]
        result = await prune(postgres_url, "--keep-days", "3")
        remaining = [event.id for event in await events_since(db, 0)]
    finally:
        await db.dispose()
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("pruned 2 events created before ")
    assert result.stdout.splitlines()[1] == f"counters can replay from event #{kept[0]}"
    assert remaining == kept


def test_prune_defaults_to_the_retention_setting(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --keep-days, ORDERBELL_EVENT_RETENTION_DAYS decides what is old."""
    now = datetime.now(UTC)

    async def seed() -> list[int]:
        db = Database(postgres_url)
        try:
            await pay_at(db, now - timedelta(days=5))
            return [await pay_at(db, now - timedelta(days=3)) for _ in range(2)]
        finally:
            await db.dispose()

    kept = asyncio.run(seed())
    monkeypatch.setenv("ORDERBELL_DATABASE_URL", postgres_url)
    monkeypatch.setenv("ORDERBELL_EVENT_RETENTION_DAYS", "4")
    assert main(["prune"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == f"counters can replay from event #{kept[0]}"


def test_prune_refuses_to_keep_no_days(capsys: pytest.CaptureFixture[str]) -> None:
    """``--keep-days 0`` would empty the replay window: refused with exit status 1."""
    assert main(["prune", "--keep-days", "0"]) == 1
    assert "--keep-days must be at least 1" in capsys.readouterr().err
