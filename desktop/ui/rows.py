"""One order as the orders window lists it (the wiring converts what the server sends)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from orderbell_protocol import OrderLine, OrderStatus


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One line of the orders window: a waiting order, or one handled today."""

    order_id: int
    number: str
    status: OrderStatus
    amount_fen: int
    items: tuple[OrderLine, ...] = ()
    remark: str = ""
    paid_at: datetime | None = None
    handled_at: datetime | None = None
    reminder_count: int = 0
    rejected_reason: str | None = None
    refunded: bool = False
    day_seq: int | None = None  # the shop's number of the order on its day (今日第12单)
    refunded_fen: int = 0

    @property
    def tail(self) -> str:
        """The last four digits staff call the order by."""
        return self.number[-4:]
