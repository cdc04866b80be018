"""Sending one message over real HTTP to local stand-ins that check it as the services do."""

from __future__ import annotations

import logging
import time
from zoneinfo import ZoneInfo

import httpx
import pytest

from backend.escalation import Notice, Rule, Trigger, parse_rule
from backend.escalation_sender import deliver
from tests.channel_receivers import (
    DINGTALK_SECRET,
    DINGTALK_TOKEN,
    FEISHU_HOOK,
    FEISHU_SECRET,
    WEBHOOK_SECRET,
    WECOM_KEY,
    Receivers,
)

NOTICE = Notice(
    id="6c1f0a8e4b2d4f0e9a7b3c5d1e2f3a4b",
    shop_id=1,
    order_id=42,
    order_number="20261126140512345678",
    phone_tail="5678",
    amount_fen=6600,
    waited_s=121,
    trigger=Trigger.UNHANDLED,
    after_s=120,
)


async def send(rule: Rule, zone: ZoneInfo, now_s: float | None = None) -> tuple[bool, str]:
    async with httpx.AsyncClient() as client:
        answer = await deliver(client, rule, NOTICE, zone, time.time() if now_s is None else now_s)
    return answer.delivered, answer.detail


async def test_wecom_robot_takes_the_message(receivers: Receivers, zone: ZoneInfo) -> None:
    """The WeCom stand-in accepts the text and the mentioned numbers."""
    rule = parse_rule(shop_id=1, channel="wecom", url=receivers.wecom_url, mentions=["13800138000"])
    assert await send(rule, zone) == (True, "HTTP 200 errcode 0: ok")
    [got] = receivers.accepted
    assert "2 分钟无人接单" in got.text
    assert got.mentions == ("13800138000",)


async def test_dingtalk_robot_checks_the_signature(receivers: Receivers, zone: ZoneInfo) -> None:
    """The DingTalk stand-in recomputes timestamp+sign with the secret and accepts."""
    rule = parse_rule(
        shop_id=1, channel="dingtalk", url=receivers.dingtalk_url, secret=DINGTALK_SECRET
    )
    assert (await send(rule, zone))[0]
    assert receivers.accepted[0].channel == "dingtalk"


async def test_dingtalk_refuses_a_wrong_secret(receivers: Receivers, zone: ZoneInfo) -> None:
    """Signed with another secret, DingTalk answers errcode 310000: not delivered."""
    rule = parse_rule(shop_id=1, channel="dingtalk", url=receivers.dingtalk_url, secret="SECx")
    assert await send(rule, zone) == (False, "HTTP 200 errcode 310000: sign not match")
    assert not receivers.accepted


async def test_dingtalk_refuses_an_hour_old_timestamp(receivers: Receivers, zone: ZoneInfo) -> None:
    """A signature made with a clock more than an hour off is refused."""
    rule = parse_rule(
        shop_id=1, channel="dingtalk", url=receivers.dingtalk_url, secret=DINGTALK_SECRET
    )
    delivered, _ = await send(rule, zone, now_s=time.time() - 3700)
    assert not delivered
    assert receivers.refused == ["dingtalk: stale or missing timestamp"]


async def test_feishu_bot_checks_the_signature(receivers: Receivers, zone: ZoneInfo) -> None:
    """The Feishu stand-in recomputes the sign keyed by timestamp+secret and accepts."""
    rule = parse_rule(shop_id=1, channel="feishu", url=receivers.feishu_url, secret=FEISHU_SECRET)
    assert await send(rule, zone) == (True, "HTTP 200 code 0: success")
    assert "订单号 20261126140512345678" in receivers.accepted[0].text


async def test_feishu_refuses_a_wrong_secret(receivers: Receivers, zone: ZoneInfo) -> None:
    """Feishu answers code 19021 to a bad sign: not delivered."""
    rule = parse_rule(shop_id=1, channel="feishu", url=receivers.feishu_url, secret="nope")
    delivered, detail = await send(rule, zone)
    assert not delivered
    assert detail.startswith("HTTP 200 code 19021")


async def test_webhook_receiver_checks_the_signature(receivers: Receivers, zone: ZoneInfo) -> None:
    """The webhook stand-in recomputes sha256=HMAC(timestamp.body) and answers 204."""
    rule = parse_rule(
        shop_id=1, channel="webhook", url=receivers.webhook_url, secret=WEBHOOK_SECRET
    )
    assert await send(rule, zone) == (True, "HTTP 204")
    body = receivers.accepted[0].body
    assert (body["id"], body["orderId"], body["amountFen"]) == (NOTICE.id, 42, 6600)


async def test_webhook_refuses_a_wrong_secret(receivers: Receivers, zone: ZoneInfo) -> None:
    """Signed with another secret the webhook answers 401: not delivered."""
    rule = parse_rule(shop_id=1, channel="webhook", url=receivers.webhook_url, secret="other")
    assert await send(rule, zone) == (False, "HTTP 401")


async def test_a_failing_receiver_is_not_a_delivery(receivers: Receivers, zone: ZoneInfo) -> None:
    """HTTP 500 from the robot means try again later."""
    receivers.failures = [500]
    rule = parse_rule(shop_id=1, channel="wecom", url=receivers.wecom_url)
    assert await send(rule, zone) == (False, "HTTP 500")


async def test_an_unreachable_receiver_is_an_answer_not_a_crash(zone: ZoneInfo) -> None:
    """Nothing listening: the answer says it could not connect."""
    rule = parse_rule(shop_id=1, channel="wecom", url="http://127.0.0.1:9/send?key=k")
    assert await send(rule, zone) == (False, "could not connect (ConnectError)")


async def test_keys_and_secrets_never_reach_the_logs(
    receivers: Receivers, zone: ZoneInfo, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG, nothing logged while sending holds the WeCom key or a signing secret."""
    caplog.set_level(logging.DEBUG)
    rules = [
        parse_rule(shop_id=1, channel="wecom", url=receivers.wecom_url),
        parse_rule(
            shop_id=1, channel="dingtalk", url=receivers.dingtalk_url, secret=DINGTALK_SECRET
        ),
        parse_rule(shop_id=1, channel="feishu", url=receivers.feishu_url, secret=FEISHU_SECRET),
    ]
    for rule in rules:
        await send(rule, zone)
    assert len(receivers.accepted) == 3
    # The stand-ins' own access log is theirs (a real robot's), not the server's.
    ours = [record for record in caplog.records if record.name != "uvicorn.access"]
    logged = "\n".join(record.getMessage() for record in ours)
    for secret in (WECOM_KEY, DINGTALK_TOKEN, DINGTALK_SECRET, FEISHU_HOOK, FEISHU_SECRET):
        assert secret not in logged
