"""Escalation rules: which phone hears about a shop's unanswered orders, and when."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit

from backend.escalation.errors import InvalidRule
from backend.escalation.hours import OpeningHours, parse_hours

# Production values: two minutes without anyone accepting a paid order, and half a minute
# without any counter PC connected to hear it.
DEFAULT_AFTER_S = 120
DEFAULT_NO_COUNTER_AFTER_S = 30
# A day: later than that a message no longer helps the customer.
MAX_WAIT_S = 24 * 3600
MAX_SHOP_ID = 2**31 - 1
MAX_URL_CHARS = 2000
MAX_SECRET_CHARS = 256
MAX_MENTIONS = 20
_PHONE = re.compile(r"\+?[0-9]{6,15}")


class Channel(Enum):
    """Where an escalation goes: a group robot, or any HTTP endpoint."""

    WECOM = "wecom"
    DINGTALK = "dingtalk"
    FEISHU = "feishu"
    WEBHOOK = "webhook"

    @property
    def label(self) -> str:
        """The channel's name as a Chinese restaurant owner knows it."""
        return _LABELS[self]


_LABELS = {
    Channel.WECOM: "企业微信",
    Channel.DINGTALK: "钉钉",
    Channel.FEISHU: "飞书",
    Channel.WEBHOOK: "webhook",
}


@dataclass(frozen=True, slots=True)
class Rule:
    """One escalation rule of one shop (``id`` is 0 until the rule is stored)."""

    id: int
    shop_id: int
    channel: Channel
    url: str
    secret: str | None
    after_s: int
    no_counter_after_s: int
    hours: OpeningHours | None
    mentions: tuple[str, ...]

    def __repr__(self) -> str:
        # The URL carries the robot's key and the secret signs for it: neither goes to a log.
        return (
            f"Rule(id={self.id}, shop_id={self.shop_id}, channel={self.channel.value}, "
            f"url={masked_webhook_url(self.url)!r}, secret={'***' if self.secret else None}, "
            f"after_s={self.after_s}, no_counter_after_s={self.no_counter_after_s}, "
            f"hours={str(self.hours) if self.hours else None}, mentions={len(self.mentions)})"
        )


def parse_rule(
    *,
    shop_id: int,
    channel: str,
    url: str,
    secret: str | None = None,
    after_s: int = DEFAULT_AFTER_S,
    no_counter_after_s: int = DEFAULT_NO_COUNTER_AFTER_S,
    hours: str | None = None,
    mentions: tuple[str, ...] | list[str] = (),
) -> Rule:
    """A checked rule from what the owner typed; the first problem raises InvalidRule."""
    kind = parse_channel(channel)
    secret = check_secret(kind, secret)
    return Rule(
        id=0,
        shop_id=check_shop(shop_id),
        channel=kind,
        url=check_url(url),
        secret=secret,
        after_s=check_seconds("--after", after_s),
        no_counter_after_s=check_seconds("--no-counter-after", no_counter_after_s),
        hours=None if hours is None else parse_hours(hours),
        mentions=check_mentions(kind, mentions),
    )


def parse_channel(text: str) -> Channel:
    """``wecom``, ``dingtalk``, ``feishu`` or ``webhook``."""
    try:
        return Channel(text.strip().lower())
    except ValueError:
        names = ", ".join(channel.value for channel in Channel)
        raise InvalidRule(f"unknown channel {text[:40]!r}: use one of {names}") from None


def check_shop(shop_id: int) -> int:
    """A shop id is a positive 32-bit number, as the orders table keeps it."""
    if type(shop_id) is not int or not 1 <= shop_id <= MAX_SHOP_ID:
        raise InvalidRule(f"a shop id is a whole number from 1 to {MAX_SHOP_ID}")
    return shop_id


def check_seconds(option: str, value: int) -> int:
    """Any whole number of seconds from 1 up to a day."""
    if type(value) is not int or not 1 <= value <= MAX_WAIT_S:
        raise InvalidRule(f"{option} takes whole seconds from 1 to {MAX_WAIT_S} (a day)")
    return value


def check_url(url: str) -> str:
    """An http(s) URL with a host, in plain ASCII, that a robot's webhook can be."""
    url = url.strip()
    if not url or len(url) > MAX_URL_CHARS:
        raise InvalidRule(f"the URL must be 1 to {MAX_URL_CHARS} characters")
    if not url.isascii() or any(ch <= " " or ch == "\x7f" for ch in url):
        raise InvalidRule("the URL must be plain ASCII without spaces (percent-encode the rest)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidRule(f"the URL is malformed: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidRule("the URL must start with https:// (or http:// on a private network)")
    if not parts.hostname:
        raise InvalidRule("the URL has no host name")
    if port == 0:
        raise InvalidRule("the URL's port must be 1 to 65535")
    if parts.fragment:
        raise InvalidRule("the URL must not have a #fragment")
    return url


def check_secret(channel: Channel, secret: str | None) -> str | None:
    """The signing secret: printable ASCII, and only for channels that sign."""
    if secret is None:
        return None
    if channel is Channel.WECOM:
        raise InvalidRule(
            "WeCom group robots do not sign messages: leave out --secret "
            "(the key in the robot's URL is its secret)"
        )
    if not 1 <= len(secret) <= MAX_SECRET_CHARS or not all("!" <= ch <= "~" for ch in secret):
        raise InvalidRule(
            f"the secret must be 1 to {MAX_SECRET_CHARS} printable ASCII characters, no spaces"
        )
    return secret


def check_mentions(channel: Channel, mentions: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Mobile numbers to @-mention; at most 20, each 6 to 15 digits with an optional '+'."""
    if not mentions:
        return ()
    if channel is Channel.FEISHU:
        raise InvalidRule(
            "Feishu custom bots cannot mention people by mobile number: leave out --mention"
        )
    if len(mentions) > MAX_MENTIONS:
        raise InvalidRule(f"at most {MAX_MENTIONS} numbers can be mentioned")
    checked = []
    for phone in mentions:
        if not (phone.isascii() and _PHONE.fullmatch(phone)):
            raise InvalidRule(f"{phone[:40]!r} is not a mobile number (6 to 15 digits)")
        if phone not in checked:
            checked.append(phone)
    return tuple(checked)


def masked_webhook_url(url: str) -> str:
    """The URL fit for logs and listings: host and path kept, keys and tokens masked.

    Every query value is masked (WeCom's ``key``, DingTalk's ``access_token``), and so is
    every path segment long enough to be a token (Feishu's hook id).
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "***"
    segments = ["***" if len(segment) >= 16 else segment for segment in parts.path.split("/")]
    shown = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{'/'.join(segments)}"
    if parts.query:
        names = [pair.partition("=")[0] for pair in parts.query.split("&")]
        shown += "?" + "&".join(f"{name}=***" for name in names)
    return shown
