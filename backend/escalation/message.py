"""What the owner's phone shows: the facts of one escalation and their Chinese text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from backend.escalation.triggers import Trigger

TITLE = "【来单铃】"


@dataclass(frozen=True, slots=True)
class Notice:
    """One escalation as it is sent, the same on every attempt.

    ``id`` is stable per escalation, so a receiver can drop a copy it already has. ``trigger``
    is None for a test message.
    """

    id: str
    shop_id: int
    order_id: int
    order_number: str
    phone_tail: str
    amount_fen: int
    waited_s: int
    trigger: Trigger | None
    after_s: int = 0
    reminder_count: int | None = None
    paid_at: datetime | None = None

    @property
    def reason(self) -> str:
        """Why it escalated, as the message says it."""
        return reason_text(self.trigger, self.after_s, self.reminder_count)

    @property
    def trigger_code(self) -> str:
        """The trigger's name for machines (``test`` for a test message)."""
        return "test" if self.trigger is None else self.trigger.code


def notice_to_json(notice: Notice) -> dict[str, Any]:
    """The notice as the outbox keeps it (JSON types only)."""
    return {
        "id": notice.id,
        "shopId": notice.shop_id,
        "orderId": notice.order_id,
        "orderNumber": notice.order_number,
        "phoneTail": notice.phone_tail,
        "amountFen": notice.amount_fen,
        "waitedSeconds": notice.waited_s,
        "trigger": None if notice.trigger is None else int(notice.trigger),
        "afterSeconds": notice.after_s,
        "reminderCount": notice.reminder_count,
        "paidAt": None if notice.paid_at is None else notice.paid_at.isoformat(),
    }


def notice_from_json(data: dict[str, Any]) -> Notice:
    """A notice the outbox kept; raises ValueError (or KeyError, TypeError) for anything else."""
    trigger = data["trigger"]
    paid_at = data["paidAt"]
    return Notice(
        id=str(data["id"]),
        shop_id=int(data["shopId"]),
        order_id=int(data["orderId"]),
        order_number=str(data["orderNumber"]),
        phone_tail=str(data["phoneTail"]),
        amount_fen=int(data["amountFen"]),
        waited_s=int(data["waitedSeconds"]),
        trigger=None if trigger is None else Trigger(int(trigger)),
        after_s=int(data["afterSeconds"]),
        reminder_count=None if data["reminderCount"] is None else int(data["reminderCount"]),
        paid_at=None if paid_at is None else datetime.fromisoformat(paid_at),
    )


def reason_text(trigger: Trigger | None, after_s: int, reminder_count: int | None = None) -> str:
    """``2 分钟无人接单``, ``没有在线的收银台``, ``顾客第 2 次催单，仍无人处理`` or ``测试消息``."""
    if trigger is Trigger.UNHANDLED:
        if after_s % 60 == 0:
            return f"{after_s // 60} 分钟无人接单"
        return f"{after_s} 秒无人接单"
    if trigger is Trigger.NO_COUNTER:
        return "没有在线的收银台"
    if trigger is Trigger.REMINDED:
        if reminder_count:
            return f"顾客第 {reminder_count} 次催单，仍无人处理"
        return "顾客催单，仍无人处理"
    return "测试消息"


def compose_text(notice: Notice, zone: ZoneInfo) -> str:
    """The message as a person reads it on the phone, in Chinese, one fact a line."""
    if notice.trigger is None:
        return (
            f"{TITLE}测试消息\n门店：{notice.shop_id} 号店\n"
            "订单无人处理时，提醒会发到这里。收到即表示已接通。"
        )
    order = f"尾号 {notice.phone_tail}" if notice.phone_tail else "（无手机尾号）"
    lines = [
        f"{TITLE}订单无人处理：{notice.reason}",
        f"门店：{notice.shop_id} 号店",
        f"订单：{order}，订单号 {notice.order_number}",
        f"金额：{yuan(notice.amount_fen)} 元",
    ]
    if notice.paid_at is not None:
        lines.append(f"支付时间：{notice.paid_at.astimezone(zone):%H:%M:%S}")
    lines.append(f"已等待：{duration_text(notice.waited_s)}")
    lines.append("请尽快查看收银台或联系门店。")
    return "\n".join(lines)


def yuan(fen: int) -> str:
    """Integer fen as yuan with two decimals, never through a float."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def duration_text(seconds: int) -> str:
    """``45 秒``, ``2 分 5 秒``, ``1 小时 3 分``."""
    seconds = max(0, seconds)
    if seconds < 60:
        return f"{seconds} 秒"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} 分 {rest} 秒" if rest else f"{minutes} 分钟"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} 小时 {minutes} 分" if minutes else f"{hours} 小时"
