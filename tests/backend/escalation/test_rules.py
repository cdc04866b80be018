"""Escalation rules: what an owner may type, and the clear refusals of everything else."""

from __future__ import annotations

import pytest

from backend.escalation import (
    DEFAULT_AFTER_S,
    DEFAULT_NO_COUNTER_AFTER_S,
    Channel,
    InvalidRule,
    masked_webhook_url,
    parse_rule,
)

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"


def test_defaults_are_the_production_values() -> None:
    """Without --after and --no-counter-after a rule waits 120 s and 30 s."""
    rule = parse_rule(shop_id=1, channel="wecom", url=WECOM)
    assert (rule.after_s, rule.no_counter_after_s) == (DEFAULT_AFTER_S, DEFAULT_NO_COUNTER_AFTER_S)
    assert (DEFAULT_AFTER_S, DEFAULT_NO_COUNTER_AFTER_S) == (120, 30)


def test_channel_names_are_case_insensitive() -> None:
    """'DingTalk' names the DingTalk channel."""
    rule = parse_rule(shop_id=1, channel=" DingTalk ", url="https://oapi.dingtalk.com/robot/send")
    assert rule.channel is Channel.DINGTALK


def test_unknown_channel_is_refused_naming_the_known_ones() -> None:
    """An unknown channel gets a message listing the four channels."""
    with pytest.raises(InvalidRule, match="wecom, dingtalk, feishu, webhook"):
        parse_rule(shop_id=1, channel="telegram", url=WECOM)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("qyapi.weixin.qq.com/send", "https://"),
        ("ftp://example.com/hook", "https://"),
        ("https:///no-host", "no host"),
        ("https://example.com:99999/hook", "malformed"),
        ("https://example.com/a b", "without spaces"),
        ("https://例子.cn/hook", "ASCII"),
        ("https://example.com/\x00", "without spaces"),
        ("https://example.com/\ud800", "ASCII"),
        ("https://example.com/hook#frag", "fragment"),
        ("", "1 to 2000"),
        ("https://example.com/" + "a" * 2000, "1 to 2000"),
    ],
)
def test_malformed_urls_are_refused(url: str, why: str) -> None:
    """A URL that cannot be a robot's webhook is refused with a reason."""
    with pytest.raises(InvalidRule, match=why):
        parse_rule(shop_id=1, channel="webhook", url=url)


@pytest.mark.parametrize("seconds", [0, -1, 86401, 2**70])
def test_after_must_be_whole_seconds_from_one_to_a_day(seconds: int) -> None:
    """--after outside 1..86400 is refused."""
    with pytest.raises(InvalidRule, match="--after takes whole seconds"):
        parse_rule(shop_id=1, channel="wecom", url=WECOM, after_s=seconds)


def test_no_counter_after_is_checked_too() -> None:
    """--no-counter-after 0 is refused, naming the option."""
    with pytest.raises(InvalidRule, match="--no-counter-after"):
        parse_rule(shop_id=1, channel="wecom", url=WECOM, no_counter_after_s=0)


def test_a_few_seconds_are_accepted_for_demos() -> None:
    """--after 1 and --no-counter-after 1 are valid."""
    rule = parse_rule(shop_id=1, channel="wecom", url=WECOM, after_s=1, no_counter_after_s=1)
    assert (rule.after_s, rule.no_counter_after_s) == (1, 1)


@pytest.mark.parametrize("shop", [0, -3, 2**31, 2**63])
def test_shop_ids_outside_the_database_range_are_refused(shop: int) -> None:
    """A shop id must fit the orders table's 32-bit column."""
    with pytest.raises(InvalidRule, match="shop id"):
        parse_rule(shop_id=shop, channel="wecom", url=WECOM)


def test_wecom_takes_no_secret() -> None:
    """WeCom robots do not sign, so a secret is a misunderstanding worth explaining."""
    with pytest.raises(InvalidRule, match="WeCom group robots do not sign"):
        parse_rule(shop_id=1, channel="wecom", url=WECOM, secret="SECabc")


@pytest.mark.parametrize("secret", ["", "has space", "中文", "\x00", "a" * 257])
def test_secrets_must_be_printable_ascii(secret: str) -> None:
    """A secret with spaces, controls or non-ASCII characters is refused."""
    with pytest.raises(InvalidRule, match="printable ASCII"):
        parse_rule(shop_id=1, channel="dingtalk", url=WECOM, secret=secret)


def test_mentions_are_mobile_numbers() -> None:
    """Mentions keep their order and drop repeats."""
    rule = parse_rule(
        shop_id=1,
        channel="wecom",
        url=WECOM,
        mentions=["13800138000", "+8613900139000", "13800138000"],
    )
    assert rule.mentions == ("13800138000", "+8613900139000")


@pytest.mark.parametrize(
    "phone", ["abc", "12345", "1" * 16, "138 0013 8000", "１３８００１３８０００"]
)
def test_a_mention_that_is_not_a_number_is_refused(phone: str) -> None:
    """Letters, spaces, full-width digits and odd lengths are not mobile numbers."""
    with pytest.raises(InvalidRule, match="not a mobile number"):
        parse_rule(shop_id=1, channel="wecom", url=WECOM, mentions=[phone])


def test_feishu_cannot_mention_by_number() -> None:
    """Feishu bots mention by user id only, so --mention is refused for them."""
    with pytest.raises(InvalidRule, match="Feishu"):
        parse_rule(shop_id=1, channel="feishu", url=WECOM, mentions=["13800138000"])


def test_too_many_mentions_are_refused() -> None:
    """More than 20 mentions are refused."""
    phones = [f"138001380{n:02d}" for n in range(21)]
    with pytest.raises(InvalidRule, match="at most 20"):
        parse_rule(shop_id=1, channel="wecom", url=WECOM, mentions=phones)


def test_masked_url_hides_query_values_and_long_path_segments() -> None:
    """The WeCom key and the Feishu hook id never show in a listing or a log."""
    assert masked_webhook_url(WECOM) == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"
    feishu = "https://open.feishu.cn/open-apis/bot/v2/hook/2f9b1c6e-8a4d-4c1e-9f3b-7d6a5e4c3b2a"
    assert masked_webhook_url(feishu) == "https://open.feishu.cn/open-apis/bot/v2/hook/***"


def test_masked_url_drops_credentials_in_the_host_part() -> None:
    """user:password@ before the host is left out."""
    assert masked_webhook_url("https://u:pw@example.com/x") == "https://example.com/x"


def test_a_rule_never_shows_its_secret_or_key_when_printed() -> None:
    """repr() of a rule masks the URL's key and the secret."""
    rule = parse_rule(
        shop_id=1, channel="dingtalk", url=WECOM, secret="SECtopsecret", mentions=["13800138000"]
    )
    shown = repr(rule)
    assert "SECtopsecret" not in shown
    assert "693a91f6" not in shown
    assert "13800138000" not in shown
