"""One order whose text cannot be sent silences nobody: every other event of every shop arrives.

Input is checked at the edge now, so the poisoned order is written straight to the store, as a
row written before those checks existed would have been.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection

from backend.devkit import MerchantKit, payment_callback
from backend.settings import Settings
from backend.store import Database, Item, create_token, events_since, migrate_async, submit_order
from tests.conftest import FakeClock, kit_settings
from tests.e2e.helpers import Serving, counter, next_event, paid_order, serving

LONE_SURROGATE = "\ud800"
SHOPS = (1, 2)


@dataclass
class Setup:
    """The test's migrated database, its settings, and a device token per shop."""

    settings: Settings
    db: Database
    tokens: dict[int, str]


@pytest.fixture
async def setup(tmp_path: Path, kit: MerchantKit, clock: FakeClock) -> AsyncIterator[Setup]:
    settings = kit_settings(tmp_path, kit)
    await migrate_async(settings.database_url)
    db = Database(settings.database_url)
    try:
        now = clock.datetime()
        tokens = {s: (await create_token(db, shop_id=s, name="till", now=now))[1] for s in SHOPS}
        yield Setup(settings, db, tokens)
    finally:
        await db.dispose()


async def poisoned_order_paid(db: Database, server: Serving, kit: MerchantKit, now: float) -> str:
    """Store an order of shop 1 with a lone surrogate in an item name, and pay it for real.

    Only the items (a JSON column, stored escaped) could hold one: the database refused it in
    the remark or the address even before input was checked.
    """
    order = await submit_order(
        db,
        user_id=1,
        shop_id=1,
        items=[Item(f"宫保鸡丁{LONE_SURROGATE}", 1, 3200)],
        remark="少辣",
        phone="13800138000",
        address="1 Example Road",
        now=datetime.fromtimestamp(now, UTC),
    )
    headers, body = payment_callback(
        kit, out_trade_no=order.number, total_fen=order.amount_fen, now=now
    )
    answer = await server.http.post("/notify/paySuccess", content=body, headers=headers)
    assert answer.status_code == 204, answer.text
    return order.number


async def received(ws: ClientConnection, count: int, server: Serving, shop_id: int) -> list[int]:
    """The ids of the next ``count`` frames, then proof that nothing else was sent meanwhile.

    A marker order paid now must be the very next frame: anything sent in between (the
    poisoned event, a duplicate) would come before it.
    """
    ids = [(await next_event(ws))["id"] for _ in range(count)]
    marker = await paid_order(server.sim, shop_id=shop_id)
    assert (await next_event(ws))["orderNumber"] == marker.number
    return ids


async def test_a_poisoned_order_blocks_no_other_event_live_or_replayed(
    setup: Setup, kit: MerchantKit, clock: FakeClock
) -> None:
    """Live and after a restart, each shop gets all its events but the poisoned one."""
    async with (
        serving(setup.settings, kit, clock) as server,
        contextlib.AsyncExitStack() as stack,
    ):
        live = {
            s: await stack.enter_async_context(counter(server.ws_url, setup.tokens[s]))
            for s in SHOPS
        }
        before = [await paid_order(server.sim, shop_id=s) for s in SHOPS]
        poisoned = await poisoned_order_paid(setup.db, server, kit, clock())
        after = [await paid_order(server.sim, shop_id=s) for s in (*SHOPS, *SHOPS)]
        log = await events_since(setup.db, 0)
        assert len(log) == len(before) + 1 + len(after)
        [poisoned_id] = [e.id for e in log if e.order_number == poisoned]
        for shop, ws in live.items():
            expected = [e.id for e in log if e.shop_id == shop and e.id != poisoned_id]
            assert await received(ws, len(expected), server, shop) == expected
    async with serving(setup.settings, kit, clock) as restarted:
        for shop in SHOPS:
            async with counter(restarted.ws_url, setup.tokens[shop], since=0) as ws:
                log = await events_since(setup.db, 0)
                expected = [e.id for e in log if e.shop_id == shop and e.id != poisoned_id]
                assert await received(ws, len(expected), restarted, shop) == expected


async def test_the_poisoned_order_is_still_listed_for_its_shop(
    setup: Setup, kit: MerchantKit, clock: FakeClock
) -> None:
    """The waiting-orders list answers 200 and shows the order, its bad text replaced."""
    async with serving(setup.settings, kit, clock) as server:
        number = await poisoned_order_paid(setup.db, server, kit, clock())
        answer = await server.http.get(
            "/admin/orders",
            params={"status": 2},
            headers={"Authorization": f"Bearer {setup.tokens[1]}"},
        )
    assert answer.status_code == 200, answer.text
    [order] = answer.json()["records"]
    assert order["number"] == number
    assert order["items"][0]["name"] == "宫保鸡丁\ufffd"
