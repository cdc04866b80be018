"""The escalation engine: watches every order and reminder, and decides when a phone must ring.

It sees every event the dispatcher publishes (this instance's and every other's), keeps the
deadlines in memory (``backend.escalation.Watches``), and forgets an order as soon as it is
accepted or rejected, so an order handled in time costs the database nothing. At a deadline
it asks the database, in one transaction that also writes the message, whether the order
still deserves it; the database lets each (order, trigger, rule) through once, whichever
instance asks first. At start-up it watches again what a restart may have interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from backend.escalation import (
    Rule,
    Trigger,
    Watch,
    Watches,
    escalates_no_counter,
    escalates_reminder,
    escalates_unhandled,
    masked_webhook_url,
)
from backend.escalation.rules import MAX_WAIT_S
from backend.presence import PresenceBoard
from backend.store import Database
from backend.store.escalation_rules import rules_by_shop
from backend.store.escalations import (
    OrderFacts,
    escalate,
    events_created_since,
    waiting_orders,
)
from orderbell_protocol import Event, EventType

log = logging.getLogger(__name__)

TICK_S = 1.0
RULES_RELOAD_S = 10.0
# Events read back at start-up to watch again what a restart interrupted.
RECOVERY_EVENTS = 5000


class EscalationEngine:
    """Decides escalations for this instance; ``observe`` every published event, ``run`` it.

    ``escalated`` is called after a decision wrote messages (the sender sends them).
    """

    def __init__(
        self,
        db: Database,
        presence: PresenceBoard,
        zone: ZoneInfo,
        clock: Callable[[], float],
        escalated: Callable[[], None],
        *,
        tick_s: float = TICK_S,
        rules_reload_s: float = RULES_RELOAD_S,
    ) -> None:
        self._db = db
        self._presence = presence
        self._zone = zone
        self._clock = clock
        self._escalated = escalated
        self._tick_s = tick_s
        self._rules_reload_s = rules_reload_s
        self._rules: dict[int, list[Rule]] = {}
        self._rule_by_id: dict[int, Rule] = {}
        self.watches = Watches()
        self._wake = asyncio.Event()
        self.checks = 0  # deadlines this instance has decided, escalated or not
        self.decided = 0  # messages written by this instance's decisions

    def observe(self, event: Event) -> None:
        """An event was published: watch paid orders and reminders, forget handled orders."""
        if event.type is EventType.ORDER_UPDATED:
            self.watches.changed(event.order_id, event.status)
            return
        rules = self._rules.get(event.shop_id)
        if not rules:
            return
        counters = self._presence.counters(event.shop_id)
        if event.type is EventType.NEW_ORDER:
            self.watches.paid(
                shop_id=event.shop_id,
                order_id=event.order_id,
                paid_at=event.order.paid_at or event.created_at,
                arrived_at=event.created_at,
                rules=rules,
                counters=counters,
            )
        elif event.type is EventType.REMINDER:
            for check in self.watches.reminded(
                shop_id=event.shop_id,
                order_id=event.order_id,
                status=event.status,
                arrived_at=event.created_at,
                rules=rules,
                counters=counters,
            ):
                self.watches.add(check)
            self._wake.set()

    def poke(self) -> None:
        """Look at the deadlines now rather than at the next tick."""
        self._wake.set()

    async def run(self) -> None:
        """Load the rules, watch what a restart interrupted, then decide at every deadline."""
        await self._start()
        next_reload = self._clock() + self._rules_reload_s
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._tick_s):
                    await self._wake.wait()
            self._wake.clear()
            try:
                if self._clock() >= next_reload:
                    next_reload = self._clock() + self._rules_reload_s
                    await self.reload_rules()
                await self.decide_due()
            except Exception:
                log.exception("escalation check failed; trying again shortly")

    async def decide_due(self) -> int:
        """Decide every check whose deadline has passed; returns the messages written."""
        written = 0
        for watch in self.watches.due(self._now()):
            try:
                written += await self._decide(watch)
                self.checks += 1
            except Exception:
                # Not lost: watched again a little later.
                log.exception("deciding escalation of order #%s failed", watch.order_id)
                watch.due = self._now() + timedelta(seconds=5)
                self.watches.add(watch)
        return written

    async def reload_rules(self) -> None:
        """Read the rules again (another process may have set or removed some)."""
        rules = await rules_by_shop(self._db)
        by_id = {rule.id: rule for shop_rules in rules.values() for rule in shop_rules}
        changed = {
            rule_id for rule_id, rule in self._rule_by_id.items() if by_id.get(rule_id) != rule
        }
        added = [rule for rule_id, rule in by_id.items() if self._rule_by_id.get(rule_id) != rule]
        self.watches.drop_rules(changed)
        self._rules, self._rule_by_id = rules, by_id
        if added:
            await self._watch_waiting({rule.shop_id for rule in added})

    async def _start(self) -> None:
        """Rules first, then orders paid but not yet answered, then the latest events."""
        while True:
            try:
                await self.reload_rules()
                break
            except Exception:
                log.exception("loading escalation rules failed; trying again")
                await asyncio.sleep(self._tick_s)
        if not self._rules:
            return
        window = max(rule.no_counter_after_s for rule in self._rule_by_id.values())
        try:
            for event in await events_created_since(
                self._db, self._now() - timedelta(seconds=window), RECOVERY_EVENTS
            ):
                if event.type is not EventType.REMINDER:  # reminders escalate as they come
                    self.observe(event)
        except Exception:
            log.exception("reading the latest events for escalation failed")

    async def _watch_waiting(self, shop_ids: set[int]) -> None:
        """Watch these shops' paid orders nobody has answered yet (trigger 1)."""
        since = self._now() - timedelta(seconds=MAX_WAIT_S)
        for order in await waiting_orders(self._db, sorted(shop_ids), since):
            self.watches.paid(
                shop_id=order.shop_id,
                order_id=order.order_id,
                paid_at=order.paid_at,
                arrived_at=order.paid_at,
                rules=self._rules.get(order.shop_id, []),
                counters=1,  # trigger 2 belongs to arrivals, not to a re-read
            )

    async def _decide(self, watch: Watch) -> int:
        rule = self._rule_by_id.get(watch.rule_id)
        if rule is None:
            return 0  # removed meanwhile
        now = self._now()
        zone = self._zone
        decide: Callable[[OrderFacts], bool]
        if watch.trigger is Trigger.UNHANDLED:

            def decide(facts: OrderFacts) -> bool:
                return facts.paid_at is not None and escalates_unhandled(
                    rule, paid_at=facts.paid_at, status=facts.status, now=now, zone=zone
                )

        elif watch.trigger is Trigger.NO_COUNTER:
            arrival = watch.arrival
            if arrival is None or await self._presence.count_now(watch.shop_id) > 0:
                return 0  # a counter connected and caught up

            def decide(facts: OrderFacts) -> bool:
                return escalates_no_counter(
                    rule, arrival=arrival, status=facts.status, counters=0, now=now, zone=zone
                )

        else:
            counters = await self._presence.count_now(watch.shop_id)

            def decide(facts: OrderFacts) -> bool:
                return escalates_reminder(
                    escalated_before=facts.escalated_before,
                    status=facts.status,
                    counters=counters,
                )

        notices = await escalate(
            self._db,
            order_id=watch.order_id,
            trigger=watch.trigger,
            rules=[rule],
            decide=decide,
            now=now,
        )
        for notice in notices:
            log.warning(
                "order %s of shop %s escalated (%s) through rule #%s: %s %s",
                notice.order_number,
                notice.shop_id,
                notice.reason,
                rule.id,
                rule.channel.value,
                masked_webhook_url(rule.url),
            )
        if notices:
            self.decided += len(notices)
            self._escalated()
        return len(notices)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)
