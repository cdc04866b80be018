"""The message a phone shows: shop, tail and order number, amount, wait and reason, in Chinese."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from backend.escalation import (
    Notice,
    Trigger,
    compose_text,
    duration_text,
    notice_from_json,
    notice_to_json,
    reason_text,
    yuan,
)

PAID = datetime(2026, 11, 26, 6, 5, 12, tzinfo=UTC)


def notice(trigger: Trigger | None = Trigger.UNHANDLED, **changes: object) -> Notice:
    values: dict[str, object] = {
        "id": "esc-1",
        "shop_id": 3,
        "order_id": 42,
        "order_number": "20261126140512345678",
        "phone_tail": "5678",
        "amount_fen": 6600,
        "waited_s": 125,
        "trigger": trigger,
        "after_s": 120,
        "paid_at": PAID,
    }
    values.update(changes)
    return Notice(**values)  # type: ignore[arg-type]


def test_the_message_names_everything_the_owner_needs(zone: ZoneInfo) -> None:
    """Shop, tail number, order number, amount, paid time, wait and reason are all there."""
    text = compose_text(notice(), zone)
    assert "2 分钟无人接单" in text
    assert "3 号店" in text
    assert "尾号 5678" in text
    assert "20261126140512345678" in text
    assert "66.00 元" in text
    assert "支付时间：14:05:12" in text  # Shanghai time
    assert "已等待：2 分 5 秒" in text


def test_no_counter_says_so(zone: ZoneInfo) -> None:
    """Trigger 2 reads 没有在线的收银台."""
    assert "没有在线的收银台" in compose_text(notice(Trigger.NO_COUNTER), zone)


def test_a_reminder_says_how_often_the_customer_hurried(zone: ZoneInfo) -> None:
    """Trigger 3 names the reminder count."""
    text = compose_text(notice(Trigger.REMINDED, reminder_count=2), zone)
    assert "顾客第 2 次催单，仍无人处理" in text


def test_a_test_message_says_it_is_a_test(zone: ZoneInfo) -> None:
    """A test message names the shop and no order."""
    text = compose_text(notice(None), zone)
    assert "测试消息" in text
    assert "3 号店" in text
    assert "订单号" not in text


def test_an_order_without_a_phone_says_so(zone: ZoneInfo) -> None:
    """No phone tail: the message says there is none instead of an empty tail."""
    assert "无手机尾号" in compose_text(notice(phone_tail=""), zone)


def test_reasons_use_minutes_when_whole() -> None:
    """120 s reads '2 分钟', 90 s reads '90 秒', 5 s reads '5 秒'."""
    assert reason_text(Trigger.UNHANDLED, 120) == "2 分钟无人接单"
    assert reason_text(Trigger.UNHANDLED, 90) == "90 秒无人接单"
    assert reason_text(Trigger.UNHANDLED, 5) == "5 秒无人接单"


def test_durations_read_naturally() -> None:
    """Seconds, minutes and hours as a person would say them."""
    assert duration_text(45) == "45 秒"
    assert duration_text(120) == "2 分钟"
    assert duration_text(125) == "2 分 5 秒"
    assert duration_text(3780) == "1 小时 3 分"
    assert duration_text(7200) == "2 小时"
    assert duration_text(-3) == "0 秒"


def test_amounts_are_exact_yuan_from_fen() -> None:
    """Fen become yuan with two decimals, without floats, huge amounts included."""
    assert yuan(6600) == "66.00"
    assert yuan(1) == "0.01"
    assert yuan(2**63 - 1) == "92233720368547758.07"


def test_a_notice_survives_the_outbox_unchanged() -> None:
    """Kept as JSON and read back, a notice is the same notice (a retry sends the same text)."""
    original = notice(Trigger.REMINDED, reminder_count=3)
    assert notice_from_json(json.loads(json.dumps(notice_to_json(original)))) == original


def test_a_test_notice_survives_the_outbox_too() -> None:
    """A notice without trigger or payment time round-trips."""
    original = notice(None, paid_at=None)
    assert notice_from_json(notice_to_json(original)) == original
