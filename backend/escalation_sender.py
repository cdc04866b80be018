"""Sending escalations: the outbox worked off, one message to one channel over HTTP at a time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
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
from backend.store import Database
from backend.store.escalations import (
    Claim,
    any_due,
    claim_due,
    record_attempt,
    release_claims,
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


# How long a claimed message is this instance's to send: well past the send timeout.
LEASE_S = 60.0
BATCH = 10
# Another instance's messages, and retries, are looked for this often without a ring.
POLL_S = 2.0
# A rule refused this long is an operator's problem: /healthz and the log say so.
FAILING_REPORT_AFTER = timedelta(hours=1)
# Told each attempt's channel and outcome (sent, retry or gave_up): the metrics.
AttemptObserver = Callable[[str, str], None]


class EscalationSender:
    """Delivers the outbox: claims due messages, sends them, records each attempt.

    ``ring()`` says new messages were written; otherwise it looks every ``poll_s`` seconds,
    which also picks up retries and messages another instance decided but could not send.
    """

    def __init__(
        self,
        db: Database,
        instance_id: str,
        zone: ZoneInfo,
        clock: Callable[[], float],
        *,
        poll_s: float = POLL_S,
        lease_s: float = LEASE_S,
        observer: AttemptObserver | None = None,
    ) -> None:
        self._db = db
        self._instance_id = instance_id
        self._zone = zone
        self._clock = clock
        self._poll_s = poll_s
        self._lease_s = lease_s
        self._observer = observer
        self._bell = asyncio.Event()
        self._reported: dict[int, datetime] = {}
        self.attempts = 0  # recorded by this instance, delivered or not
        self.delivered = 0

    def ring(self) -> None:
        """New messages may be due."""
        self._bell.set()

    async def run(self) -> None:
        """Send due messages until cancelled; claims still held are released on the way out."""
        try:
            async with httpx.AsyncClient() as client:
                while True:
                    try:
                        sent_some = await self.send_due(client)
                    except Exception:
                        log.exception("sending escalations failed; trying again shortly")
                        sent_some = False
                    if not sent_some:
                        with contextlib.suppress(TimeoutError):
                            async with asyncio.timeout(self._poll_s):
                                await self._bell.wait()
                        self._bell.clear()
        finally:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5):
                    await release_claims(self._db, self._instance_id)

    async def send_due(self, client: httpx.AsyncClient) -> bool:
        """Claim and send one batch of due messages at once; True if there was any."""
        if not await any_due(self._db, self._now()):
            return False
        claims = await claim_due(self._db, self._instance_id, self._now(), self._lease_s, BATCH)
        if not claims:
            return False
        await asyncio.gather(*(self._send(client, claim) for claim in claims))
        return True

    async def _send(self, client: httpx.AsyncClient, claim: Claim) -> None:
        rule = claim.rule
        answer = await deliver(client, rule, claim.notice, self._zone, self._clock())
        outcome = await record_attempt(self._db, claim, self._instance_id, answer, self._now())
        self.attempts += 1
        if self._observer is not None:
            verdict = "sent" if outcome.sent else "gave_up" if outcome.gave_up else "retry"
            self._observer(claim.rule.channel.value, verdict)
        where = f"rule #{rule.id} ({rule.channel.value} {masked_webhook_url(rule.url)})"
        order = claim.notice.order_number or "(test)"
        if outcome.sent:
            self.delivered += 1
            self._reported.pop(rule.id, None)
            log.info(
                "escalation of order %s delivered through %s on attempt %s",
                order,
                where,
                claim.attempts,
            )
            return
        if outcome.gave_up:
            log.error(
                "escalation of order %s through %s given up after %s attempts in a day: %s",
                order,
                where,
                claim.attempts,
                answer.detail,
            )
        else:
            log.warning(
                "escalation of order %s through %s not delivered (%s); trying again at %s",
                order,
                where,
                answer.detail,
                outcome.retry_at,
            )
        self._report_failing(rule, outcome.rule_failing_since, answer.detail)

    def _report_failing(self, rule: Rule, since: datetime | None, detail: str) -> None:
        """Once an hour per rule: its URL has refused every message for an hour or more."""
        now = self._now()
        if since is None or now - since < FAILING_REPORT_AFTER:
            return
        last = self._reported.get(rule.id)
        if last is not None and now - last < FAILING_REPORT_AFTER:
            return
        self._reported[rule.id] = now
        log.error(
            "escalation rule #%s of shop %s (%s %s) has refused every message since %s: %s",
            rule.id,
            rule.shop_id,
            rule.channel.value,
            masked_webhook_url(rule.url),
            since.isoformat(timespec="seconds"),
            detail,
        )

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)
