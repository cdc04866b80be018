"""Recording what WeChat Pay tells us: payments and refunds, each exactly once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.protocol import Event, EventType, OrderStatus, PayStatus
from backend.store.database import Database, rows_changed
from backend.store.events import append_event
from backend.store.order_view import OrderView, view_of
from backend.store.schema import OrderRow
from backend.store.timestamps import as_utc

logger = logging.getLogger(__name__)

REFUND_SUCCESS = "SUCCESS"


@dataclass(frozen=True, slots=True)
class PaymentFacts:
    """The verified content of a payment notification."""

    out_trade_no: str
    transaction_id: str
    amount_total: int
    paid_at: datetime


class PaymentResult(Enum):
    """What recording a payment did."""

    PAID = "paid"
    DUPLICATE = "duplicate"
    NOT_FOUND = "not_found"
    AMOUNT_MISMATCH = "amount_mismatch"
    NOT_PAYABLE = "not_payable"


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    """The result, the order as it is now, and the event appended (only when PAID)."""

    result: PaymentResult
    order: OrderView | None
    event: Event | None


@dataclass(frozen=True, slots=True)
class RefundFacts:
    """The verified content of a refund notification."""

    out_trade_no: str
    transaction_id: str
    refund_id: str
    status: str


class RefundResult(Enum):
    """What recording a refund did."""

    REFUNDED = "refunded"
    DUPLICATE = "duplicate"
    NOT_FOUND = "not_found"
    IGNORED = "ignored"
    MISMATCH = "mismatch"


@dataclass(frozen=True, slots=True)
class RefundOutcome:
    """The result, the order as it is now, and the event appended (only when REFUNDED)."""

    result: RefundResult
    order: OrderView | None
    event: Event | None


async def record_payment(db: Database, facts: PaymentFacts, now: datetime) -> PaymentOutcome:
    """Move a pending order to paid and log a new-order event; repeats change nothing."""
    try:
        return await _record_payment(db, facts, now)
    except IntegrityError:
        # Another order already holds this transaction id: the notice cannot be for this order.
        logger.warning(
            "payment for order %s carries a transaction id already used by another order",
            facts.out_trade_no,
        )
        order = await _order_by_number(db, facts.out_trade_no)
        return PaymentOutcome(PaymentResult.NOT_PAYABLE, order, None)


async def _record_payment(db: Database, facts: PaymentFacts, now: datetime) -> PaymentOutcome:
    now = as_utc(now)
    async with db.session() as session, session.begin():
        order = await _load(session, facts.out_trade_no)
        if order is None:
            return PaymentOutcome(PaymentResult.NOT_FOUND, None, None)
        if order.amount_fen != facts.amount_total:
            return PaymentOutcome(PaymentResult.AMOUNT_MISMATCH, view_of(order), None)
        paid = await session.execute(
            update(OrderRow)
            .where(
                OrderRow.id == order.id,
                OrderRow.status == OrderStatus.PENDING_PAYMENT,
                OrderRow.pay_status == PayStatus.UNPAID,
            )
            .values(
                status=OrderStatus.TO_BE_CONFIRMED,
                pay_status=PayStatus.PAID,
                paid_at=as_utc(facts.paid_at),
                transaction_id=facts.transaction_id,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        await session.refresh(order)
        if rows_changed(paid) == 1:
            event = await append_event(session, order, EventType.NEW_ORDER, now)
            return PaymentOutcome(PaymentResult.PAID, view_of(order), event)
        already_paid = order.pay_status in (PayStatus.PAID, PayStatus.REFUNDED)
        if already_paid and order.transaction_id == facts.transaction_id:
            return PaymentOutcome(PaymentResult.DUPLICATE, view_of(order), None)
        # Money arrived for an order that cannot take it (cancelled, or paid by another
        # transaction): someone has to refund it, so say so loudly.
        logger.warning(
            "payment %s for order %s not recorded: status %s, pay status %s",
            facts.transaction_id,
            order.number,
            order.status,
            order.pay_status,
        )
        return PaymentOutcome(PaymentResult.NOT_PAYABLE, view_of(order), None)


async def record_refund(db: Database, facts: RefundFacts, now: datetime) -> RefundOutcome:
    """Mark a paid order refunded and cancelled, and log it; repeats change nothing."""
    now = as_utc(now)
    async with db.session() as session, session.begin():
        order = await _load(session, facts.out_trade_no)
        if order is None:
            return RefundOutcome(RefundResult.NOT_FOUND, None, None)
        if order.transaction_id != facts.transaction_id:
            return RefundOutcome(RefundResult.MISMATCH, view_of(order), None)
        if facts.status != REFUND_SUCCESS:
            logger.info(
                "refund %s of order %s ended %s; order left as it is",
                facts.refund_id,
                facts.out_trade_no,
                facts.status,
            )
            return RefundOutcome(RefundResult.IGNORED, view_of(order), None)
        refunded = await session.execute(
            update(OrderRow)
            .where(
                OrderRow.id == order.id,
                OrderRow.pay_status == PayStatus.PAID,
                OrderRow.transaction_id == facts.transaction_id,
            )
            .values(status=OrderStatus.CANCELLED, pay_status=PayStatus.REFUNDED, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        await session.refresh(order)
        if rows_changed(refunded) == 1:
            event = await append_event(
                session, order, EventType.ORDER_UPDATED, now, reason="refunded"
            )
            return RefundOutcome(RefundResult.REFUNDED, view_of(order), event)
        if order.pay_status == PayStatus.REFUNDED:
            return RefundOutcome(RefundResult.DUPLICATE, view_of(order), None)
        return RefundOutcome(RefundResult.MISMATCH, view_of(order), None)


async def _load(session: AsyncSession, number: str) -> OrderRow | None:
    return await session.scalar(select(OrderRow).where(OrderRow.number == number))


async def _order_by_number(db: Database, number: str) -> OrderView | None:
    async with db.read_session() as session:
        order = await _load(session, number)
        return None if order is None else view_of(order)
