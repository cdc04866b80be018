"""Escalation without I/O: rules, triggers, the message, each channel's format, retry timing.

When no counter answers a paid order, a person's phone hears about it through the group robots
Chinese restaurants already use. Everything here is pure; the engine, the sender and the
database work live in ``backend.escalation_engine``, ``backend.escalation_sender`` and
``backend.store``.
"""

from backend.escalation.channels import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Answer,
    Delivery,
    build_delivery,
    dingtalk_sign,
    feishu_sign,
    judge_answer,
    webhook_signature,
)
from backend.escalation.errors import InvalidRule
from backend.escalation.hours import OpeningHours, parse_hours
from backend.escalation.message import (
    Notice,
    compose_text,
    duration_text,
    notice_from_json,
    notice_to_json,
    reason_text,
    yuan,
)
from backend.escalation.retry import GIVE_UP_AFTER, next_attempt_at, retry_delay_s
from backend.escalation.rules import (
    DEFAULT_AFTER_S,
    DEFAULT_NO_COUNTER_AFTER_S,
    Channel,
    Rule,
    masked_webhook_url,
    parse_channel,
    parse_rule,
)
from backend.escalation.triggers import (
    Arrival,
    Trigger,
    escalates_no_counter,
    escalates_reminder,
    escalates_unhandled,
    no_counter_deadline,
    unhandled_deadline,
    within_hours,
)
from backend.escalation.watches import Watch, Watches

__all__ = [
    "DEFAULT_AFTER_S",
    "DEFAULT_NO_COUNTER_AFTER_S",
    "GIVE_UP_AFTER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Answer",
    "Arrival",
    "Channel",
    "Delivery",
    "InvalidRule",
    "Notice",
    "OpeningHours",
    "Rule",
    "Trigger",
    "Watch",
    "Watches",
    "build_delivery",
    "compose_text",
    "dingtalk_sign",
    "duration_text",
    "escalates_no_counter",
    "escalates_reminder",
    "escalates_unhandled",
    "feishu_sign",
    "judge_answer",
    "masked_webhook_url",
    "next_attempt_at",
    "no_counter_deadline",
    "notice_from_json",
    "notice_to_json",
    "parse_channel",
    "parse_hours",
    "parse_rule",
    "reason_text",
    "retry_delay_s",
    "unhandled_deadline",
    "webhook_signature",
    "within_hours",
    "yuan",
]
