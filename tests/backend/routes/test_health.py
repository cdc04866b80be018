"""/healthz tells the truth: 503 when writes fail or stall, and how far the counters lag."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.devkit import MerchantKit
from backend.store import Database, migrate_async
from backend.store.schema import WRITE_PROBE
from tests.backend.routes.conftest import Api
from tests.conftest import FakeClock, kit_settings
from tests.e2e.helpers import paid_in_store, serving

# Far longer than any test waits: only what a probe reports can show the dispatcher behind.
NEVER_S = 3600.0
TIMEOUT_S = 0.3
EVERY_S = 1.0


def database_file(tmp_path: Path) -> Path:
    return tmp_path / "orderbell.db"


@contextlib.contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """``path`` cannot be opened for writing, even by root, until the block ends."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)], check=False).returncode:
        pytest.skip("root can write anything here, and files cannot be made immutable")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


async def test_healthz_writes_and_reports_no_lag(api: Api) -> None:
    """A healthy server writes the probe row and shows the counters up to date with the log."""
    await api.paid()
    answer = await api.http.get("/healthz")
    assert answer.status_code == 200, answer.text
    health = answer.json()
    newest = (await api.events())[-1].id
    assert (health["status"], health["database"]) == ("ok", "ok")
    assert (health["lastEventId"], health["logLastEventId"]) == (newest, newest)
    assert health["dispatcherLag"] == 0
    stamp = select(WRITE_PROBE.c.probed_at)
    probed_at: datetime = await api.live.db.read(lambda c: c.execute(stamp).scalar_one())
    assert probed_at == api.live.clock.datetime()


async def test_healthz_is_503_while_another_connection_holds_the_write_lock(
    tmp_path: Path, kit: MerchantKit, clock: FakeClock
) -> None:
    """A write lock held elsewhere stalls every write: 503 'stalled', then 200 once released."""
    settings = kit_settings(tmp_path, kit)
    await migrate_async(settings.database_url)
    async with serving(settings, kit, clock, write_probe_timeout_s=TIMEOUT_S) as running:
        holder = sqlite3.connect(database_file(tmp_path), isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            answer = await running.http.get("/healthz")
            assert answer.status_code == 503, answer.text
            assert answer.json()["database"] == "stalled"
            holder.execute("ROLLBACK")
        finally:
            holder.close()
        clock.advance(EVERY_S)
        answer = await running.http.get("/healthz")
        assert answer.status_code == 200, answer.text


async def test_healthz_is_503_when_the_database_file_cannot_be_written(
    tmp_path: Path, kit: MerchantKit, clock: FakeClock
) -> None:
    """A database file the server can read but not write: reads work, /healthz says 503."""
    settings = kit_settings(tmp_path, kit)
    await migrate_async(settings.database_url)
    with unwritable(database_file(tmp_path)):
        async with serving(settings, kit, clock) as running:
            answer = await running.http.get("/healthz")
            assert answer.status_code == 503, answer.text
            assert answer.json()["database"] == "failed"
            orders = await running.http.get("/admin/orders")
            assert orders.status_code == 401, "reads still answer; only writes fail"


async def test_healthz_reports_events_the_counters_have_not_heard(
    tmp_path: Path, kit: MerchantKit, clock: FakeClock
) -> None:
    """An event committed by another process, not yet polled, shows as a lag of one."""
    settings = kit_settings(tmp_path, kit)
    await migrate_async(settings.database_url)
    async with serving(settings, kit, clock, safety_poll_s=NEVER_S) as running:
        elsewhere = Database(settings.database_url)
        try:
            await paid_in_store(elsewhere, clock.datetime())
        finally:
            await elsewhere.dispose()
        health = (await running.http.get("/healthz")).json()
        assert (health["lastEventId"], health["logLastEventId"]) == (0, 1)
        assert health["dispatcherLag"] == 1
