"""Each channel's request and how its answer is judged, built from an injected time."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from backend.escalation import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Channel,
    Notice,
    Trigger,
    build_delivery,
    judge_answer,
    parse_rule,
)

NOW_S = 1_764_136_800.25
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


def test_wecom_sends_a_text_message_with_mentions(zone: ZoneInfo) -> None:
    """WeCom gets msgtype text, the content, and the numbers to mention."""
    rule = parse_rule(
        shop_id=1, channel="wecom", url="https://x.test/send?key=k", mentions=["13800138000"]
    )
    delivery = build_delivery(rule, NOTICE, zone, NOW_S)
    body = json.loads(delivery.body)
    assert delivery.url == "https://x.test/send?key=k"
    assert body["msgtype"] == "text"
    assert "2 分钟无人接单" in body["text"]["content"]
    assert body["text"]["mentioned_mobile_list"] == ["13800138000"]


def test_dingtalk_signs_in_the_url_with_milliseconds(zone: ZoneInfo) -> None:
    """A DingTalk secret adds timestamp (ms) and a URL-encoded sign to the existing query."""
    rule = parse_rule(
        shop_id=1, channel="dingtalk", url="https://x.test/robot/send?access_token=t", secret="S"
    )
    delivery = build_delivery(rule, NOTICE, zone, NOW_S)
    query = parse_qs(urlsplit(delivery.url).query)
    assert query["access_token"] == ["t"]
    assert query["timestamp"] == ["1764136800250"]
    assert len(query["sign"][0]) == 44  # base64 of 32 bytes, decoded back from its URL form
    raw_sign = urlsplit(delivery.url).query.split("sign=")[1]
    assert raw_sign.endswith("%3D")  # base64's padding, URL-encoded once


def test_dingtalk_mentions_appear_in_the_text_and_at(zone: ZoneInfo) -> None:
    """DingTalk shows an @ only when the number is in the text too."""
    rule = parse_rule(
        shop_id=1, channel="dingtalk", url="https://x.test/r", mentions=["13800138000"]
    )
    body = json.loads(build_delivery(rule, NOTICE, zone, NOW_S).body)
    assert body["at"]["atMobiles"] == ["13800138000"]
    assert body["text"]["content"].endswith("@13800138000")


def test_dingtalk_without_a_secret_keeps_the_url(zone: ZoneInfo) -> None:
    """No secret (keyword or IP security instead): the URL is sent as configured."""
    rule = parse_rule(shop_id=1, channel="dingtalk", url="https://x.test/r?access_token=t")
    assert build_delivery(rule, NOTICE, zone, NOW_S).url == "https://x.test/r?access_token=t"


def test_feishu_signs_in_the_body_with_seconds(zone: ZoneInfo) -> None:
    """A Feishu secret puts timestamp (s, as text) and sign into the JSON body."""
    rule = parse_rule(shop_id=1, channel="feishu", url="https://x.test/hook/h", secret="S")
    body = json.loads(build_delivery(rule, NOTICE, zone, NOW_S).body)
    assert body["timestamp"] == "1764136800"
    assert body["msg_type"] == "text"
    assert "订单号 20261126140512345678" in body["content"]["text"]
    assert len(body["sign"]) == 44


def test_the_webhook_carries_the_facts_and_a_stable_id(zone: ZoneInfo) -> None:
    """The generic webhook's JSON has the order's facts, the reason, the text and the id."""
    rule = parse_rule(shop_id=1, channel="webhook", url="https://x.test/h", secret="S")
    delivery = build_delivery(rule, NOTICE, zone, NOW_S)
    body = json.loads(delivery.body)
    assert body["id"] == NOTICE.id
    assert (body["shopId"], body["orderId"], body["orderNumber"]) == (
        1,
        42,
        "20261126140512345678",
    )
    assert (body["reason"], body["trigger"]) == ("2 分钟无人接单", "unhandled")
    assert (body["waitedSeconds"], body["amountFen"]) == (121, 6600)
    assert delivery.headers[TIMESTAMP_HEADER] == "1764136800"
    assert delivery.headers[SIGNATURE_HEADER].startswith("sha256=")


def test_an_unsigned_webhook_has_no_signature_header(zone: ZoneInfo) -> None:
    """Without a secret there is nothing to sign with."""
    rule = parse_rule(shop_id=1, channel="webhook", url="https://x.test/h")
    assert SIGNATURE_HEADER not in build_delivery(rule, NOTICE, zone, NOW_S).headers


def test_the_same_notice_gives_the_same_body_at_another_time(zone: ZoneInfo) -> None:
    """A retry sends the same message; only timestamps and signatures move."""
    rule = parse_rule(shop_id=1, channel="webhook", url="https://x.test/h", secret="S")
    first = build_delivery(rule, NOTICE, zone, NOW_S)
    later = build_delivery(rule, NOTICE, zone, NOW_S + 600)
    assert first.body == later.body
    assert first.headers[SIGNATURE_HEADER] != later.headers[SIGNATURE_HEADER]


def test_robots_deliver_only_on_code_zero() -> None:
    """errcode/code 0 with HTTP 200 is delivered; anything else is not."""
    assert judge_answer(Channel.WECOM, 200, b'{"errcode":0,"errmsg":"ok"}').delivered
    assert judge_answer(Channel.DINGTALK, 200, b'{"errcode":0}').delivered
    assert judge_answer(Channel.FEISHU, 200, b'{"code":0,"msg":"success"}').delivered
    refused = judge_answer(Channel.DINGTALK, 200, b'{"errcode":310000,"errmsg":"sign not match"}')
    assert not refused.delivered
    assert refused.detail == "HTTP 200 errcode 310000: sign not match"


def test_robot_answers_that_are_not_json_are_failures() -> None:
    """A proxy's HTML page or an HTTP error is not a delivery."""
    assert not judge_answer(Channel.WECOM, 200, b"<html>").delivered
    assert not judge_answer(Channel.WECOM, 200, b"[0]").delivered
    assert not judge_answer(Channel.WECOM, 502, b'{"errcode":0}').delivered
    assert not judge_answer(Channel.FEISHU, 200, b'{"code":"0"}').delivered


def test_a_webhook_delivers_on_any_2xx() -> None:
    """204 and 202 deliver, 301 and 500 do not."""
    assert judge_answer(Channel.WEBHOOK, 204, b"").delivered
    assert judge_answer(Channel.WEBHOOK, 202, b"").delivered
    assert not judge_answer(Channel.WEBHOOK, 301, b"").delivered
    assert not judge_answer(Channel.WEBHOOK, 500, b"").delivered


def test_hostile_answer_text_is_made_printable_and_short() -> None:
    """Control characters and lone surrogates in an answer do not reach the log as they are."""
    body = json.dumps({"errcode": 1, "errmsg": "bad\n\x00\ud800" + "x" * 500}).encode()
    detail = judge_answer(Channel.WECOM, 200, body).detail
    assert detail.isprintable()
    assert len(detail) <= 200
