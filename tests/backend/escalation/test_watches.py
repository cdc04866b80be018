"""The engine's deadlines: scheduled from events, due at the right time, forgotten when handled."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from backend.escalation import Rule, Trigger, Watches, parse_rule
from orderbell_protocol import OrderStatus

T0 = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)


def rule(rule_id: int = 1, after_s: int = 120, no_counter_after_s: int = 30) -> Rule:
    parsed = parse_rule(
        shop_id=1,
        channel="webhook",
        url="https://x.test/h",
        after_s=after_s,
        no_counter_after_s=no_counter_after_s,
    )
    return replace(parsed, id=rule_id)


def paid(watches: Watches, order_id: int, rules: list[Rule], counters: int = 1) -> None:
    watches.paid(
        shop_id=1, order_id=order_id, paid_at=T0, arrived_at=T0, rules=rules, counters=counters
    )


def test_a_paid_order_is_due_at_its_after_deadline() -> None:
    """Trigger 1 is checked --after seconds after payment, not before."""
    watches = Watches()
    paid(watches, 7, [rule(after_s=120)])
    assert watches.due(T0 + timedelta(seconds=119)) == []
    [due] = watches.due(T0 + timedelta(seconds=120))
    assert (due.order_id, due.trigger, due.rule_id) == (7, Trigger.UNHANDLED, 1)


def test_a_check_is_handed_out_once() -> None:
    """A due check is no longer watched once handed out."""
    watches = Watches()
    paid(watches, 7, [rule()])
    assert len(watches.due(T0 + timedelta(hours=1))) == 1
    assert watches.due(T0 + timedelta(hours=2)) == []
    assert len(watches) == 0


def test_an_unheard_order_is_also_watched_for_no_counter() -> None:
    """With no counter connected at payment, trigger 2 is due --no-counter-after later."""
    watches = Watches()
    paid(watches, 7, [rule(no_counter_after_s=30)], counters=0)
    [due] = watches.due(T0 + timedelta(seconds=30))
    assert due.trigger is Trigger.NO_COUNTER
    assert due.arrival is not None
    assert due.arrival.status == OrderStatus.TO_BE_CONFIRMED


def test_a_heard_order_is_not_watched_for_no_counter() -> None:
    """A counter connected at payment heard it: only trigger 1 is watched."""
    watches = Watches()
    paid(watches, 7, [rule()], counters=2)
    assert {w.trigger for w in watches.due(T0 + timedelta(hours=1))} == {Trigger.UNHANDLED}


def test_each_rule_has_its_own_deadline() -> None:
    """The owner's rule at 2 minutes and the manager's at 5 fire separately."""
    watches = Watches()
    paid(watches, 7, [rule(1, after_s=120), rule(2, after_s=300)])
    assert [w.rule_id for w in watches.due(T0 + timedelta(seconds=120))] == [1]
    assert [w.rule_id for w in watches.due(T0 + timedelta(seconds=300))] == [2]


def test_an_accepted_order_is_forgotten() -> None:
    """Accepted before the deadline: nothing comes due for it."""
    watches = Watches()
    paid(watches, 7, [rule()], counters=0)
    watches.changed(7, OrderStatus.CONFIRMED)
    assert watches.due(T0 + timedelta(hours=1)) == []
    assert watches.next_due() is None


def test_other_orders_stay_watched_when_one_is_handled() -> None:
    """Handling order 7 leaves order 8's deadline in place."""
    watches = Watches()
    paid(watches, 7, [rule()])
    paid(watches, 8, [rule()])
    watches.changed(7, OrderStatus.CANCELLED)
    assert [w.order_id for w in watches.due(T0 + timedelta(hours=1))] == [8]


def test_a_reminder_asks_for_trigger_three_checks_at_once() -> None:
    """A reminder gives one trigger-3 check per rule, due now."""
    watches = Watches()
    checks = watches.reminded(
        shop_id=1,
        order_id=7,
        status=OrderStatus.TO_BE_CONFIRMED,
        arrived_at=T0,
        rules=[rule(1), rule(2)],
        counters=1,
    )
    assert [(c.trigger, c.rule_id, c.due) for c in checks] == [
        (Trigger.REMINDED, 1, T0),
        (Trigger.REMINDED, 2, T0),
    ]


def test_an_unheard_reminder_on_a_confirmed_order_survives_its_own_status() -> None:
    """A reminder on a confirmed order nobody hears stays watched while it is still confirmed."""
    watches = Watches()
    watches.reminded(
        shop_id=1,
        order_id=7,
        status=OrderStatus.CONFIRMED,
        arrived_at=T0,
        rules=[rule()],
        counters=0,
    )
    watches.changed(7, OrderStatus.CONFIRMED)
    [due] = watches.due(T0 + timedelta(seconds=30))
    assert due.trigger is Trigger.NO_COUNTER
    assert due.arrival is not None
    assert due.arrival.reminder


def test_a_reminder_on_a_finished_order_is_not_watched() -> None:
    """Completed or cancelled orders never escalate."""
    watches = Watches()
    checks = watches.reminded(
        shop_id=1,
        order_id=7,
        status=OrderStatus.COMPLETED,
        arrived_at=T0,
        rules=[rule()],
        counters=0,
    )
    assert checks == []
    assert len(watches) == 0


def test_the_same_order_is_watched_once_per_trigger_and_rule() -> None:
    """Seeing the payment twice (log replay after a restart) schedules one check."""
    watches = Watches()
    paid(watches, 7, [rule()])
    paid(watches, 7, [rule()])
    assert len(watches.due(T0 + timedelta(hours=1))) == 1


def test_removed_rules_are_no_longer_watched() -> None:
    """A rule removed by the owner drops its pending checks."""
    watches = Watches()
    paid(watches, 7, [rule(1), rule(2)])
    watches.drop_rules([1])
    assert [w.rule_id for w in watches.due(T0 + timedelta(hours=1))] == [2]


def test_next_due_skips_what_was_dropped() -> None:
    """The next deadline is that of a check still pending."""
    watches = Watches()
    paid(watches, 7, [rule(after_s=60)])
    paid(watches, 8, [rule(after_s=600)])
    watches.changed(7, OrderStatus.CONFIRMED)
    assert watches.next_due() == T0 + timedelta(seconds=600)


def test_many_handled_orders_do_not_pile_up() -> None:
    """Ten thousand orders accepted in time leave the heap small."""
    watches = Watches()
    for order_id in range(10_000):
        paid(watches, order_id, [rule(after_s=86_400)])
        watches.changed(order_id, OrderStatus.CONFIRMED)
    assert len(watches._heap) < 200
