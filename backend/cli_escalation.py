"""``orderbell-server escalation`` and ``presence``: the phone rules, and who is connected."""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from backend.escalation import (
    DEFAULT_AFTER_S,
    DEFAULT_NO_COUNTER_AFTER_S,
    Notice,
    Rule,
    masked_webhook_url,
    parse_rule,
)
from backend.escalation_sender import deliver
from backend.presence import EXPIRY_S
from backend.settings import Settings
from backend.store import Database
from backend.store.escalation_rules import RuleStanding, list_rules, remove_rule, save_rule
from backend.store.presence import PresentCounter, present_counters


def add_commands(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    with_env: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
) -> None:
    """Register ``escalation set|list|remove|test`` and ``presence``."""
    escalation = with_env(
        commands.add_parser("escalation", help="who hears about orders no counter answers")
    )
    sub = escalation.add_subparsers(dest="escalation_command", required=True)
    put = _inner_env(sub.add_parser("set", help="add a rule, or change the one with this URL"))
    put.add_argument("--shop", type=int, required=True)
    put.add_argument("--channel", required=True, help="wecom, dingtalk, feishu or webhook")
    put.add_argument("--url", required=True, help="the robot's webhook URL")
    put.add_argument("--secret", help="signing secret (DingTalk, Feishu, webhook)")
    put.add_argument(
        "--after",
        type=int,
        default=DEFAULT_AFTER_S,
        metavar="SECONDS",
        help=f"a paid order unanswered this long escalates (default {DEFAULT_AFTER_S})",
    )
    put.add_argument(
        "--no-counter-after",
        type=int,
        default=DEFAULT_NO_COUNTER_AFTER_S,
        metavar="SECONDS",
        help="an order or reminder arriving while no counter is connected escalates after "
        f"this long without one (default {DEFAULT_NO_COUNTER_AFTER_S})",
    )
    put.add_argument("--hours", metavar="HH:MM-HH:MM", help="only during these opening hours")
    put.add_argument("--mention", nargs="+", default=[], metavar="PHONE", help="numbers to @")
    listing = _inner_env(sub.add_parser("list", help="list rules (secrets never shown)"))
    listing.add_argument("--shop", type=int)
    remove = _inner_env(sub.add_parser("remove", help="remove a rule by its number"))
    remove.add_argument("id", type=int)
    test = _inner_env(sub.add_parser("test", help="send a test message through a shop's rules"))
    test.add_argument("--shop", type=int, required=True)
    escalation.set_defaults(run_with_settings=run_escalation)

    presence = with_env(commands.add_parser("presence", help="which counters are connected"))
    presence.add_argument("--shop", type=int)
    presence.set_defaults(run_with_settings=run_presence)


