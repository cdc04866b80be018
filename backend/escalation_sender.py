"""Sending escalations: one message to one channel over HTTP, and what the channel answered."""

from __future__ import annotations

import logging
import re
from zoneinfo import ZoneInfo

import httpx

from backend.escalation import (
    Answer,
    Notice,
    Rule,
    build_delivery,
    judge_answer,
    masked_webhook_url,
)

log = logging.getLogger(__name__)

# A robot that has not answered in this long is treated as down; the message is tried again.
SEND_TIMEOUT_S = 10.0
# Enough of an answer to judge it; a receiver that sends more is not reading our message.
MAX_ANSWER_BYTES = 64 * 1024


async def deliver(
    client: httpx.AsyncClient, rule: Rule, notice: Notice, zone: ZoneInfo, now_s: float
) -> Answer:
    """POST the notice through the rule's channel; never raises for a network failure.

    The answer's detail never holds the URL (it carries the robot's key) or the secret, and
    the HTTP client's own log lines show the URL masked.
    """
    redact_urls_in_http_client_logs()
    delivery = build_delivery(rule, notice, zone, now_s)
    try:
        async with client.stream(
            "POST",
            delivery.url,
            headers=delivery.headers,
            content=delivery.body,
            timeout=SEND_TIMEOUT_S,
            follow_redirects=False,
        ) as response:
            body = await _read_bounded(response)
    except httpx.TimeoutException:
        return Answer(False, f"no answer within {SEND_TIMEOUT_S:g} s")
    except httpx.HTTPError as exc:
        return Answer(False, f"could not connect ({type(exc).__name__})")
    return judge_answer(rule.channel, response.status_code, body)


async def _read_bounded(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_ANSWER_BYTES:
            break
    return b"".join(chunks)[:MAX_ANSWER_BYTES]


_URL = re.compile(r"https?://[^\s\"'<>]+")


class RedactWebhookUrls(logging.Filter):
    """Masks URLs in the HTTP client's log lines: a robot's URL carries its key."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _URL.sub(lambda match: masked_webhook_url(match.group(0)), message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True


def redact_urls_in_http_client_logs() -> None:
    """Install :class:`RedactWebhookUrls` on httpx's logger (once)."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(existing, RedactWebhookUrls) for existing in logger.filters):
        logger.addFilter(RedactWebhookUrls())
