"""Escalation rules in the database: set twice is one rule, listing, removing, failing ones."""

from __future__ import annotations

from datetime import datetime, timedelta

from backend.escalation import Channel, parse_rule
from backend.store import Database
from backend.store.escalation_rules import (
    failing_rules,
    list_rules,
    remove_rule,
    rules_by_shop,
    save_rule,
)

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=t1"


async def test_a_rule_is_stored_with_everything_the_owner_set(db: Database, now: datetime) -> None:
    """Channel, URL, secret, waits, hours and mentions come back as set."""
    rule = parse_rule(
        shop_id=3,
        channel="dingtalk",
        url=DINGTALK,
        secret="SECabc",
        after_s=90,
        no_counter_after_s=15,
        hours="18:00-02:00",
        mentions=["13800138000"],
    )
    stored, created = await save_rule(db, rule, now)
    assert created
    assert stored.id > 0
    [standing] = await list_rules(db, 3)
    assert standing.rule == stored
    assert str(standing.rule.hours) == "18:00-02:00"
    assert standing.failing_since is None


async def test_setting_the_same_channel_and_url_again_updates_it(
    db: Database, now: datetime
) -> None:
    """A second set for the same shop, channel and URL changes the rule instead of adding one."""
    first, _ = await save_rule(db, parse_rule(shop_id=1, channel="wecom", url=WECOM), now)
    again, created = await save_rule(
        db, parse_rule(shop_id=1, channel="wecom", url=WECOM, after_s=300), now
    )
    assert not created
    assert again.id == first.id
    [standing] = await list_rules(db)
    assert standing.rule.after_s == 300


async def test_a_shop_may_have_several_rules(db: Database, now: datetime) -> None:
    """The owner's WeCom group and a manager's DingTalk are two rules of one shop."""
    await save_rule(db, parse_rule(shop_id=1, channel="wecom", url=WECOM), now)
    await save_rule(db, parse_rule(shop_id=1, channel="dingtalk", url=DINGTALK), now)
    await save_rule(db, parse_rule(shop_id=2, channel="wecom", url=WECOM), now)
    grouped = await rules_by_shop(db)
    assert [rule.channel for rule in grouped[1]] == [Channel.WECOM, Channel.DINGTALK]
    assert len(grouped[2]) == 1
    assert [standing.rule.shop_id for standing in await list_rules(db, 2)] == [2]


async def test_removing_a_rule(db: Database, now: datetime) -> None:
    """A removed rule is gone; removing it again (or an unknown id) says so."""
    rule, _ = await save_rule(db, parse_rule(shop_id=1, channel="wecom", url=WECOM), now)
    assert await remove_rule(db, rule.id)
    assert await list_rules(db) == []
    assert not await remove_rule(db, rule.id)
    assert not await remove_rule(db, 999)


async def test_no_rule_is_failing_at_first(db: Database, now: datetime) -> None:
    """A new rule is not reported as failing."""
    await save_rule(db, parse_rule(shop_id=1, channel="wecom", url=WECOM), now)
    assert await failing_rules(db, now + timedelta(hours=2)) == []
