"""The escalation outbox: deciding an escalation once, and delivering it until it arrives.

An escalation is decided in one transaction that reads the order and writes the message: the
unique (order, trigger, rule) key lets exactly one decision through, whichever server instance
makes it. The sender then claims due messages (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
two instances never claim the same one), sends them, and records each attempt.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, exists, func, or_, select, update

from backend.escalation import (
    Answer,
    Notice,
    Rule,
    Trigger,
    next_attempt_at,
    notice_from_json,
    notice_to_json,
)
from backend.store.database import Database, WriteTransaction, rows_changed
from backend.store.escalation_rules import rule_of
from backend.store.events import row_to_event
from backend.store.order_view import phone_tail
from backend.store.schema import ESCALATION_RULES, ESCALATIONS, EVENTS, ORDERS
from backend.store.timestamps import as_utc
from backend.store.upserts import insert_or_skip
from orderbell_protocol import Event, OrderStatus

PENDING, SENT, FAILED, DROPPED = "pending", "sent", "failed", "dropped"
MAX_ERROR_CHARS = 200


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What a trigger decision needs to know about the order, read inside the transaction."""

    order_id: int
    shop_id: int
    number: str
    phone_tail: str
    amount_fen: int
    status: int
    paid_at: datetime | None
    reminder_count: int
    escalated_before: bool  # trigger 1 or 2 already fired for it


@dataclass(frozen=True, slots=True)
class Claim:
    """A message this instance may send now, and the rule it goes through."""

    escalation_id: int
    attempts: int  # including this one
    created_at: datetime
    notice: Notice
    rule: Rule


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    """What recording an attempt decided."""

    sent: bool
    retry_at: datetime | None  # None once sent, or given up
    gave_up: bool
    rule_failing_since: datetime | None


async def escalate(
    db: Database,
    *,
    order_id: int,
    trigger: Trigger,
    rules: Sequence[Rule],
    decide: Callable[[OrderFacts], bool],
    now: datetime,
) -> list[Notice]:
    """Decide and, if ``decide`` says so, write one message per rule; returns the new ones.

    A rule whose (order, trigger) already escalated, here or on another instance, gets nothing.
    """
    return await db.write(_escalate, order_id, trigger, list(rules), decide, as_utc(now))


def _escalate(
    transaction: WriteTransaction,
    order_id: int,
    trigger: Trigger,
    rules: list[Rule],
    decide: Callable[[OrderFacts], bool],
    now: datetime,
) -> list[Notice]:
    facts = _order_facts(transaction, order_id)
    if facts is None or not rules or not decide(facts):
        return []
    waiting_since = facts.paid_at or now
    notices = []
    for rule in rules:
        notice = Notice(
            id=uuid.uuid4().hex,
            shop_id=facts.shop_id,
            order_id=facts.order_id,
            order_number=facts.number,
            phone_tail=facts.phone_tail,
            amount_fen=facts.amount_fen,
            waited_s=max(0, int((now - waiting_since).total_seconds())),
            trigger=trigger,
            after_s=rule.after_s,
            reminder_count=facts.reminder_count or None,
            paid_at=facts.paid_at,
        )
        written = transaction.execute(
            insert_or_skip(transaction.connection, ESCALATIONS)
            .values(
                public_id=notice.id,
                rule_id=rule.id,
                shop_id=facts.shop_id,
                order_id=facts.order_id,
                trigger=int(trigger),
                notice=notice_to_json(notice),
                created_at=now,
                state=PENDING,
                attempts=0,
                next_attempt_at=now,
            )
            .on_conflict_do_nothing(index_elements=["order_id", "trigger", "rule_id"])
            .returning(ESCALATIONS.c.id)
        ).scalar()
        if written is not None:
            notices.append(notice)
    return notices


