"""Builders of wire events for the desktop core tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from orderbell_protocol import Event, EventType, OrderLine, OrderStatus, OrderSummary

PAID_AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

EventBuilder = Callable[..., Event]


def build_event(
    event_type: EventType,
    order_id: int,
    *,
    event_id: int | None = None,
    status: OrderStatus | None = None,
    reminder_count: int | None = None,
    waited_seconds: int | None = None,
    minutes_after_payment: float = 0.0,
    remark: str = "",
    day_seq: int | None = None,
    address: str = "",
) -> Event:
    """An event about order ``order_id`` whose number ends in ``order_id`` padded to 4 digits."""
    if status is None:
        status = (
            OrderStatus.CONFIRMED
            if event_type is EventType.ORDER_UPDATED
            else OrderStatus.TO_BE_CONFIRMED
        )
    return Event(
        id=event_id if event_id is not None else order_id * 10 + int(event_type),
        type=event_type,
        shop_id=1,
        order_id=order_id,
        order_number=f"2026112612000{order_id:04d}",
        status=status,
        amount_fen=2350,
        created_at=PAID_AT + timedelta(minutes=minutes_after_payment),
        order=OrderSummary(
            items=(OrderLine("宫保鸡丁", 1), OrderLine("米饭", 2)),
            remark=remark,
            phone_tail="5678",
            paid_at=PAID_AT,
            address=address,
        ),
        reminder_count=reminder_count,
        waited_seconds=waited_seconds,
        day_seq=day_seq,
    )


@pytest.fixture
def paid_at() -> datetime:
    """When every test order was paid."""
    return PAID_AT


@pytest.fixture
def new_order() -> EventBuilder:
    """Type-1 events."""
    return lambda order_id, **kw: build_event(EventType.NEW_ORDER, order_id, **kw)


@pytest.fixture
def reminder() -> EventBuilder:
    """Type-2 events."""
    return lambda order_id, **kw: build_event(EventType.REMINDER, order_id, **kw)


@pytest.fixture
def updated() -> EventBuilder:
    """Type-3 events (accepted unless told otherwise)."""
    return lambda order_id, **kw: build_event(EventType.ORDER_UPDATED, order_id, **kw)
