"""The escalation outbox: decided once per order, trigger and rule; claimed once; retried."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import pytest

from backend.escalation import GIVE_UP_AFTER, Answer, Rule, Trigger, parse_rule
from backend.store import Database, OrderView
from backend.store.escalation_rules import failing_rules, remove_rule, save_rule
from backend.store.escalations import (
    OrderFacts,
    any_due,
    claim_due,
    escalate,
    pending_count,
    record_attempt,
    release_claims,
)
from orderbell_protocol import OrderStatus

OrderStep = Callable[..., Awaitable[OrderView]]
URL = "https://example.com/hook"
ME, OTHER = "instance-a", "instance-b"
DELIVERED = Answer(True, "HTTP 204")
REFUSED = Answer(False, "HTTP 500")


async def stored_rule(db: Database, now: datetime, url: str = URL, shop_id: int = 1) -> Rule:
    rule, _ = await save_rule(db, parse_rule(shop_id=shop_id, channel="webhook", url=url), now)
    return rule


def waiting(facts: OrderFacts) -> bool:
    return facts.status == OrderStatus.TO_BE_CONFIRMED


OneMessage = Callable[[], Awaitable[tuple[Rule, OrderView]]]


@pytest.fixture
def one_message(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> OneMessage:
    """Pays an order of a shop with one rule and escalates it (trigger 1): one message due."""

    async def make() -> tuple[Rule, OrderView]:
        rule = await stored_rule(db, now)
        order = await pay_order(await place_order())
        await escalate(
            db, order_id=order.id, trigger=Trigger.UNHANDLED, rules=[rule], decide=waiting, now=now
        )
        return rule, order

    return make


async def test_an_escalation_is_written_with_the_orders_facts(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """The notice names the order, its tail number, amount and how long it waited."""
    rule = await stored_rule(db, now)
    order = await pay_order(await place_order())
    later = order.paid_at + timedelta(seconds=125)  # type: ignore[operator]
    [notice] = await escalate(
        db, order_id=order.id, trigger=Trigger.UNHANDLED, rules=[rule], decide=waiting, now=later
    )
    assert (notice.order_id, notice.order_number, notice.phone_tail) == (
        order.id,
        order.number,
        "8000",
    )
    assert (notice.amount_fen, notice.waited_s, notice.trigger) == (
        order.amount_fen,
        125,
        Trigger.UNHANDLED,
    )
    assert await pending_count(db) == 1


async def test_the_same_trigger_fires_once_per_order_and_rule(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """Deciding again (another instance, a replay) writes nothing more."""
    rule = await stored_rule(db, now)
    order = await pay_order(await place_order())
    args = {"order_id": order.id, "trigger": Trigger.UNHANDLED, "rules": [rule], "decide": waiting}
    assert len(await escalate(db, now=now, **args)) == 1  # type: ignore[arg-type]
    assert await escalate(db, now=now, **args) == []  # type: ignore[arg-type]
    assert await pending_count(db) == 1


async def test_concurrent_decisions_write_one_message(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """Five decisions at once for one order and rule leave exactly one message."""
    rule = await stored_rule(db, now)
    order = await pay_order(await place_order())
    results = await asyncio.gather(
        *(
            escalate(
                db,
                order_id=order.id,
                trigger=Trigger.NO_COUNTER,
                rules=[rule],
                decide=waiting,
                now=now,
            )
            for _ in range(5)
        )
    )
    assert sorted(len(notices) for notices in results) == [0, 0, 0, 0, 1]


async def test_each_rule_gets_its_own_message(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """Two rules of the shop: two messages, each with its own stable id."""
    rules = [await stored_rule(db, now), await stored_rule(db, now, "https://example.org/x")]
    order = await pay_order(await place_order())
    notices = await escalate(
        db, order_id=order.id, trigger=Trigger.UNHANDLED, rules=rules, decide=waiting, now=now
    )
    assert len({notice.id for notice in notices}) == 2


async def test_a_handled_order_is_not_escalated(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """When the decision (made inside the transaction) says no, nothing is written."""
    rule = await stored_rule(db, now)
    order = await pay_order(await place_order())
    notices = await escalate(
        db,
        order_id=order.id,
        trigger=Trigger.UNHANDLED,
        rules=[rule],
        decide=lambda facts: False,
        now=now,
    )
    assert notices == []
    assert await pending_count(db) == 0


async def test_a_reminder_sees_whether_the_order_escalated_before(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """The decision for trigger 3 learns that trigger 1 already fired for the order."""
    rule = await stored_rule(db, now)
    order = await pay_order(await place_order())
    seen: list[bool] = []

    def remember(facts: OrderFacts) -> bool:
        seen.append(facts.escalated_before)
        return facts.escalated_before

    base = {"order_id": order.id, "rules": [rule], "now": now}
    assert await escalate(db, trigger=Trigger.REMINDED, decide=remember, **base) == []  # type: ignore[arg-type]
    await escalate(db, trigger=Trigger.UNHANDLED, decide=waiting, **base)  # type: ignore[arg-type]
    assert len(await escalate(db, trigger=Trigger.REMINDED, decide=remember, **base)) == 1  # type: ignore[arg-type]
    assert seen == [False, True]


async def test_a_due_message_is_claimed_once(
    db: Database, one_message: OneMessage, now: datetime
) -> None:
    """Claimed by one instance, the message is not handed to another during the lease."""
    rule, _ = await one_message()
    [claim] = await claim_due(db, ME, now, lease_s=60, limit=10)
    assert (claim.attempts, claim.rule.id) == (1, rule.id)
    assert await claim_due(db, OTHER, now, lease_s=60, limit=10) == []
    # A claim whose holder vanished expires with its lease.
    [taken_over] = await claim_due(db, OTHER, now + timedelta(seconds=61), lease_s=60, limit=10)
    assert taken_over.attempts == 2


async def test_concurrent_claims_hand_each_message_to_one_instance(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """Ten instances claiming at once share the messages without overlap."""
    rule = await stored_rule(db, now)
    for _ in range(6):
        order = await pay_order(await place_order())
        await escalate(
            db, order_id=order.id, trigger=Trigger.UNHANDLED, rules=[rule], decide=waiting, now=now
        )
    batches = await asyncio.gather(
        *(claim_due(db, f"instance-{n}", now, lease_s=60, limit=2) for n in range(10))
    )
    claimed = [claim.escalation_id for batch in batches for claim in batch]
    assert len(claimed) == len(set(claimed)) == 6


async def test_a_delivered_message_is_done(
    db: Database, one_message: OneMessage, now: datetime
) -> None:
    """Once delivered nothing is pending and nothing is claimed again."""
    await one_message()
    [claim] = await claim_due(db, ME, now, lease_s=60, limit=10)
    outcome = await record_attempt(db, claim, ME, DELIVERED, now)
    assert outcome.sent
    assert await pending_count(db) == 0
    assert await claim_due(db, ME, now + timedelta(hours=1), lease_s=60, limit=10) == []


async def test_a_refused_message_is_tried_again_after_the_back_off(
    db: Database, one_message: OneMessage, now: datetime
) -> None:
    """After a first refusal the message is due again 5 s later, not before."""
    await one_message()
    [claim] = await claim_due(db, ME, now, lease_s=60, limit=10)
    outcome = await record_attempt(db, claim, ME, REFUSED, now)
    assert outcome.retry_at == now + timedelta(seconds=5)
    assert outcome.rule_failing_since == now
    assert await claim_due(db, ME, now + timedelta(seconds=4), lease_s=60, limit=10) == []
    [again] = await claim_due(db, ME, now + timedelta(seconds=5), lease_s=60, limit=10)
    assert again.attempts == 2


async def test_a_rule_failing_for_an_hour_is_reported_until_it_delivers(
    db: Database, one_message: OneMessage, now: datetime
) -> None:
    """failing_since keeps the first refusal; a delivery clears it."""
    await one_message()
    moment = now
    for _ in range(3):
        [claim] = await claim_due(db, ME, moment, lease_s=60, limit=10)
        await record_attempt(db, claim, ME, REFUSED, moment)
        moment += timedelta(minutes=40)
    [standing] = await failing_rules(db, moment - timedelta(hours=1))
    assert (standing.failing_since, standing.last_error) == (now, "HTTP 500")
    [claim] = await claim_due(db, ME, moment, lease_s=60, limit=10)
    await record_attempt(db, claim, ME, DELIVERED, moment)
    assert await failing_rules(db, moment) == []


async def test_a_message_is_given_up_after_a_day(
    db: Database, one_message: OneMessage, now: datetime
) -> None:
    """A refusal whose retry would fall past 24 h ends the message as failed."""
    await one_message()
    late = now + GIVE_UP_AFTER - timedelta(seconds=1)
    [claim] = await claim_due(db, ME, late, lease_s=60, limit=10)
    outcome = await record_attempt(db, claim, ME, REFUSED, late)
    assert outcome.gave_up
    assert await pending_count(db) == 0


async def test_released_claims_are_due_at_once(
    db: Database, one_message: OneMessage, now: datetime
) -> None:
    """An instance stopping lets go of its claims: another takes them without waiting."""
    await one_message()
    await claim_due(db, ME, now, lease_s=60, limit=10)
    assert await release_claims(db, ME) == 1
    assert len(await claim_due(db, OTHER, now, lease_s=60, limit=10)) == 1


async def test_removing_a_rule_drops_its_waiting_messages(
    db: Database, one_message: OneMessage, now: datetime
) -> None:
    """Messages for a removed rule are not sent."""
    rule, _ = await one_message()
    await remove_rule(db, rule.id)
    assert await pending_count(db) == 0
    assert await claim_due(db, ME, now, lease_s=60, limit=10) == []


@pytest.mark.parametrize("order_id", [0, 2**31 - 1])
async def test_an_unknown_order_escalates_nothing(
    db: Database, now: datetime, order_id: int
) -> None:
    """No order, no message."""
    rule = await stored_rule(db, now)
    notices = await escalate(
        db, order_id=order_id, trigger=Trigger.UNHANDLED, rules=[rule], decide=waiting, now=now
    )
    assert notices == []


async def test_whether_anything_is_due_is_answered_by_a_read(
    db: Database, one_message: OneMessage, now: datetime
) -> None:
    """Nothing due before the message; due once written; not due while waiting for a retry."""
    assert not await any_due(db, now)
    await one_message()
    assert await any_due(db, now)
    [claim] = await claim_due(db, ME, now, lease_s=60, limit=10)
    await record_attempt(db, claim, ME, REFUSED, now)
    assert not await any_due(db, now + timedelta(seconds=4))
    assert await any_due(db, now + timedelta(seconds=5))
