"""A service provider's server: sub-merchants' notifications over real sockets, shop by shop."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from backend.devkit import payment_callback
from backend.simulator import SimulatedOrder
from backend.store import get_order_by_number, set_sub_mchid
from orderbell_protocol import OrderStatus
from tests.conftest import TLS, LiveServer
from tests.e2e.helpers import counter, next_event, simulator

SUB_MCHID = "1900000109"


@pytest.fixture
def live_overrides() -> dict[str, str]:
    """The live server takes payments as a service provider."""
    return {"ORDERBELL_WECHATPAY_MODE": "partner"}


async def notify(live: LiveServer, order: SimulatedOrder, sub_mchid: str | None) -> int:
    """WeChat Pay's notification of ``order`` paid to ``sub_mchid``; the HTTP status answered."""
    headers, body = payment_callback(
        live.kit,
        out_trade_no=order.number,
        total_fen=order.amount_fen,
        sub_mchid=sub_mchid,
        now=live.clock(),
    )
    async with httpx.AsyncClient(base_url=live.base_url, verify=TLS) as http:
        answer = await http.post("/notify/paySuccess", content=body, headers=headers)
    return answer.status_code


async def submitted(live: LiveServer) -> SimulatedOrder:
    """A customer's new order at shop 1 of the live server, not paid yet."""
    async with httpx.AsyncClient(base_url=live.base_url, verify=TLS) as http:
        return await simulator(live, http).submit()


async def test_sub_merchants_payment_rings_its_shop(live: LiveServer) -> None:
    """Paid to the sub-merchant shop 1 is set to: 204, and shop 1's counter hears the order."""
    await set_sub_mchid(live.db, 1, SUB_MCHID, datetime.now(UTC))
    token = await live.device_token(shop_id=1)
    order = await submitted(live)
    async with counter(live.ws_url, token) as ws:
        status = await notify(live, order, SUB_MCHID)
        event = await next_event(ws)
    assert status == 204
    assert (event["type"], event["orderNumber"]) == (1, order.number)


async def test_payment_for_a_shop_without_a_sub_merchant_is_refused(live: LiveServer) -> None:
    """Shop 1 was never given a sub_mchid: 400, and the order stays unpaid."""
    order = await submitted(live)
    assert await notify(live, order, SUB_MCHID) == 400
    stored = await get_order_by_number(live.db, order.number)
    assert stored is not None
    assert stored.status is OrderStatus.PENDING_PAYMENT


async def test_direct_merchants_notification_is_refused(live: LiveServer) -> None:
    """A notification without sp_mchid/sub_mchid does not pay a service provider's order."""
    await set_sub_mchid(live.db, 1, SUB_MCHID, datetime.now(UTC))
    order = await submitted(live)
    assert await notify(live, order, None) == 400
