"""The three triggers decided from facts and an injected time: each fires only when it should."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from backend.escalation import (
    Arrival,
    escalates_no_counter,
    escalates_reminder,
    escalates_unhandled,
    parse_rule,
)
from orderbell_protocol import OrderStatus

URL = "https://example.com/hook"
# 12:00 in Shanghai.
NOON = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)
WAITING = OrderStatus.TO_BE_CONFIRMED


def test_unhandled_fires_at_the_deadline(zone: ZoneInfo) -> None:
    """A paid order still waiting exactly --after seconds later escalates."""
    r = parse_rule(shop_id=1, channel="webhook", url=URL, after_s=120)
    now = NOON + timedelta(seconds=120)
    assert escalates_unhandled(r, paid_at=NOON, status=WAITING, now=now, zone=zone)


def test_unhandled_waits_until_the_deadline(zone: ZoneInfo) -> None:
    """One second before the deadline nothing happens."""
    r = parse_rule(shop_id=1, channel="webhook", url=URL, after_s=120)
    now = NOON + timedelta(seconds=119)
    assert not escalates_unhandled(r, paid_at=NOON, status=WAITING, now=now, zone=zone)


def test_an_order_accepted_in_time_never_escalates(zone: ZoneInfo) -> None:
    """Accepted (3) or rejected (6) orders do not escalate, however late it is."""
    r = parse_rule(shop_id=1, channel="webhook", url=URL, after_s=120)
    later = NOON + timedelta(hours=1)
    for status in (OrderStatus.CONFIRMED, OrderStatus.CANCELLED):
        assert not escalates_unhandled(r, paid_at=NOON, status=status, now=later, zone=zone)


def test_hours_are_judged_in_shop_local_time_at_payment(zone: ZoneInfo) -> None:
    """With hours 10:00-22:00, an order paid at 12:00 Shanghai time escalates; 23:00 does not."""
    r = parse_rule(shop_id=1, channel="webhook", url=URL, after_s=60, hours="10:00-22:00")
    late = NOON + timedelta(hours=11)  # 23:00 in Shanghai, 15:00 UTC
    assert escalates_unhandled(
        r, paid_at=NOON, status=WAITING, now=NOON + timedelta(minutes=1), zone=zone
    )
    assert not escalates_unhandled(
        r, paid_at=late, status=WAITING, now=late + timedelta(minutes=1), zone=zone
    )


def test_an_order_paid_before_closing_still_escalates_after_it(zone: ZoneInfo) -> None:
    """Paid at 21:59 with hours until 22:00, it escalates at 22:01."""
    r = parse_rule(shop_id=1, channel="webhook", url=URL, after_s=120, hours="10:00-22:00")
    paid = NOON + timedelta(hours=9, minutes=59)
    assert escalates_unhandled(
        r, paid_at=paid, status=WAITING, now=paid + timedelta(minutes=2), zone=zone
    )


def test_no_counter_fires_when_still_nobody_is_connected(zone: ZoneInfo) -> None:
    """An order nobody could hear escalates --no-counter-after seconds after it arrived."""
    r = parse_rule(shop_id=1, channel="webhook", url=URL, no_counter_after_s=30)
    arrival = Arrival(at=NOON, status=WAITING)
    now = NOON + timedelta(seconds=30)
    assert escalates_no_counter(r, arrival=arrival, status=WAITING, counters=0, now=now, zone=zone)


def test_no_counter_is_called_off_when_a_counter_connects(zone: ZoneInfo) -> None:
    """A counter connected by the deadline has caught up: no message."""
    r = parse_rule(shop_id=1, channel="webhook", url=URL, no_counter_after_s=30)
    arrival = Arrival(at=NOON, status=WAITING)
    now = NOON + timedelta(seconds=31)
    assert not escalates_no_counter(
        r, arrival=arrival, status=WAITING, counters=1, now=now, zone=zone
    )


def test_no_counter_waits_for_its_deadline(zone: ZoneInfo) -> None:
    """Before --no-counter-after has passed nothing is sent."""
    r = parse_rule(shop_id=1, channel="webhook", url=URL, no_counter_after_s=30)
    arrival = Arrival(at=NOON, status=WAITING)
    now = NOON + timedelta(seconds=29)
    assert not escalates_no_counter(
        r, arrival=arrival, status=WAITING, counters=0, now=now, zone=zone
    )


def test_no_counter_is_called_off_when_the_order_was_handled(zone: ZoneInfo) -> None:
    """An order accepted meanwhile (say, on the customer's phone call) does not escalate."""
    r = parse_rule(shop_id=1, channel="webhook", url=URL, no_counter_after_s=30)
    arrival = Arrival(at=NOON, status=WAITING)
    now = NOON + timedelta(seconds=30)
    assert not escalates_no_counter(
        r, arrival=arrival, status=OrderStatus.CONFIRMED, counters=0, now=now, zone=zone
    )


def test_a_reminder_on_an_accepted_order_nobody_hears_escalates(zone: ZoneInfo) -> None:
    """A reminder on a confirmed order (status 3) with no counter connected escalates."""
    r = parse_rule(shop_id=1, channel="webhook", url=URL, no_counter_after_s=30)
    arrival = Arrival(at=NOON, status=OrderStatus.CONFIRMED, reminder=True)
    now = NOON + timedelta(seconds=30)
    assert escalates_no_counter(
        r, arrival=arrival, status=OrderStatus.CONFIRMED, counters=0, now=now, zone=zone
    )


def test_no_counter_respects_the_hours(zone: ZoneInfo) -> None:
    """At 23:00 Shanghai time, outside 10:00-22:00, nobody is called."""
    r = parse_rule(shop_id=1, channel="webhook", url=URL, hours="10:00-22:00")
    late = NOON + timedelta(hours=11)
    arrival = Arrival(at=late, status=WAITING)
    assert not escalates_no_counter(
        r, arrival=arrival, status=WAITING, counters=0, now=late + timedelta(hours=1), zone=zone
    )


def test_a_reminder_on_an_escalated_waiting_order_escalates() -> None:
    """The customer hurries an order that escalated and is still not accepted."""
    assert escalates_reminder(escalated_before=True, status=WAITING, counters=2)


def test_a_reminder_on_an_order_that_never_escalated_does_not() -> None:
    """Reminders alone are the counters' business."""
    assert not escalates_reminder(escalated_before=False, status=WAITING, counters=0)


def test_a_reminder_on_an_accepted_order_with_a_counter_listening_does_not() -> None:
    """Accepted, and a counter hears the reminder: somebody reacts."""
    assert not escalates_reminder(escalated_before=True, status=OrderStatus.CONFIRMED, counters=1)


def test_a_reminder_on_an_accepted_order_nobody_hears_does() -> None:
    """Accepted but no counter connected: nobody hears the customer."""
    assert escalates_reminder(escalated_before=True, status=OrderStatus.CONFIRMED, counters=0)


def test_a_reminder_on_a_cancelled_order_does_not() -> None:
    """Cancelled and completed orders never escalate."""
    for status in (OrderStatus.CANCELLED, OrderStatus.COMPLETED):
        assert not escalates_reminder(escalated_before=True, status=status, counters=0)
