"""Escalation rules in the database: set, list, remove, and how each one is faring."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, select, update

from backend.escalation import Rule, parse_channel, parse_hours
from backend.store.database import Database, WriteTransaction, rows_changed
from backend.store.schema import ESCALATION_RULES, ESCALATIONS
from backend.store.timestamps import as_utc


@dataclass(frozen=True, slots=True)
class RuleStanding:
    """A stored rule and how delivering through it went lately."""

    rule: Rule
    failing_since: datetime | None  # first refused attempt since the last delivery
    last_error: str | None


async def save_rule(db: Database, rule: Rule, now: datetime) -> tuple[Rule, bool]:
    """Store the rule; the same shop, channel and URL update the one stored. True when new."""
    return await db.write(_save_rule, rule, as_utc(now))


def _save_rule(transaction: WriteTransaction, rule: Rule, now: datetime) -> tuple[Rule, bool]:
    values = {
        "secret": rule.secret,
        "after_s": rule.after_s,
        "no_counter_after_s": rule.no_counter_after_s,
        "hours": None if rule.hours is None else str(rule.hours),
        "mentions": list(rule.mentions),
        "updated_at": now,
    }
    existing = transaction.execute(
        select(ESCALATION_RULES.c.id).where(
            ESCALATION_RULES.c.shop_id == rule.shop_id,
            ESCALATION_RULES.c.channel == rule.channel.value,
            ESCALATION_RULES.c.url == rule.url,
        )
    ).scalar()
    if existing is not None:
        transaction.execute(
            update(ESCALATION_RULES).where(ESCALATION_RULES.c.id == existing).values(**values)
        )
        return replace(rule, id=existing), False
    rule_id: int = transaction.execute(
        ESCALATION_RULES.insert()
        .values(
            shop_id=rule.shop_id,
            channel=rule.channel.value,
            url=rule.url,
            created_at=now,
            **values,
        )
        .returning(ESCALATION_RULES.c.id)
    ).scalar_one()
    return replace(rule, id=rule_id), True


async def list_rules(db: Database, shop_id: int | None = None) -> list[RuleStanding]:
    """Every rule, or one shop's, oldest first, with how its deliveries are going."""
    return await db.read(_list_rules, shop_id)


def _list_rules(connection: Connection, shop_id: int | None) -> list[RuleStanding]:
    query = select(ESCALATION_RULES).order_by(ESCALATION_RULES.c.id)
    if shop_id is not None:
        query = query.where(ESCALATION_RULES.c.shop_id == shop_id)
    return [
        RuleStanding(rule_of(row), row.failing_since, row.last_error)
        for row in connection.execute(query)
    ]


async def rules_by_shop(db: Database) -> dict[int, list[Rule]]:
    """Every rule grouped by shop: what the escalation engine keeps in memory."""
    grouped: dict[int, list[Rule]] = {}
    for standing in await list_rules(db):
        grouped.setdefault(standing.rule.shop_id, []).append(standing.rule)
    return grouped


async def remove_rule(db: Database, rule_id: int) -> bool:
    """Remove a rule; messages of it still waiting to be sent are dropped. False if unknown."""
    return await db.write(_remove_rule, rule_id)


def _remove_rule(transaction: WriteTransaction, rule_id: int) -> bool:
    removed = transaction.execute(delete(ESCALATION_RULES).where(ESCALATION_RULES.c.id == rule_id))
    if rows_changed(removed) != 1:
        return False
    transaction.execute(
        update(ESCALATIONS)
        .where(ESCALATIONS.c.rule_id == rule_id, ESCALATIONS.c.state == "pending")
        .values(state="dropped", last_error="rule removed")
    )
    return True


async def failing_rules(db: Database, since: datetime) -> list[RuleStanding]:
    """Rules whose every delivery has been refused since ``since`` or earlier."""
    return await db.read(_failing_rules, as_utc(since))


def _failing_rules(connection: Connection, since: datetime) -> list[RuleStanding]:
    query = (
        select(ESCALATION_RULES)
        .where(ESCALATION_RULES.c.failing_since <= since)
        .order_by(ESCALATION_RULES.c.id)
    )
    return [
        RuleStanding(rule_of(row), row.failing_since, row.last_error)
        for row in connection.execute(query)
    ]


def rule_of(row: Row[Any]) -> Rule:
    """The rule a row of ``escalation_rules`` holds."""
    mentions: Sequence[str] = row.mentions or ()
    return Rule(
        id=row.id,
        shop_id=row.shop_id,
        channel=parse_channel(row.channel),
        url=row.url,
        secret=row.secret,
        after_s=row.after_s,
        no_counter_after_s=row.no_counter_after_s,
        hours=None if row.hours is None else parse_hours(row.hours),
        mentions=tuple(mentions),
    )
