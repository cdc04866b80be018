"""Events reach the counters from the commit itself, and from the log when nobody handed them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from backend.devkit import MerchantKit
from backend.store import Database, create_token, migrate_async
from tests.conftest import FakeClock, kit_settings
from tests.e2e.helpers import Serving, counter, next_event, paid_in_store, serving

# Far longer than any test waits: only the hand-over from the commit can deliver in time.
NEVER_S = 3600.0


@contextlib.asynccontextmanager
async def server(
    tmp_path: Path, kit: MerchantKit, clock: FakeClock, safety_poll_s: float
) -> AsyncIterator[tuple[Serving, str]]:
    """A server polling the log every ``safety_poll_s``, and a device token of shop 1."""
    settings = kit_settings(tmp_path, kit)
    await migrate_async(settings.database_url)
    async with serving(settings, kit, clock, safety_poll_s=safety_poll_s) as running:
        db = running.services.db
        _, token = await create_token(db, shop_id=1, name="till", now=clock.datetime())
        yield running, token


async def test_a_store_operation_publishes_without_any_route(
    tmp_path: Path, kit: MerchantKit, clock: FakeClock
) -> None:
    """A payment committed through the server's database reaches its counter at once."""
    async with (
        server(tmp_path, kit, clock, NEVER_S) as (running, token),
        counter(running.ws_url, token) as ws,
    ):
        order = await paid_in_store(running.services.db, clock.datetime())
        assert (await next_event(ws))["orderNumber"] == order.number


async def test_an_event_committed_by_another_process_arrives_by_the_safety_poll_on_sqlite(
    tmp_path: Path, kit: MerchantKit, clock: FakeClock
) -> None:
    """An event written to the SQLite file by another process reaches the counter anyway."""
    async with (
        server(tmp_path, kit, clock, 0.05) as (running, token),
        counter(running.ws_url, token) as ws,
    ):
        elsewhere = Database(running.services.db.url)
        try:
            order = await paid_in_store(elsewhere, clock.datetime())
        finally:
            await elsewhere.dispose()
        assert (await next_event(ws))["orderNumber"] == order.number
