"""Reconciliation over real sockets: the server's reconciler, the WeChat Pay simulator, counters."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from backend.devkit import MerchantKit, payment_callback
from backend.simulator import SimulatedOrder
from backend.store import Database, EventRow, get_order_by_number
from orderbell_protocol import OrderStatus
from tests.conftest import TLS, LiveServer, WeChatSim, reconciling
from tests.e2e.helpers import counter, next_event, simulator

SETTLE_LIMIT_S = 10.0


@pytest.fixture
def live_overrides(wechat_sim: WeChatSim, kit: MerchantKit, tmp_path: Path) -> dict[str, str]:
    """The live server reconciles against the simulator: first look after 1 s, expiry at 5 s."""
    return reconciling(tmp_path, kit, wechat_sim.url, after_s=1, expire_s=5)


async def submitted(live: LiveServer) -> SimulatedOrder:
    """A customer's new order at the live server, not paid yet."""
    async with httpx.AsyncClient(base_url=live.base_url, verify=TLS) as http:
        return await simulator(live, http).submit()


async def pay_losing_the_callback(sim: WeChatSim, order: SimulatedOrder) -> str:
    """The customer pays at the simulator and the callback is lost; WeChat's transaction id."""
    async with httpx.AsyncClient(base_url=sim.url, verify=TLS) as http:
        answer = await http.post(
            "/sim/pay",
            json={"outTradeNo": order.number, "totalFen": order.amount_fen, "loseCallback": True},
        )
    data = answer.json()
    assert data["callback"] == "lost"
    transaction_id: str = data["transactionId"]
    return transaction_id


async def settled(db: Database, number: str, status: OrderStatus) -> None:
    """Wait (bounded) until the order has reached ``status``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_LIMIT_S
    while True:
        order = await get_order_by_number(db, number)
        assert order is not None
        if order.status is status:
            return
        assert loop.time() < deadline, f"order {number} is still {order.status.name}"
        await asyncio.sleep(0.05)


async def events_of(db: Database, order_id: int | None) -> int:
    """How many events the log holds for this order."""
    async with db.engine.connect() as connection:
        query = select(func.count()).select_from(EventRow).where(EventRow.order_id == order_id)
        return int((await connection.execute(query)).scalar_one())


async def test_lost_callback_rings_the_counter(live: LiveServer, wechat_sim: WeChatSim) -> None:
    """A paid order whose callback was lost reaches the counter once the reconciler looks."""
    token = await live.device_token()
    order = await submitted(live)
    await pay_losing_the_callback(wechat_sim, order)
    async with counter(live.ws_url, token) as ws:
        live.clock.advance(1)
        event = await next_event(ws)
    assert (event["type"], event["orderNumber"], event["status"]) == (1, order.number, 2)
    assert wechat_sim.asked(order.number) == ["query"]


async def test_callback_racing_the_query_gives_one_event(
    live: LiveServer, wechat_sim: WeChatSim
) -> None:
    """20 copies of the callback and the reconciler's query in the same second: one event."""
    order = await submitted(live)
    transaction_id = await pay_losing_the_callback(wechat_sim, order)
    headers, body = payment_callback(
        live.kit,
        out_trade_no=order.number,
        total_fen=order.amount_fen,
        transaction_id=transaction_id,
        now=live.clock(),
    )
    async with httpx.AsyncClient(base_url=live.base_url, verify=TLS) as http:
        live.clock.advance(1)
        answers = await asyncio.gather(
            *(http.post("/notify/paySuccess", content=body, headers=headers) for _ in range(20))
        )
        await settled(live.db, order.number, OrderStatus.TO_BE_CONFIRMED)
        # Let the reconciler's pass, if one is under way, finish before counting.
        await _quiet_reconciler(live)
    assert {answer.status_code for answer in answers} == {204}
    assert await events_of(live.db, order.id) == 1


async def _quiet_reconciler(live: LiveServer) -> None:
    """Wait (bounded) until the server's reconciler has made a whole pass begun after this call."""
    state = live.services.reconciler.state if live.services.reconciler else None
    assert state is not None, "the live server does not reconcile"
    target = state.passes + 2
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_LIMIT_S
    while state.passes < target:
        assert loop.time() < deadline, "the reconciler made no pass"
        await asyncio.sleep(0.05)


async def test_expired_order_is_cancelled_and_never_rings(
    live: LiveServer, wechat_sim: WeChatSim
) -> None:
    """Unpaid at its expiry: closed at WeChat Pay, cancelled (支付超时), and no event at all."""
    order = await submitted(live)
    live.clock.advance(5)
    await settled(live.db, order.number, OrderStatus.CANCELLED)
    cancelled = await get_order_by_number(live.db, order.number)
    assert cancelled is not None
    assert cancelled.cancel_reason == "支付超时"
    assert await events_of(live.db, order.id) == 0
    assert wechat_sim.asked(order.number)[-1] == "close"


async def test_healthz_reports_the_reconciler(live: LiveServer, wechat_sim: WeChatSim) -> None:
    """/healthz says the reconciler runs and how many payments it found in the last hour."""
    order = await submitted(live)
    await pay_losing_the_callback(wechat_sim, order)
    live.clock.advance(1)
    await settled(live.db, order.number, OrderStatus.TO_BE_CONFIRMED)
    await _quiet_reconciler(live)
    async with httpx.AsyncClient(base_url=live.base_url, verify=TLS) as http:
        reconciler = (await http.get("/healthz")).json()["reconciler"]
    assert reconciler["enabled"] is True
    assert reconciler["lastRunOk"] is True
    assert reconciler["foundPaidLastHour"] == 1
    assert reconciler["lastRunAt"].startswith(live.clock.datetime().isoformat()[:16])


async def test_order_paid_by_its_callback_is_not_asked_about(
    live: LiveServer, wechat_sim: WeChatSim
) -> None:
    """The normal case costs WeChat Pay nothing: a notified order is never queried."""
    async with httpx.AsyncClient(base_url=live.base_url, verify=TLS) as http:
        order = await simulator(live, http).pay(await simulator(live, http).submit())
    live.clock.advance(10)
    await _quiet_reconciler(live)
    assert wechat_sim.asked(order.number) == []


@pytest.fixture
def info_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Log records from INFO up, from before the server starts (request it before ``live``)."""
    caplog.set_level(logging.INFO)
    return caplog


@pytest.mark.parametrize("live_overrides", [{}])
async def test_without_a_merchant_key_reconciliation_is_off(
    info_logs: pytest.LogCaptureFixture, live: LiveServer
) -> None:
    """No merchant key: one start-up line names the variable, and /healthz says it is off."""
    async with httpx.AsyncClient(base_url=live.base_url, verify=TLS) as http:
        reconciler = (await http.get("/healthz")).json()["reconciler"]
    assert reconciler == {"enabled": False}
    lines = [
        record.getMessage()
        for record in info_logs.get_records("setup")
        if "reconciliation" in record.getMessage()
    ]
    assert len(lines) == 1
    assert lines[0].startswith("reconciliation off: ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE")
