"""What an alert card shows, the orders behind it, and the actions the alert board asks for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from desktop.core.utterance import Utterance
from orderbell_protocol import Event, OrderLine, OrderStatus


@dataclass(frozen=True, slots=True)
class WaitingOrder:
    """An order waiting to be accepted, as the server lists it or a type-1 event announces it."""

    order_id: int
    order_number: str
    amount_fen: int
    items: tuple[OrderLine, ...] = ()
    remark: str = ""
    paid_at: datetime | None = None
    phone_tail: str = ""
    address: str = ""
    day_seq: int | None = None  # the shop's number of the order on its day (今日第12单)
    reminder_reply: str | None = None  # what a counter answered the customer's reminder

    @property
    def tail(self) -> str:
        """The last four digits staff call the order by."""
        return self.order_number[-4:]

    @classmethod
    def from_event(cls, event: Event) -> WaitingOrder:
        """The order an event is about."""
        return cls(
            order_id=event.order_id,
            order_number=event.order_number,
            amount_fen=event.amount_fen,
            items=event.order.items,
            remark=event.order.remark,
            paid_at=event.order.paid_at,
            phone_tail=event.order.phone_tail,
            address=event.order.address,
            day_seq=event.day_seq,
            reminder_reply=event.reminder_reply,
        )


@dataclass(frozen=True, slots=True)
class Alert:
    """What one alert card shows."""

    order_id: int
    order_number: str
    tail: str
    items: tuple[OrderLine, ...]
    amount_fen: int
    remark: str
    paid_at: datetime | None
    phone_tail: str
    status: OrderStatus
    reminded: bool
    reminder_count: int
    waited_seconds: int | None
    address: str = ""
    day_seq: int | None = None
    reminder_reply: str | None = None

    @property
    def awaiting_acceptance(self) -> bool:
        """True while staff still have to accept or reject it (the card offers those buttons)."""
        return self.status is OrderStatus.TO_BE_CONFIRMED


@dataclass(slots=True)
class AlertActions:
    """What the UI and the speaker should do now.

    ``show``: create or update these cards and bring them to the front, in arrival order.
    ``hide``: close the cards of these order ids (ids without a card are to be ignored).
    ``speak``: say these, highest priority first; empty while muted.
    ``chime``: ring the chime at this priority, before ``speak``; None: no chime.
    """

    show: list[Alert] = field(default_factory=list)
    hide: list[int] = field(default_factory=list)
    speak: list[Utterance] = field(default_factory=list)
    chime: int | None = None
