"""Daily order numbers over real sockets: on the counter's stream and in the REST order."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from backend.devkit import MerchantKit
from backend.store import Database, get_order, migrate_async
from tests.conftest import FakeClock, LiveServer, kit_settings
from tests.e2e.helpers import counter, next_event, paid_order, serving, simulator

# 23:59:00 on 26 November 2026 in Shanghai; its midnight is 16:00 UTC.
SHANGHAI_23_59 = datetime(2026, 11, 26, 15, 59, tzinfo=UTC).timestamp()


@pytest.fixture
def clock() -> FakeClock:
    """The servers' clock, a minute before midnight in Shanghai."""
    return FakeClock(SHANGHAI_23_59)


async def test_counter_hears_the_day_number_and_the_address(live: LiveServer) -> None:
    """The new-order event says daySeq 1 and carries the delivery address for the card."""
    token = await live.device_token()
    async with counter(live.ws_url, token) as ws, httpx.AsyncClient(base_url=live.base_url) as http:
        await paid_order(simulator(live, http))
        event = await next_event(ws)
    assert event["daySeq"] == 1
    assert event["order"]["address"] == "演示路 1 号"


async def test_rest_order_says_its_number_and_day(live: LiveServer) -> None:
    """GET /admin/orders/{id} gives daySeq and the shop-local businessDay."""
    token = await live.device_token()
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        order = await paid_order(simulator(live, http))
        answer = await http.get(
            f"/admin/orders/{order.id}", headers={"Authorization": f"Bearer {token}"}
        )
    assert (answer.json()["daySeq"], answer.json()["businessDay"]) == (1, "2026-11-26")


async def test_numbers_restart_at_shanghai_midnight(live: LiveServer) -> None:
    """Two orders before midnight are 1 and 2; the first one after it is 1 again."""
    token = await live.device_token()
    async with counter(live.ws_url, token) as ws, httpx.AsyncClient(base_url=live.base_url) as http:
        sim = simulator(live, http)
        for _ in range(2):
            await paid_order(sim)
        live.clock.advance(90)
        await paid_order(sim)
        heard = [await next_event(ws) for _ in range(3)]
    assert [event["daySeq"] for event in heard] == [1, 2, 1]


async def test_the_configured_time_zone_decides_the_day(
    tmp_path: Path, kit: MerchantKit, clock: FakeClock
) -> None:
    """With ORDERBELL_TIMEZONE=Europe/London, Shanghai's midnight starts no new day."""
    settings = kit_settings(tmp_path, kit, ORDERBELL_TIMEZONE="Europe/London")
    await migrate_async(settings.database_url)
    async with serving(settings, kit, clock) as server:
        first = await paid_order(server.sim)
        clock.advance(90)
        second = await paid_order(server.sim)
    db = Database(settings.database_url)
    try:
        stored = [await get_order(db, shop_id=1, order_id=o.id or 0) for o in (first, second)]
    finally:
        await db.dispose()
    assert [(o.business_day, o.day_seq) for o in stored if o] == [
        (date(2026, 11, 26), 1),
        (date(2026, 11, 26), 2),
    ]
