"""When an order deserves a phone call: the three triggers, decided without I/O.

Each function takes the facts and the time and says yes or no; the engine gathers the facts
and the database makes sure each (order, trigger, rule) fires once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo

from backend.escalation.rules import Rule
from orderbell_protocol import WAITING_STATUSES, OrderStatus


class Trigger(IntEnum):
    """Why an order escalates; each fires at most once per order and rule."""

    UNHANDLED = 1  # paid, and nobody accepted or rejected it within --after
    NO_COUNTER = 2  # it arrived while no counter was connected, and none caught up in time
    REMINDED = 3  # the customer hurried an order that had already escalated

    @property
    def code(self) -> str:
        """The trigger's name on the generic webhook."""
        return _CODES[self]


_CODES = {
    Trigger.UNHANDLED: "unhandled",
    Trigger.NO_COUNTER: "no_counter",
    Trigger.REMINDED: "reminded",
}


@dataclass(frozen=True, slots=True)
class Arrival:
    """A paid order or a reminder as it reached the server: when, and the order's status then."""

    at: datetime
    status: int
    reminder: bool = False


def within_hours(rule: Rule, moment: datetime, zone: ZoneInfo) -> bool:
    """True when the rule has no hours, or ``moment`` falls inside them in shop-local time."""
    if rule.hours is None:
        return True
    return rule.hours.contains(moment.astimezone(zone).time())


def unhandled_deadline(paid_at: datetime, rule: Rule) -> datetime:
    """When a paid order still waiting escalates (trigger 1)."""
    return paid_at + timedelta(seconds=rule.after_s)


def no_counter_deadline(arrival: Arrival, rule: Rule) -> datetime:
    """When an order or reminder nobody could hear escalates (trigger 2)."""
    return arrival.at + timedelta(seconds=rule.no_counter_after_s)


def escalates_unhandled(
    rule: Rule, *, paid_at: datetime, status: int, now: datetime, zone: ZoneInfo
) -> bool:
    """Trigger 1: still waiting for a counter (status 2) at ``--after`` past payment.

    Opening hours are judged at the moment the customer paid: an order placed while the shop
    is open is worth a call even if its deadline falls just after closing time.
    """
    return (
        status == OrderStatus.TO_BE_CONFIRMED
        and now >= unhandled_deadline(paid_at, rule)
        and within_hours(rule, paid_at, zone)
    )


def escalates_no_counter(
    rule: Rule, *, arrival: Arrival, status: int, counters: int, now: datetime, zone: ZoneInfo
) -> bool:
    """Trigger 2: at ``--no-counter-after`` past its arrival, still no counter connected.

    A counter that connects meanwhile catches up (``since=``) and rings, so it counts once it
    is connected. An order accepted or rejected meanwhile (its status moved) never escalates.
    """
    return (
        counters == 0
        and status == arrival.status
        and status in WAITING_STATUSES
        and now >= no_counter_deadline(arrival, rule)
        and within_hours(rule, arrival.at, zone)
    )


def escalates_reminder(*, escalated_before: bool, status: int, counters: int) -> bool:
    """Trigger 3: the customer hurries an order that already escalated, and nobody reacts.

    Nobody reacts: the order is still not accepted, or no counter is there to hear the reminder.
    """
    if not escalated_before or status not in WAITING_STATUSES:
        return False
    return status == OrderStatus.TO_BE_CONFIRMED or counters == 0