def _order_facts(transaction: WriteTransaction, order_id: int) -> OrderFacts | None:
    # On PostgreSQL the row lock orders this decision against an accept committing right now;
    # SQLite lets one writer in at a time anyway.
    row = transaction.execute(
        select(
            ORDERS.c.id,
            ORDERS.c.shop_id,
            ORDERS.c.number,
            ORDERS.c.phone,
            ORDERS.c.amount_fen,
            ORDERS.c.status,
            ORDERS.c.paid_at,
            ORDERS.c.reminder_count,
        )
        .where(ORDERS.c.id == order_id)
        .with_for_update()
    ).one_or_none()
    if row is None:
        return None
    escalated = transaction.execute(
        select(
            exists().where(
                ESCALATIONS.c.order_id == order_id,
                ESCALATIONS.c.trigger.in_([int(Trigger.UNHANDLED), int(Trigger.NO_COUNTER)]),
            )
        )
    ).scalar_one()
    return OrderFacts(
        order_id=row.id,
        shop_id=row.shop_id,
        number=row.number,
        phone_tail=phone_tail(row.phone),
        amount_fen=row.amount_fen,
        status=row.status,
        paid_at=row.paid_at,
        reminder_count=row.reminder_count,
        escalated_before=bool(escalated),
    )


async def any_due(db: Database, now: datetime) -> bool:
    """Whether some message is due now; a read, so an idle sender takes no write lock."""
    return await db.read(_any_due, as_utc(now))


def _any_due(connection: Connection, now: datetime) -> bool:
    due = select(
        exists().where(ESCALATIONS.c.state == PENDING, ESCALATIONS.c.next_attempt_at <= now)
    )
    return bool(connection.execute(due).scalar_one())


async def claim_due(
    db: Database, instance_id: str, now: datetime, lease_s: float, limit: int
) -> list[Claim]:
    """Claim up to ``limit`` messages due now for ``lease_s`` seconds; none is claimed twice."""
    return await db.write(_claim_due, instance_id, as_utc(now), lease_s, limit)


