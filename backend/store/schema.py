"""The tables as SQLAlchemy models; the migrations (0001 onwards) create exactly these."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from backend.store.timestamps import UTCDateTime

# Deterministic constraint names, so later migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Partial indexes: the unpaid orders the reconciler searches, and the payments it found.
_UNPAID = text("status = 1")
_RECONCILED = text("reconciled_at IS NOT NULL")

# SQLite only auto-assigns INTEGER PRIMARY KEY; BIGINT stays BIGINT elsewhere.
BigIntegerKey = BigInteger().with_variant(Integer(), "sqlite")
# A 64-bit id from another system; SQLite's INTEGER already holds 64 bits.
ExternalId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base holding the shared metadata."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class OrderRow(Base):
    """One customer order."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_shop_id_id", "shop_id", "id"),
        Index("ix_orders_shop_id_status_id", "shop_id", "status", "id"),
        Index("ix_orders_unpaid", "id", sqlite_where=_UNPAID, postgresql_where=_UNPAID),
        Index(
            "ix_orders_reconciled_at",
            "reconciled_at",
            sqlite_where=_RECONCILED,
            postgresql_where=_RECONCILED,
        ),
        Index("ix_orders_shop_id_paid_at", "shop_id", "paid_at"),
        Index(
            "ix_orders_waiting",
            "id",
            sqlite_where=text("status = 2"),
            postgresql_where=text("status = 2"),
        ),
        # The database itself refuses a daily number given twice in one shop and day.
        Index(
            "uq_orders_shop_id_business_day_day_seq",
            "shop_id",
            "business_day",
            "day_seq",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    shop_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ExternalId)  # Sky Take-out user ids are Java longs
    status: Mapped[int] = mapped_column(SmallInteger)
    pay_status: Mapped[int] = mapped_column(SmallInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    remark: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    phone: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transaction_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Reconciliation with WeChat Pay (migration 0003): the next look at an unpaid order (NULL
    # until its first), the instance holding it meanwhile, why it was set aside, when its
    # payment was found by query rather than notified, and why it was cancelled.
    next_query_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reconcile_anomaly: Mapped[str | None] = mapped_column(Text)
    reconciled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # Given when the payment is recorded: the shop-local day and the order's number that day.
    business_day: Mapped[date | None] = mapped_column(Date)
    day_seq: Mapped[int | None] = mapped_column(Integer)
    # The counter's latest answer to the customer's reminders (已在制作…), and when it was given.
    reminder_reply: Mapped[str | None] = mapped_column(Text)
    reminder_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The sum of the order's successful refunds (migration 0008); equal to amount_fen once
    # refunded whole, when the order is cancelled.
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))


class EventRow(Base):
    """One entry of the event log; ids only ever grow and are never reused."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_shop_id_id", "shop_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntegerKey, primary_key=True, autoincrement=True)
    shop_id: Mapped[int] = mapped_column(Integer)
    type: Mapped[int] = mapped_column(SmallInteger)
    order_id: Mapped[int] = mapped_column(Integer, ForeignKey("orders.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RefundRow(Base):
    """One successful refund of an order, booked once by WeChat Pay's refund id."""

    __tablename__ = "refunds"
    __table_args__ = (Index("ix_refunds_order_id", "order_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(Integer, ForeignKey("orders.id"))
    refund_id: Mapped[str] = mapped_column(String(64), unique=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    refunded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ShopRow(Base):
    """What the server knows of a shop beyond its number: its WeChat Pay sub-merchant id."""

    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sub_mchid: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeviceTokenRow(Base):
    """A counter PC's credential; only the token's SHA-256 is kept."""

    __tablename__ = "device_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DailyOrderNumberRow(Base):
    """The last daily order number a shop gave out on one of its days."""

    __tablename__ = "daily_order_numbers"

    shop_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class WriteProbeRow(Base):
    """The one row ``/healthz`` writes to prove that a write transaction still commits."""

    __tablename__ = "write_probe"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    probed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EscalationRuleRow(Base):
    """Who hears about a shop's unanswered orders: a channel, its URL, and when."""

    __tablename__ = "escalation_rules"
    __table_args__ = (Index("ix_escalation_rules_shop_id", "shop_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(Text)  # carries the robot's key: never logged whole
    secret: Mapped[str | None] = mapped_column(Text)
    after_s: Mapped[int] = mapped_column(Integer)
    no_counter_after_s: Mapped[int] = mapped_column(Integer)
    hours: Mapped[str | None] = mapped_column(String(11))
    mentions: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first refusal in a row
    last_error: Mapped[str | None] = mapped_column(String(200))


class EscalationRow(Base):
    """One escalation (order, trigger, rule) and its delivery: the outbox the sender works off.

    The unique key makes each trigger fire once per order and rule, whichever instance decides.
    """

    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("order_id", "trigger", "rule_id", name="uq_escalations_order_trigger"),
        Index("ix_escalations_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigIntegerKey, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)  # the receivers' de-dup id
    rule_id: Mapped[int] = mapped_column(Integer)
    shop_id: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[int] = mapped_column(Integer, ForeignKey("orders.id"))
    trigger: Mapped[int] = mapped_column(SmallInteger)
    notice: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(10))  # pending, sent, failed (gave up), dropped
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))


class ServerInstanceRow(Base):
    """A running server process; its presence entries count while it keeps this row fresh."""

    __tablename__ = "server_instances"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CounterPresenceRow(Base):
    """A counter PC connected to one server instance, by its device token."""

    __tablename__ = "counter_presence"
    __table_args__ = (Index("ix_counter_presence_shop_id", "shop_id"),)

    instance_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    device_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(Integer)
    connections: Mapped[int] = mapped_column(Integer)
    connected_since: Mapped[datetime] = mapped_column(UTCDateTime)
    last_pong: Mapped[datetime | None] = mapped_column(UTCDateTime)


# The same tables for SQLAlchemy Core, which every store operation uses: no identity map, no
# unit of work.
ORDERS = cast(Table, OrderRow.__table__)
EVENTS = cast(Table, EventRow.__table__)
DEVICE_TOKENS = cast(Table, DeviceTokenRow.__table__)
DAILY_ORDER_NUMBERS = cast(Table, DailyOrderNumberRow.__table__)
WRITE_PROBE = cast(Table, WriteProbeRow.__table__)
REFUNDS = cast(Table, RefundRow.__table__)
SHOPS = cast(Table, ShopRow.__table__)
ESCALATION_RULES = cast(Table, EscalationRuleRow.__table__)
ESCALATIONS = cast(Table, EscalationRow.__table__)
SERVER_INSTANCES = cast(Table, ServerInstanceRow.__table__)
COUNTER_PRESENCE = cast(Table, CounterPresenceRow.__table__)
