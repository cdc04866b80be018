"""On PostgreSQL the dispatcher also polls the log, so a lost notification costs no event."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from backend.hub import Dispatcher, Hub
from backend.store import Database, Item, PaymentFacts, events_since, record_payment, submit_order
from orderbell_protocol import Event
from tests.conftest import SHOP_ZONE

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


async def test_poll_publishes_an_event_nobody_rang_for(postgres_url: str) -> None:
    """An event committed without any ring still reaches the shop's counter by the next poll."""
    db = Database(postgres_url)
    hub = Hub(16)

    async def read_after(after_id: int) -> list[Event]:
        return await events_since(db, after_id)

    dispatcher = Dispatcher(hub, read_after, 0, poll_s=0.05)
    task = asyncio.create_task(dispatcher.run())
    try:
        with hub.subscribe(1) as counter:
            order = await submit_order(
                db,
                user_id=7,
                shop_id=1,
                items=[Item("米饭", 1, 200)],
                remark="",
                phone="13800138000",
                address="",
                now=NOW,
            )
            facts = PaymentFacts(order.number, "4200" + "0" * 24, order.amount_fen, NOW)
            await record_payment(db, facts, NOW, zone=SHOP_ZONE)
            frames = await asyncio.wait_for(counter.next_frames(), 5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await db.dispose()
    assert [json.loads(frame.text)["orderNumber"] for frame in frames] == [order.number]
