"""Each channel's wire format: the request that carries a notice, and what counts as delivered.

Pure: the time is passed in, so every request, signature included, is reproducible.

- WeCom (企业微信) group robot: JSON ``{"msgtype": "text", "text": {"content",
  "mentioned_mobile_list"}}``; delivered when HTTP 200 carries ``errcode`` 0. No signing: the
  key in the URL is the secret.
- DingTalk (钉钉) robot: ``{"msgtype": "text", "text": {"content"}, "at": {"atMobiles"}}``;
  with a secret the URL gets ``timestamp`` (ms) and ``sign``, the base64 HMAC-SHA256 of
  ``timestamp + "\\n" + secret`` keyed by the secret, URL-encoded; delivered on ``errcode`` 0.
- Feishu (飞书) bot: ``{"msg_type": "text", "content": {"text"}}``; with a secret the body
  also carries ``timestamp`` (s) and ``sign``, the base64 HMAC-SHA256 of an empty message
  keyed by ``timestamp + "\\n" + secret``; delivered on ``code`` 0.
- Generic webhook: the notice as JSON, ``OrderBell-Timestamp`` (s) and, with a secret,
  ``OrderBell-Signature: sha256=<hex HMAC-SHA256 of "timestamp.body">``; any 2xx delivers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from backend.escalation.message import Notice, compose_text
from backend.escalation.rules import Channel, Rule

TIMESTAMP_HEADER = "OrderBell-Timestamp"
SIGNATURE_HEADER = "OrderBell-Signature"
# What a receiver's answer may add to a log line or a listing: enough to say what went wrong.
MAX_DETAIL_CHARS = 200


@dataclass(frozen=True, slots=True)
class Delivery:
    """One HTTP POST: where to, which headers, and the exact body bytes."""

    url: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Answer:
    """What the receiver said: delivered or not, and a short reason fit for logs."""

    delivered: bool
    detail: str


def build_delivery(rule: Rule, notice: Notice, zone: ZoneInfo, now_s: float) -> Delivery:
    """The request that carries ``notice`` through the rule's channel at time ``now_s``."""
    text = compose_text(notice, zone)
    if rule.channel is Channel.WECOM:
        return _wecom(rule, text)
    if rule.channel is Channel.DINGTALK:
        return _dingtalk(rule, text, now_s)
    if rule.channel is Channel.FEISHU:
        return _feishu(rule, text, now_s)
    return _webhook(rule, notice, text, now_s)


def judge_answer(channel: Channel, status: int, body: bytes) -> Answer:
    """Whether the receiver took the message: the channel's success code, or any 2xx."""
    if channel is Channel.WEBHOOK:
        return Answer(200 <= status < 300, f"HTTP {status}")
    if status != 200:
        return Answer(False, f"HTTP {status}")
    key = "code" if channel is Channel.FEISHU else "errcode"
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return Answer(False, "HTTP 200 but the answer is not JSON")
    if not isinstance(data, dict):
        return Answer(False, "HTTP 200 but the answer is not a JSON object")
    code = data.get(key)
    message = data.get("msg" if channel is Channel.FEISHU else "errmsg")
    detail = f"HTTP 200 {key} {code!r}"
    if isinstance(message, str) and message:
        detail += f": {_printable(message)}"
    return Answer(type(code) is int and code == 0, detail[:MAX_DETAIL_CHARS])


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's ``sign``: base64 HMAC-SHA256 of ``timestamp\\nsecret`` keyed by the secret."""
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's ``sign``: base64 HMAC-SHA256 of nothing, keyed by ``timestamp\\nsecret``."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def webhook_signature(secret: str, timestamp_s: int, body: bytes) -> str:
    """``sha256=`` and the hex HMAC-SHA256 of ``timestamp.body`` keyed by the secret."""
    signed = str(timestamp_s).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def webhook_body(notice: Notice, text: str, mentions: tuple[str, ...]) -> dict[str, Any]:
    """The generic webhook's JSON: the order's facts, the reason, the text and a stable id."""
    return {
        "id": notice.id,
        "shopId": notice.shop_id,
        "orderId": notice.order_id,
        "orderNumber": notice.order_number,
        "reason": notice.reason,
        "trigger": notice.trigger_code,
        "waitedSeconds": notice.waited_s,
        "amountFen": notice.amount_fen,
        "text": text,
        "mentions": list(mentions),
    }


def _wecom(rule: Rule, text: str) -> Delivery:
    content: dict[str, Any] = {"content": text}
    if rule.mentions:
        content["mentioned_mobile_list"] = list(rule.mentions)
    return Delivery(rule.url, _JSON, _encode({"msgtype": "text", "text": content}))


def _dingtalk(rule: Rule, text: str, now_s: float) -> Delivery:
    # DingTalk shows the @ only when the number is also in the text.
    if rule.mentions:
        text += "\n" + " ".join(f"@{phone}" for phone in rule.mentions)
    body = {
        "msgtype": "text",
        "text": {"content": text},
        "at": {"atMobiles": list(rule.mentions), "isAtAll": False},
    }
    url = rule.url
    if rule.secret:
        timestamp_ms = int(now_s * 1000)
        sign = quote(dingtalk_sign(rule.secret, timestamp_ms), safe="")
        url += ("&" if "?" in url else "?") + f"timestamp={timestamp_ms}&sign={sign}"
    return Delivery(url, _JSON, _encode(body))


def _feishu(rule: Rule, text: str, now_s: float) -> Delivery:
    body: dict[str, Any] = {}
    if rule.secret:
        timestamp_s = int(now_s)
        body = {"timestamp": str(timestamp_s), "sign": feishu_sign(rule.secret, timestamp_s)}
    body |= {"msg_type": "text", "content": {"text": text}}
    return Delivery(rule.url, _JSON, _encode(body))


def _webhook(rule: Rule, notice: Notice, text: str, now_s: float) -> Delivery:
    body = _encode(webhook_body(notice, text, rule.mentions))
    timestamp_s = int(now_s)
    headers = dict(_JSON)
    headers[TIMESTAMP_HEADER] = str(timestamp_s)
    if rule.secret:
        headers[SIGNATURE_HEADER] = webhook_signature(rule.secret, timestamp_s, body)
    return Delivery(rule.url, headers, body)


_JSON = {"Content-Type": "application/json; charset=utf-8"}


def _encode(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else " " for ch in text)