def _inner_env(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
    # ``escalation set ... --env-file F`` as well as ``escalation --env-file F set ...``;
    # a value given before the sub-command is not reset here.
    sub.add_argument(
        "--env-file", type=Path, default=argparse.SUPPRESS, help="read settings from this file"
    )
    return sub


async def run_escalation(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    """Carry out one ``escalation`` sub-command on the server's database."""
    command = args.escalation_command
    if command == "set":
        rule = parse_rule(
            shop_id=args.shop,
            channel=args.channel,
            url=args.url,
            secret=args.secret,
            after_s=args.after,
            no_counter_after_s=args.no_counter_after,
            hours=args.hours,
            mentions=args.mention,
        )
        stored, created = await save_rule(db, rule, datetime.now(UTC))
        verb = "added" if created else "changed"
        print(f"escalation rule #{stored.id} {verb} for shop {stored.shop_id}:")
        print(f"  {rule_summary(stored)}")
        print(f"send a test message: orderbell-server escalation test --shop {stored.shop_id}")
        return 0
    if command == "list":
        standings = await list_rules(db, args.shop)
        if not standings:
            print("no escalation rules" + (f" for shop {args.shop}" if args.shop else ""))
        for standing in standings:
            print(standing_line(standing, settings.zone))
        return 0
    if command == "remove":
        if await remove_rule(db, args.id):
            print(f"escalation rule #{args.id} removed; its unsent messages are dropped")
            return 0
        print(f"no escalation rule #{args.id}", file=sys.stderr)
        return 1
    return await _send_tests(args.shop, settings.zone, db)


async def _send_tests(shop_id: int, zone: ZoneInfo, db: Database) -> int:
    standings = await list_rules(db, shop_id)
    if not standings:
        print(
            f"shop {shop_id} has no escalation rules; add one with: "
            f"orderbell-server escalation set --shop {shop_id} ...",
            file=sys.stderr,
        )
        return 1
    failed = 0
    async with httpx.AsyncClient() as client:
        for standing in standings:
            rule = standing.rule
            answer = await deliver(client, rule, test_notice(shop_id), zone, _now_s())
            state = "delivered" if answer.delivered else "NOT delivered"
            print(f"rule #{rule.id} {rule.channel.value} {masked_webhook_url(rule.url)}: ", end="")
            print(f"{state} ({answer.detail})")
            failed += not answer.delivered
    return 1 if failed else 0


def test_notice(shop_id: int) -> Notice:
    """A message that says it is a test, for no order."""
    return Notice(
        id=uuid.uuid4().hex,
        shop_id=shop_id,
        order_id=0,
        order_number="",
        phone_tail="",
        amount_fen=0,
        waited_s=0,
        trigger=None,
    )


async def run_presence(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    """Print the counters connected to any live server instance, by shop."""
    fresh_since = datetime.now(UTC) - timedelta(seconds=EXPIRY_S)
    counters = await present_counters(db, fresh_since, shop_id=args.shop)
    if not counters:
        where = f"shop {args.shop}" if args.shop is not None else "any shop"
        print(f"no counter of {where} is connected")
        return 0
    for counter in _by_device(counters):
        print(presence_line(counter, settings.zone))
    return 0


def _by_device(counters: list[PresentCounter]) -> list[PresentCounter]:
    """One line per counter PC, even while it is connected to two instances."""
    merged: dict[int, PresentCounter] = {}
    for counter in counters:
        known = merged.get(counter.device_id)
        if known is None or counter.connected_since < known.connected_since:
            merged[counter.device_id] = counter
    return sorted(merged.values(), key=lambda c: (c.shop_id, c.connected_since, c.device_id))


def presence_line(counter: PresentCounter, zone: ZoneInfo) -> str:
    """``shop 1  #3 front counter  connected since 14:05:12  last pong 14:20:01``."""
    since = counter.connected_since.astimezone(zone)
    pong = (
        "no pong yet"
        if counter.last_pong is None
        else f"last pong {counter.last_pong.astimezone(zone):%H:%M:%S}"
    )
    return (
        f"shop {counter.shop_id}\t#{counter.device_id} {counter.name}\t"
        f"connected since {since:%Y-%m-%d %H:%M:%S}\t{pong}"
    )


def rule_summary(rule: Rule) -> str:
    """What a rule does, in one line, without its secret or the key in its URL."""
    hours = f"during {rule.hours}" if rule.hours else "all day"
    mentions = f", @{len(rule.mentions)} number(s)" if rule.mentions else ""
    secret = "signed" if rule.secret else "unsigned"
    return (
        f"{rule.channel.value} {masked_webhook_url(rule.url)} ({secret}): "
        f"after {rule.after_s} s unanswered, {rule.no_counter_after_s} s without a counter, "
        f"{hours}{mentions}"
    )


def standing_line(standing: RuleStanding, zone: ZoneInfo) -> str:
    """``#3  shop 1  <summary>  ok`` or ``... failing since 2026-12-03 14:05 (HTTP 500)``."""
    rule = standing.rule
    state = "ok"
    if standing.failing_since is not None:
        since = standing.failing_since.astimezone(zone)
        state = f"failing since {since:%Y-%m-%d %H:%M} ({standing.last_error})"
    return f"#{rule.id}\tshop {rule.shop_id}\t{rule_summary(rule)}\t{state}"


def _now_s() -> float:
    return datetime.now(UTC).timestamp()
