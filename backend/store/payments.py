"""Recording what WeChat Pay tells us: payments and refunds, each exactly once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from enum import Enum

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from backend.store.database import Database, WriteTransaction
from backend.store.day_numbers import business_day, number_order, pay_and_number
from backend.store.events import append_event, new_event
from backend.store.order_view import OrderView, view_of
from backend.store.payment_statement import event_id_of, paid_and_logged, payment_values
from backend.store.schema import ORDERS, REFUNDS, SHOPS
from backend.store.timestamps import as_utc
from orderbell_protocol import Event, EventType, OrderStatus, PayStatus

logger = logging.getLogger(__name__)

REFUND_SUCCESS = "SUCCESS"
# The reason of the type-3 event a refund appends: whole (the order is cancelled) or in part.
REFUNDED = "refunded"
PARTLY_REFUNDED = "partly refunded"

# Built once: a statement object caches its compiled form, so each use only binds values.
# What makes a notice pay an order: still pending and unpaid, and the amount it was sent.
_PAYABLE = [
    ORDERS.c.number == bindparam("order_number", type_=ORDERS.c.number.type),
    ORDERS.c.status == OrderStatus.PENDING_PAYMENT,
    ORDERS.c.pay_status == PayStatus.UNPAID,
    ORDERS.c.amount_fen == bindparam("paid_fen", type_=ORDERS.c.amount_fen.type),
]
# In partner mode the payment names its sub-merchant: only an order of a shop that is that
# sub-merchant can take it.
_OF_SUB_MERCHANT = ORDERS.c.shop_id.in_(
    select(SHOPS.c.id).where(
        SHOPS.c.sub_mchid == bindparam("paid_sub_mchid", type_=SHOPS.c.sub_mchid.type)
    )
)
_PAID = {
    "status": OrderStatus.TO_BE_CONFIRMED,
    "pay_status": PayStatus.PAID,
    "paid_at": bindparam("paid_time", type_=ORDERS.c.paid_at.type),
    "transaction_id": bindparam("paid_transaction", type_=ORDERS.c.transaction_id.type),
    "updated_at": bindparam("changed_at", type_=ORDERS.c.updated_at.type),
    "reconciled_at": bindparam("found_at", type_=ORDERS.c.reconciled_at.type),
    "next_query_at": None,
    "lease_owner": None,
    "lease_until": None,
}
# The whole row comes back from numbering the order, in the same transaction.
_PAY = update(ORDERS).where(*_PAYABLE).values(_PAID).returning(ORDERS.c.id, ORDERS.c.shop_id)
_PAY_SUB_MERCHANT = _PAY.where(_OF_SUB_MERCHANT)
# PostgreSQL pays, draws the daily number and numbers the order in one statement; the usual
# payment logs its event in the same statement too, committed by itself.
_PAY_NUMBERED = pay_and_number(_PAYABLE, _PAID)
_PAY_NUMBERED_SUB_MERCHANT = pay_and_number([*_PAYABLE, _OF_SUB_MERCHANT], _PAID)
_PAY_LOGGED = paid_and_logged(_PAY_NUMBERED)
_PAY_LOGGED_SUB_MERCHANT = paid_and_logged(_PAY_NUMBERED_SUB_MERCHANT)
# PostgreSQL's class of errors about data it cannot take (SQLSTATE 22...): its JSON functions
# refuse a NUL or a lone surrogate in an order line, which only rows written before input was
# checked at the edge hold.
_DATA_EXCEPTION = "22"
_SHOP_SUB_MCHID = select(SHOPS.c.sub_mchid).where(
    SHOPS.c.id == bindparam("shop_id", type_=SHOPS.c.id.type)
)
_BOOK_REFUND = insert(REFUNDS)
_REFUND_BY_ID = select(REFUNDS.c.id).where(
    REFUNDS.c.refund_id == bindparam("refund_id", type_=REFUNDS.c.refund_id.type)
)
_BY_NUMBER = select(ORDERS).where(
    ORDERS.c.number == bindparam("order_number", type_=ORDERS.c.number.type)
)
# The column whose uniqueness refuses a payment of one transaction for a second order; every
# database names it in that error (SQLite by the column, PostgreSQL by its constraint).
_TRANSACTION_ID = ORDERS.c.transaction_id.name
# Locked on PostgreSQL, so that refunds of one order are added up one after the other.
_BY_NUMBER_LOCKED = _BY_NUMBER.with_for_update()


@dataclass(frozen=True, slots=True)
class PaymentFacts:
    """The verified content of a payment notification, or of a query answer.

    ``found_by_query`` marks a payment the reconciler found without any notification;
    ``sub_mchid`` is the sub-merchant paid, in partner (service-provider) mode only.
    """

    out_trade_no: str
    transaction_id: str
    amount_total: int
    paid_at: datetime
    found_by_query: bool = False
    sub_mchid: str | None = None


class PaymentResult(Enum):
    """What recording a payment did."""

    PAID = "paid"
    DUPLICATE = "duplicate"
    NOT_FOUND = "not_found"
    AMOUNT_MISMATCH = "amount_mismatch"
    SUB_MERCHANT_MISMATCH = "sub_merchant_mismatch"
    NOT_PAYABLE = "not_payable"


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    """The result, the order as it is now, and the event appended (only when PAID)."""

    result: PaymentResult
    order: OrderView | None
    event: Event | None


@dataclass(frozen=True, slots=True)
class RefundFacts:
    """The verified content of a refund notification.

    ``amount_total`` is the whole payment and ``amount_refund`` this refund, both in fen.
    """

    out_trade_no: str
    transaction_id: str
    refund_id: str
    status: str
    amount_total: int
    amount_refund: int
    sub_mchid: str | None = None


class RefundResult(Enum):
    """What recording a refund did."""

    REFUNDED = "refunded"
    PARTLY_REFUNDED = "partly_refunded"
    DUPLICATE = "duplicate"
    NOT_FOUND = "not_found"
    IGNORED = "ignored"
    MISMATCH = "mismatch"
    AMOUNT_MISMATCH = "amount_mismatch"


@dataclass(frozen=True, slots=True)
class RefundOutcome:
    """The result, the order as it is now, and the event appended (only when REFUNDED)."""

    result: RefundResult
    order: OrderView | None
    event: Event | None


async def record_payment(
    db: Database, facts: PaymentFacts, now: datetime, *, zone: tzinfo
) -> PaymentOutcome:
    """Move a pending order to paid, give it the shop's next daily number and log a new-order
    event; repeats change nothing.

    The one path for a payment, notified or found by query: whichever comes first makes the
    transition, draws the number and appends the event, the other finds a duplicate. The number
    belongs to the day ``now`` (when the payment is recorded) falls on in ``zone``, the shops'
    time zone: staff call orders by it, so it follows the order they arrive in.
    """
    try:
        return await _record(db, facts, as_utc(now), business_day(now, zone))
    except IntegrityError as exc:
        if _TRANSACTION_ID not in str(exc.orig):
            raise  # nothing was recorded; WeChat Pay will notify again
        # Another order already holds this transaction id: the notice cannot be for this order.
        logger.warning(
            "payment for order %s carries a transaction id already used by another order",
            facts.out_trade_no,
        )
        order = await db.read(_load, facts.out_trade_no)
        return PaymentOutcome(PaymentResult.NOT_PAYABLE, order, None)


async def _record(db: Database, facts: PaymentFacts, now: datetime, day: date) -> PaymentOutcome:
    try:
        # Every statement may commit by itself: on PostgreSQL the payment is one statement, and
        # it is safe to run again (a second run finds the order paid and changes nothing).
        return await db.write_alone(_record_payment, facts, now, day, in_one_statement=True)
    except DBAPIError as exc:
        if not db.is_postgres or _sqlstate(exc)[:2] != _DATA_EXCEPTION:
            raise
        # The statement changed nothing. Such an order is paid in steps, its event built here.
        logger.warning(
            "order %s holds text the database cannot take apart (%s); paying it in steps",
            facts.out_trade_no,
            _sqlstate(exc),
        )
        return await db.write(_record_payment, facts, now, day, in_one_statement=False)


def _sqlstate(exc: DBAPIError) -> str:
    return str(getattr(exc.orig, "sqlstate", None) or "")


def _record_payment(
    transaction: WriteTransaction,
    facts: PaymentFacts,
    now: datetime,
    day: date,
    *,
    in_one_statement: bool,
) -> PaymentOutcome:
    # The usual case, a first notice for a pending order of the right amount, pays and numbers
    # the order and logs it. Only when that matches nothing do we look at why.
    values: dict[str, object] = {
        "order_number": facts.out_trade_no,
        "paid_fen": facts.amount_total,
        "paid_time": as_utc(facts.paid_at),
        "paid_transaction": facts.transaction_id,
        "changed_at": now,
        "found_at": now if facts.found_by_query else None,
    }
    if facts.sub_mchid is not None:
        values |= {"paid_sub_mchid": facts.sub_mchid}
    if in_one_statement and transaction.connection.dialect.name == "postgresql":
        paid = _pay_and_log(transaction, facts, values, now, day)
    else:
        paid = _pay_then_log(transaction, values, now, day, sub_mchid=facts.sub_mchid)
    if paid is None:
        return _not_paid(transaction.connection, facts)
    order, event = paid
    return PaymentOutcome(PaymentResult.PAID, order, event)


def _pay_and_log(
    transaction: WriteTransaction,
    facts: PaymentFacts,
    values: dict[str, object],
    now: datetime,
    day: date,
) -> tuple[OrderView, Event] | None:
    """PostgreSQL: the whole payment in one statement; None when no order matched."""
    statement = _PAY_LOGGED if facts.sub_mchid is None else _PAY_LOGGED_SUB_MERCHANT
    decided = payment_values(facts.out_trade_no, facts.amount_total, as_utc(facts.paid_at), now)
    row = transaction.execute(statement, values | decided | {"numbering_day": day}).one_or_none()
    if row is None:
        return None
    order = view_of(row)
    event = replace(new_event(order, EventType.NEW_ORDER, now), id=event_id_of(row))
    transaction.events.append(event)
    return order, event


def _pay_then_log(
    transaction: WriteTransaction,
    values: dict[str, object],
    now: datetime,
    day: date,
    *,
    sub_mchid: str | None,
) -> tuple[OrderView, Event] | None:
    """Pay and number the order, then log it, in this transaction; None when none matched."""
    if transaction.connection.dialect.name == "postgresql":
        statement = _PAY_NUMBERED if sub_mchid is None else _PAY_NUMBERED_SUB_MERCHANT
        numbered = transaction.execute(statement, values | {"numbering_day": day}).one_or_none()
        order = None if numbered is None else view_of(numbered)
    else:
        paid = transaction.execute(_PAY if sub_mchid is None else _PAY_SUB_MERCHANT, values)
        row = paid.one_or_none()
        order = (
            None if row is None else view_of(number_order(transaction, row.id, row.shop_id, day))
        )
    if order is None:
        return None
    return order, append_event(transaction, order, EventType.NEW_ORDER, now)


def _not_paid(connection: Connection, facts: PaymentFacts) -> PaymentOutcome:
    """Why a notice changed nothing; read after the UPDATE (and, on PostgreSQL, its commit)."""
    order = _load(connection, facts.out_trade_no)
    if order is None:
        return PaymentOutcome(PaymentResult.NOT_FOUND, None, None)
    if order.amount_fen != facts.amount_total:
        return PaymentOutcome(PaymentResult.AMOUNT_MISMATCH, order, None)
    if facts.sub_mchid is not None and _sub_mchid_of(connection, order.shop_id) != facts.sub_mchid:
        return PaymentOutcome(PaymentResult.SUB_MERCHANT_MISMATCH, order, None)
    already_paid = order.pay_status in (PayStatus.PAID, PayStatus.REFUNDED)
    if already_paid and order.transaction_id == facts.transaction_id:
        return PaymentOutcome(PaymentResult.DUPLICATE, order, None)
    # Money arrived for an order that cannot take it (cancelled, or paid by another
    # transaction): someone has to refund it, so say so loudly.
    logger.warning(
        "payment %s for order %s not recorded: status %s, pay status %s",
        facts.transaction_id,
        order.number,
        order.status,
        order.pay_status,
    )
    return PaymentOutcome(PaymentResult.NOT_PAYABLE, order, None)


async def record_refund(db: Database, facts: RefundFacts, now: datetime) -> RefundOutcome:
    """Book one refund of a paid order and log it; repeats of a refund change nothing.

    Refunds add up: only the one that brings the refunded amount to the order's amount cancels
    the order. A partial refund keeps the order's status, so nothing stops ringing.
    """
    try:
        return await db.write(_record_refund, facts, as_utc(now))
    except IntegrityError:
        # The same refund booked by a concurrent copy of its notification a moment ago.
        return await db.write(_record_refund, facts, as_utc(now))


def _record_refund(
    transaction: WriteTransaction, facts: RefundFacts, now: datetime
) -> RefundOutcome:
    connection = transaction.connection
    # Locked (PostgreSQL) so that refunds of one order are added one after the other.
    row = connection.execute(_BY_NUMBER_LOCKED, {"order_number": facts.out_trade_no}).one_or_none()
    if row is None:
        return RefundOutcome(RefundResult.NOT_FOUND, None, None)
    order = view_of(row)
    if order.transaction_id is None or order.transaction_id != facts.transaction_id:
        return RefundOutcome(RefundResult.MISMATCH, order, None)
    if facts.sub_mchid is not None and _sub_mchid_of(connection, order.shop_id) != facts.sub_mchid:
        return RefundOutcome(RefundResult.MISMATCH, order, None)
    if facts.status != REFUND_SUCCESS:
        logger.info(
            "refund %s of order %s ended %s; order left as it is",
            facts.refund_id,
            facts.out_trade_no,
            facts.status,
        )
        return RefundOutcome(RefundResult.IGNORED, order, None)
    booked = connection.execute(_REFUND_BY_ID, {"refund_id": facts.refund_id}).one_or_none()
    # Refunded whole already: nothing is left to refund, whatever this copy's refund id (orders
    # refunded before refunds were booked one by one have none on record).
    if booked is not None or order.pay_status == PayStatus.REFUNDED:
        return RefundOutcome(RefundResult.DUPLICATE, order, None)
    refunded = order.refunded_fen + facts.amount_refund
    if (
        order.pay_status != PayStatus.PAID
        or facts.amount_total != order.amount_fen
        or facts.amount_refund <= 0
        or refunded > order.amount_fen
    ):
        return RefundOutcome(RefundResult.AMOUNT_MISMATCH, order, None)
    connection.execute(
        _BOOK_REFUND,
        {
            "order_id": order.id,
            "refund_id": facts.refund_id,
            "amount_fen": facts.amount_refund,
            "refunded_at": now,
        },
    )
    whole = refunded == order.amount_fen
    values: dict[str, object] = {"refunded_fen": refunded, "updated_at": now}
    if whole:
        values |= {
            "status": OrderStatus.CANCELLED,
            "pay_status": PayStatus.REFUNDED,
            "refunded_at": now,
        }
    changed = view_of(
        connection.execute(
            update(ORDERS).where(ORDERS.c.id == order.id).values(**values).returning(*ORDERS.c)
        ).one()
    )
    event = append_event(
        transaction,
        changed,
        EventType.ORDER_UPDATED,
        now,
        reason=REFUNDED if whole else PARTLY_REFUNDED,
        refund_fen=refunded,
    )
    result = RefundResult.REFUNDED if whole else RefundResult.PARTLY_REFUNDED
    return RefundOutcome(result, changed, event)


def _sub_mchid_of(connection: Connection, shop_id: int) -> str | None:
    sub_mchid: str | None = connection.execute(_SHOP_SUB_MCHID, {"shop_id": shop_id}).scalar()
    return sub_mchid


def _load(connection: Connection, number: str) -> OrderView | None:
    row = connection.execute(_BY_NUMBER, {"order_number": number}).one_or_none()
    return None if row is None else view_of(row)
