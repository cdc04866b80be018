"""The deadlines an engine waits for: which order, which trigger, which rule, and when.

Pure: events, rules and the time come in; due checks come out. An order handled before its
deadline is forgotten here, so it never costs the database anything.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from backend.escalation.rules import Rule
from backend.escalation.triggers import (
    Arrival,
    Trigger,
    no_counter_deadline,
    unhandled_deadline,
)
from orderbell_protocol import WAITING_STATUSES, OrderStatus


@dataclass(eq=False, slots=True)
class Watch:
    """One check to make at ``due``: has this order escalated for this trigger and rule?"""

    due: datetime
    shop_id: int
    order_id: int
    trigger: Trigger
    rule_id: int
    arrival: Arrival | None = None  # trigger 2: the order or reminder nobody could hear
    cancelled: bool = field(default=False, compare=False)

    @property
    def key(self) -> tuple[int, Trigger, int]:
        """What fires at most once: the order, the trigger and the rule."""
        return (self.order_id, self.trigger, self.rule_id)


class Watches:
    """Pending checks in deadline order; a key (order, trigger, rule) is watched at most once."""

    def __init__(self) -> None:
        self._heap: list[tuple[datetime, int, Watch]] = []
        self._by_key: dict[tuple[int, Trigger, int], Watch] = {}
        self._by_order: dict[int, set[tuple[int, Trigger, int]]] = {}
        self._order = itertools.count()

    def __len__(self) -> int:
        """Checks still pending."""
        return len(self._by_key)

    def paid(
        self,
        *,
        shop_id: int,
        order_id: int,
        paid_at: datetime,
        arrived_at: datetime,
        rules: Sequence[Rule],
        counters: int,
    ) -> None:
        """A paid order reached the server: watch it for triggers 1 and (if unheard) 2."""
        for rule in rules:
            self._add(
                Watch(
                    unhandled_deadline(paid_at, rule), shop_id, order_id, Trigger.UNHANDLED, rule.id
                )
            )
            if counters == 0:
                arrival = Arrival(arrived_at, OrderStatus.TO_BE_CONFIRMED)
                self._add(self._unheard(shop_id, order_id, rule, arrival))

    def reminded(
        self,
        *,
        shop_id: int,
        order_id: int,
        status: int,
        arrived_at: datetime,
        rules: Sequence[Rule],
        counters: int,
    ) -> list[Watch]:
        """A reminder reached the server: watch it for trigger 2 if unheard.

        Returns the trigger-3 checks to make now, one per rule: whether the order had already
        escalated is the database's to say.
        """
        if status not in WAITING_STATUSES:
            return []
        if counters == 0:
            arrival = Arrival(arrived_at, status, reminder=True)
            for rule in rules:
                self._add(self._unheard(shop_id, order_id, rule, arrival))
        return [Watch(arrived_at, shop_id, order_id, Trigger.REMINDED, rule.id) for rule in rules]

    def changed(self, order_id: int, status: int) -> None:
        """An order-updated event: the order was accepted, rejected or refunded.

        Its pending checks go, except a trigger-2 check of a reminder whose order is still in
        the status it had then (the reminder itself is still unheard).
        """
        keys = self._by_order.get(order_id)
        if not keys or status == OrderStatus.TO_BE_CONFIRMED:
            return
        for key in list(keys):
            watch = self._by_key[key]
            still_waiting = (
                watch.arrival is not None
                and watch.arrival.reminder
                and status in WAITING_STATUSES
                and status == watch.arrival.status
            )
            if not still_waiting:
                self._drop(watch)

    def due(self, now: datetime) -> list[Watch]:
        """The checks whose deadline has come, earliest first; they are no longer watched."""
        found = []
        while self._heap and self._heap[0][0] <= now:
            _, _, watch = heapq.heappop(self._heap)
            if watch.cancelled:
                continue
            self._forget(watch)
            found.append(watch)
        return found

    def next_due(self) -> datetime | None:
        """The earliest pending deadline, if any."""
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def drop_rules(self, rule_ids: Iterable[int]) -> None:
        """Rules removed or changed: forget their checks (changed ones are watched anew)."""
        gone = set(rule_ids)
        for watch in [w for w in self._by_key.values() if w.rule_id in gone]:
            self._drop(watch)

    def _unheard(self, shop_id: int, order_id: int, rule: Rule, arrival: Arrival) -> Watch:
        return Watch(
            no_counter_deadline(arrival, rule),
            shop_id,
            order_id,
            Trigger.NO_COUNTER,
            rule.id,
            arrival,
        )

    def add(self, watch: Watch) -> None:
        """Watch this check (again); a pending one for the same key keeps the earlier deadline."""
        watch.cancelled = False
        self._add(watch)

    def _add(self, watch: Watch) -> None:
        existing = self._by_key.get(watch.key)
        if existing is not None:
            if existing.due <= watch.due:
                return  # already watched, as early or earlier
            self._drop(existing)
        self._by_key[watch.key] = watch
        self._by_order.setdefault(watch.order_id, set()).add(watch.key)
        heapq.heappush(self._heap, (watch.due, next(self._order), watch))

    def _drop(self, watch: Watch) -> None:
        watch.cancelled = True
        self._forget(watch)
        # Dropped checks wait in the heap for their deadline; past a point, rebuild it without.
        if len(self._heap) > 2 * len(self._by_key) + 64:
            self._heap = [entry for entry in self._heap if not entry[2].cancelled]
            heapq.heapify(self._heap)

    def _forget(self, watch: Watch) -> None:
        self._by_key.pop(watch.key, None)
        keys = self._by_order.get(watch.order_id)
        if keys is not None:
            keys.discard(watch.key)
            if not keys:
                del self._by_order[watch.order_id]