def _claim_due(
    transaction: WriteTransaction, instance_id: str, now: datetime, lease_s: float, limit: int
) -> list[Claim]:
    free = or_(ESCALATIONS.c.claimed_until.is_(None), ESCALATIONS.c.claimed_until < now)
    due = (
        transaction.execute(
            select(ESCALATIONS.c.id)
            .where(ESCALATIONS.c.state == PENDING, ESCALATIONS.c.next_attempt_at <= now, free)
            .order_by(ESCALATIONS.c.next_attempt_at, ESCALATIONS.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        .scalars()
        .all()
    )
    if not due:
        return []
    claimed = transaction.execute(
        update(ESCALATIONS)
        .where(ESCALATIONS.c.id.in_(due), ESCALATIONS.c.state == PENDING, free)
        .values(
            claimed_by=instance_id,
            claimed_until=now + timedelta(seconds=lease_s),
            attempts=ESCALATIONS.c.attempts + 1,
        )
        .returning(
            ESCALATIONS.c.id,
            ESCALATIONS.c.rule_id,
            ESCALATIONS.c.attempts,
            ESCALATIONS.c.created_at,
            ESCALATIONS.c.notice,
        )
    ).all()
    rule_ids = {row.rule_id for row in claimed}
    rules = {
        row.id: rule_of(row)
        for row in transaction.execute(
            select(ESCALATION_RULES).where(ESCALATION_RULES.c.id.in_(rule_ids))
        )
    }
    claims = []
    for row in sorted(claimed, key=lambda found: found.id):
        rule = rules.get(row.rule_id)
        if rule is None:
            # Its rule was removed after the message was written: nobody to send it to.
            _finish(transaction, row.id, DROPPED, "rule removed", now)
            continue
        claims.append(
            Claim(row.id, row.attempts, row.created_at, notice_from_json(row.notice), rule)
        )
    return claims


async def record_attempt(
    db: Database, claim: Claim, instance_id: str, answer: Answer, now: datetime
) -> AttemptOutcome:
    """Record how an attempt went: sent, tried again later, or given up after a day."""
    return await db.write(_record_attempt, claim, instance_id, answer, as_utc(now))


def _record_attempt(
    transaction: WriteTransaction, claim: Claim, instance_id: str, answer: Answer, now: datetime
) -> AttemptOutcome:
    detail = answer.detail[:MAX_ERROR_CHARS]
    rules = ESCALATION_RULES.c
    if answer.delivered:
        _finish(transaction, claim.escalation_id, SENT, None, now)
        transaction.execute(
            update(ESCALATION_RULES)
            .where(rules.id == claim.rule.id)
            .values(failing_since=None, last_error=None)
        )
        return AttemptOutcome(True, None, False, None)
    retry_at = next_attempt_at(claim.created_at, claim.attempts, now)
    if retry_at is None:
        _finish(transaction, claim.escalation_id, FAILED, detail, now)
    else:
        transaction.execute(
            update(ESCALATIONS)
            .where(ESCALATIONS.c.id == claim.escalation_id, ESCALATIONS.c.state == PENDING)
            .values(
                next_attempt_at=retry_at,
                claimed_by=None,
                claimed_until=None,
                last_error=detail,
            )
        )
    failing_since = transaction.execute(
        update(ESCALATION_RULES)
        .where(rules.id == claim.rule.id)
        .values(
            failing_since=func.coalesce(rules.failing_since, now),
            last_error=detail,
        )
        .returning(rules.failing_since)
    ).scalar()
    return AttemptOutcome(False, retry_at, retry_at is None, failing_since)


def _finish(
    transaction: WriteTransaction, escalation_id: int, state: str, error: str | None, now: datetime
) -> None:
    transaction.execute(
        update(ESCALATIONS)
        .where(ESCALATIONS.c.id == escalation_id)
        .values(
            state=state,
            sent_at=now if state == SENT else None,
            claimed_by=None,
            claimed_until=None,
            last_error=error,
        )
    )


async def release_claims(db: Database, instance_id: str) -> int:
    """Let go of this instance's claims (at shutdown), so another takes them over at once."""
    return await db.write(_release_claims, instance_id)


def _release_claims(transaction: WriteTransaction, instance_id: str) -> int:
    released = transaction.execute(
        update(ESCALATIONS)
        .where(ESCALATIONS.c.claimed_by == instance_id, ESCALATIONS.c.state == PENDING)
        .values(claimed_by=None, claimed_until=None)
    )
    return rows_changed(released)


async def pending_count(db: Database) -> int:
    """Messages still to be delivered (for /healthz)."""
    return await db.read(_pending_count)


def _pending_count(connection: Connection) -> int:
    count: int = connection.execute(
        select(func.count()).select_from(ESCALATIONS).where(ESCALATIONS.c.state == PENDING)
    ).scalar_one()
    return count


@dataclass(frozen=True, slots=True)
class WaitingOrder:
    """A paid order nobody has accepted or rejected yet."""

    order_id: int
    shop_id: int
    paid_at: datetime


async def waiting_orders(
    db: Database, shop_ids: Sequence[int], paid_since: datetime
) -> list[WaitingOrder]:
    """These shops' orders still waiting (status 2) that were paid since ``paid_since``."""
    if not shop_ids:
        return []
    return await db.read(_waiting_orders, sorted(set(shop_ids)), as_utc(paid_since))


def _waiting_orders(
    connection: Connection, shop_ids: list[int], paid_since: datetime
) -> list[WaitingOrder]:
    rows = connection.execute(
        select(ORDERS.c.id, ORDERS.c.shop_id, ORDERS.c.paid_at)
        .where(
            ORDERS.c.shop_id.in_(shop_ids),
            ORDERS.c.status == int(OrderStatus.TO_BE_CONFIRMED),
            ORDERS.c.paid_at >= paid_since,
        )
        .order_by(ORDERS.c.id)
    )
    return [WaitingOrder(row.id, row.shop_id, row.paid_at) for row in rows]


async def events_created_since(db: Database, since: datetime, limit: int) -> list[Event]:
    """The newest events created at or after ``since`` (at most ``limit``), oldest first.

    Read backwards from the end of the log by id, so only the recent tail is touched.
    """
    return await db.read(_events_created_since, as_utc(since), limit)


def _events_created_since(connection: Connection, since: datetime, limit: int) -> list[Event]:
    newest: Select[Any] = (
        select(EVENTS.c.id, EVENTS.c.payload).order_by(EVENTS.c.id.desc()).limit(limit)
    )
    found = []
    for row in connection.execute(newest):
        event = row_to_event(row)
        if event.created_at < since:
            break
        found.append(event)
    found.reverse()
    return found
