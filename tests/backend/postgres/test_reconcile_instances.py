"""Two reconciling instances on one PostgreSQL database: each order is asked about by one."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.devkit import MerchantKit
from backend.store import (
    Database,
    EventRow,
    Item,
    OrderView,
    claim_due_orders,
    get_order_by_number,
    submit_order,
)
from backend.wechatsim import PaymentAttempt
from orderbell_protocol import OrderStatus
from tests.backend.postgres.conftest import Serve
from tests.backend.postgres.helpers import eventually
from tests.conftest import FakeClock, WeChatSim, reconciling

pytestmark = pytest.mark.postgres

ORDERS = 20


async def lost_payments(db: Database, sim: WeChatSim, clock: FakeClock) -> list[OrderView]:
    """ORDERS orders, each paid at WeChat Pay with its callback lost."""
    orders = []
    for user in range(ORDERS):
        order = await submit_order(
            db,
            user_id=user + 1,
            shop_id=1,
            items=(Item("宫保鸡丁", 1, 3200),),
            remark="",
            phone="13800138000",
            address="1 Example Road",
            now=clock.datetime(),
        )
        sim.ledger.pay(PaymentAttempt(order.number, order.amount_fen), clock())
        orders.append(order)
    return orders


async def all_paid(db: Database, orders: list[OrderView]) -> bool:
    """Whether every order is paid by now."""
    for order in orders:
        current = await get_order_by_number(db, order.number)
        if current is None or current.status is not OrderStatus.TO_BE_CONFIRMED:
            return False
    return True


async def events_per_order(db: Database) -> Counter[int]:
    """How many events the log holds for each order."""
    async with db.engine.connect() as connection:
        rows = await connection.execute(
            select(EventRow.order_id, func.count()).group_by(EventRow.order_id)
        )
        return Counter({order_id: count for order_id, count in rows})


async def test_two_instances_ask_about_each_order_once(
    serve: Serve, wechat_sim: WeChatSim, kit: MerchantKit, clock: FakeClock, tmp_path: Path
) -> None:
    """20 lost callbacks, two reconciling instances: each order queried once, rung once."""
    settings = reconciling(tmp_path / "a", kit, wechat_sim.url, after_s=1)
    other = reconciling(tmp_path / "b", kit, wechat_sim.url, after_s=1)
    async with serve("a", **settings) as a, serve("b", **other) as b:
        orders = await lost_payments(a.db, wechat_sim, clock)
        clock.advance(1)
        await eventually(lambda: all_paid(b.db, orders), "every order paid", limit_s=20)
        queried = Counter(number for action, number in wechat_sim.calls if action == "query")
        assert {order.number: queried[order.number] for order in orders} == {
            order.number: 1 for order in orders
        }
        assert await events_per_order(a.db) == Counter({order.id: 1 for order in orders})


async def test_order_held_by_a_dead_instance_is_taken_over(
    serve: Serve, wechat_sim: WeChatSim, kit: MerchantKit, clock: FakeClock, tmp_path: Path
) -> None:
    """An instance that died mid-query holds its orders only until its lease runs out."""
    async with serve("a", **reconciling(tmp_path / "a", kit, wechat_sim.url, after_s=1)) as a:
        orders = await lost_payments(a.db, wechat_sim, clock)
        # A third instance, its clock a second ahead, claims them all before they are due to a,
        # then dies before asking anything.
        dead = Database(a.db.url)
        try:
            held = await claim_due_orders(
                dead,
                now=clock.datetime() + timedelta(seconds=1),
                first_look_after_s=1,
                owner="dead-instance",
                lease_s=120,
                limit=100,
            )
        finally:
            await dead.dispose()
        assert len(held) == ORDERS
        clock.advance(1)
        reconciler = a.services.reconciler
        assert reconciler is not None
        later = reconciler.state.passes + 3
        await eventually(lambda: reconciler.state.passes >= later, "three more passes of a")
        assert wechat_sim.calls == []  # none of them touched an order held by another
        clock.advance(120)
        await eventually(lambda: all_paid(a.db, orders), "every order paid", limit_s=20)
        assert await events_per_order(a.db) == Counter({order.id: 1 for order in orders})
