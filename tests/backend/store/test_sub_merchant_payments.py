"""A service provider's payments and refunds: booked only for the shop of the sub-merchant paid."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

from backend.store import (
    Database,
    OrderView,
    PaymentFacts,
    PaymentResult,
    RefundFacts,
    RefundResult,
    events_since,
    get_order_by_number,
    record_payment,
    record_refund,
    set_sub_mchid,
)
from orderbell_protocol import OrderStatus
from tests.conftest import SHOP_ZONE

OrderStep = Callable[..., Awaitable[OrderView]]
TRANSACTION_ID = "4200002611202611260000000001"
SHOP_1 = "1900000109"
SHOP_2 = "1900000110"


def partner_payment(order: OrderView, now: datetime, sub_mchid: str) -> PaymentFacts:
    """A partner notification paying ``order`` in full to ``sub_mchid``."""
    return PaymentFacts(order.number, TRANSACTION_ID, order.amount_fen, now, sub_mchid=sub_mchid)


async def test_payment_to_the_shops_sub_merchant_is_booked(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """Paid to the sub-merchant its shop is: the order is paid and rings."""
    await set_sub_mchid(db, 1, SHOP_1, now)
    order = await place_order(shop_id=1)
    outcome = await record_payment(db, partner_payment(order, now, SHOP_1), now, zone=SHOP_ZONE)
    assert outcome.result is PaymentResult.PAID
    assert len(await events_since(db, 0)) == 1


async def test_payment_to_another_sub_merchant_changes_nothing(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """Paid to shop 2's sub-merchant, shop 1's order stays unpaid and nothing rings."""
    await set_sub_mchid(db, 1, SHOP_1, now)
    await set_sub_mchid(db, 2, SHOP_2, now)
    order = await place_order(shop_id=1)
    outcome = await record_payment(db, partner_payment(order, now, SHOP_2), now, zone=SHOP_ZONE)
    assert (outcome.result, outcome.event) == (PaymentResult.SUB_MERCHANT_MISMATCH, None)
    assert await get_order_by_number(db, order.number) == order
    assert await events_since(db, 0) == []


async def test_payment_for_a_shop_without_a_sub_merchant_changes_nothing(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """A partner payment for a shop no sub-merchant was set for is not booked."""
    order = await place_order(shop_id=3)
    outcome = await record_payment(db, partner_payment(order, now, SHOP_1), now, zone=SHOP_ZONE)
    assert outcome.result is PaymentResult.SUB_MERCHANT_MISMATCH
    stored = await get_order_by_number(db, order.number)
    assert stored is not None
    assert stored.status is OrderStatus.PENDING_PAYMENT


async def test_refund_from_another_sub_merchant_changes_nothing(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """A refund naming another shop's sub-merchant is a mismatch; the order stays paid."""
    await set_sub_mchid(db, 1, SHOP_1, now)
    order = await place_order(shop_id=1)
    paid = (
        await record_payment(db, partner_payment(order, now, SHOP_1), now, zone=SHOP_ZONE)
    ).order
    assert paid is not None
    refund = RefundFacts(
        order.number,
        TRANSACTION_ID,
        "50300000012026112600001",
        "SUCCESS",
        amount_total=order.amount_fen,
        amount_refund=order.amount_fen,
        sub_mchid=SHOP_2,
    )
    outcome = await record_refund(db, refund, now)
    assert outcome.result is RefundResult.MISMATCH
    assert await get_order_by_number(db, order.number) == paid
    refunded = await record_refund(db, replace(refund, sub_mchid=SHOP_1), now)
    assert refunded.result is RefundResult.REFUNDED
