"""The reconciler of a service provider: it asks about each order as its shop's sub-merchant."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from backend.devkit import MerchantKit
from backend.reconcile import Reconciler, Schedule
from backend.store import Database, get_order_by_number, set_sub_mchid
from backend.wechatpay import PARTNER, MerchantConfig, VerifierKeys, WeChatPayApi
from backend.wechatsim import PaymentAttempt
from orderbell_protocol import OrderStatus
from tests.backend.reconcile.conftest import AFTER_S, EXPIRE_S, PlaceOrder
from tests.conftest import SHOP_ZONE, TLS, FakeClock, WeChatSim

SUB_MCHID = "1900000109"


@pytest.fixture
async def partner(
    db: Database, kit: MerchantKit, wechat_sim: WeChatSim, clock: FakeClock
) -> AsyncIterator[Reconciler]:
    """A service provider's reconciler, asking the simulator at its partner endpoints."""
    keys = VerifierKeys.load(kit.public_key_id, kit.public_key_pem)
    merchant = MerchantConfig(kit.mchid, kit.appid, kit.apiv3_key.encode(), mode=PARTNER)
    async with httpx.AsyncClient(base_url=wechat_sim.url, verify=TLS) as http:
        api = WeChatPayApi(http, kit.merchant_credentials(), keys, clock=clock, mode=PARTNER)
        yield Reconciler(
            db,
            api,
            merchant,
            Schedule(AFTER_S, EXPIRE_S),
            clock,
            owner="test",
            zone=SHOP_ZONE,
        )


async def test_lost_callback_of_a_sub_merchant_is_found(
    db: Database, partner: Reconciler, place: PlaceOrder, wechat_sim: WeChatSim, clock: FakeClock
) -> None:
    """A sub-merchant's payment whose callback was lost is found by a partner query: paid."""
    await set_sub_mchid(db, 1, SUB_MCHID, clock.datetime())
    order = await place()
    wechat_sim.ledger.pay(
        PaymentAttempt(order.number, order.amount_fen, sub_mchid=SUB_MCHID), clock()
    )
    clock.advance(31)
    report = await partner.run_once()
    paid = await get_order_by_number(db, order.number)
    assert report.found_paid == 1
    assert paid is not None
    assert paid.status is OrderStatus.TO_BE_CONFIRMED


async def test_shop_without_a_sub_merchant_is_not_asked_about(
    db: Database, partner: Reconciler, place: PlaceOrder, wechat_sim: WeChatSim, clock: FakeClock
) -> None:
    """No sub_mchid for the shop: nothing asked, the order stays pending and is tried again."""
    order = await place()
    clock.advance(31)
    report = await partner.run_once()
    pending = await get_order_by_number(db, order.number)
    assert (report.checked, report.retried) == (1, 1)
    assert wechat_sim.calls == []
    assert pending is not None
    assert pending.status is OrderStatus.PENDING_PAYMENT


async def test_expired_order_of_a_sub_merchant_is_closed_and_cancelled(
    db: Database, partner: Reconciler, place: PlaceOrder, wechat_sim: WeChatSim, clock: FakeClock
) -> None:
    """Unpaid at its expiry, a sub-merchant's order is closed at the partner endpoint."""
    await set_sub_mchid(db, 1, SUB_MCHID, clock.datetime())
    order = await place()
    clock.advance(EXPIRE_S + 1)
    await partner.run_once()
    cancelled = await get_order_by_number(db, order.number)
    assert cancelled is not None
    assert cancelled.status is OrderStatus.CANCELLED
    assert wechat_sim.asked(order.number) == ["close"]
