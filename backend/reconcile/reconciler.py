"""The reconciler: finds paid orders whose notification never came, and cancels unpaid ones.

Every order still pending payment is asked about at WeChat Pay on the back-off schedule. A
payment found goes through the same idempotent path as a notification (``record_payment``), so
a notification before, during or after the query still gives one transition and one event. An
order unpaid at its expiry is closed at WeChat Pay, so it can no longer be paid, and only then
cancelled here, without an event: it never rang. WeChat Pay's answers are believed only once
verified; one that cannot be believed changes nothing and is asked again later.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from backend.reconcile.schedule import Schedule
from backend.store import (
    PAYMENT_TIMEOUT_REASON,
    Database,
    DueOrder,
    PaymentFacts,
    PaymentResult,
    cancel_unpaid,
    claim_due_orders,
    look_again_at,
    record_payment,
    set_aside,
)
from backend.wechatpay import (
    PARTNER,
    AnswerRejected,
    ApiError,
    ApiRefused,
    CloseResult,
    MerchantConfig,
    MerchantMismatch,
    Trade,
    Transaction,
    WeChatPayApi,
    check_payment,
)

log = logging.getLogger(__name__)

# Told each finished pass's report and how many of its orders failed (the metrics).
PassObserver = Callable[["RunReport", int], None]

BATCH = 50
# One order is held this long by the instance asking about it: far longer than a query and a
# close with their deadlines; an instance that dies mid-query lets go when it runs out.
LEASE_S = 120.0
CONCURRENT_QUERIES = 4


@dataclass(slots=True)
class RunReport:
    """What one pass did, order by order."""

    checked: int = 0
    found_paid: int = 0
    already_paid: int = 0
    cancelled: int = 0
    unpaid: int = 0
    retried: int = 0
    anomalies: int = 0

    def add(self, other: RunReport) -> None:
        """Count ``other``'s orders in this report too."""
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self) -> str:
        """One line for the command line and the log."""
        return (
            f"checked {self.checked} unpaid order(s): {self.found_paid} found paid, "
            f"{self.already_paid} already paid, {self.cancelled} cancelled (payment timeout), "
            f"{self.unpaid} still unpaid, {self.retried} to retry, {self.anomalies} anomalies"
        )


@dataclass(slots=True)
class ReconcilerState:
    """What /healthz says about the reconciler of this instance."""

    last_run_at: datetime | None = None
    last_run_ok: bool | None = None
    last_report: RunReport | None = None
    passes: int = 0


def instance_name() -> str:
    """Who holds a lease: host, process and a random part (a restarted process is another)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Reconciler:
    """Asks WeChat Pay about unpaid orders and books what it learns; ``clock`` gives Unix s.

    A payment's event reaches the counters as every event does: the database hands it to the
    dispatcher once it is committed (another process's, through the log).
    """

    def __init__(
        self,
        db: Database,
        api: WeChatPayApi,
        merchant: MerchantConfig,
        schedule: Schedule,
        clock: Callable[[], float],
        *,
        zone: tzinfo,
        owner: str | None = None,
        batch: int = BATCH,
        observer: PassObserver | None = None,
    ) -> None:
        self._db = db
        self._api = api
        self._merchant = merchant
        self._schedule = schedule
        self._clock = clock
        self._zone = zone  # a payment found by query gets its daily number like any other
        self._owner = owner or instance_name()
        self._batch = batch
        self._observer = observer
        self.state = ReconcilerState()

    async def run_forever(self) -> None:
        """Run a pass every ``schedule.run_every_s`` until cancelled; a failed pass is logged."""
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("reconciliation pass failed; trying again")
            await asyncio.sleep(self._schedule.run_every_s)

    async def catch_up(self) -> RunReport:
        """Passes until no order is due (``reconcile --once``): a backlog of any size.

        It ends: every order a pass takes is answered for, set a later look, or held by a lease
        that outlasts the catching up.
        """
        total = RunReport()
        while True:
            report = await self.run_once()
            total.add(report)
            if report.checked < self._batch:
                return total

    async def run_once(self) -> RunReport:
        """One pass over the orders due for a look."""
        report = RunReport()
        now = self._now()
        try:
            due = await claim_due_orders(
                self._db,
                now=now,
                first_look_after_s=self._schedule.after_s,
                owner=self._owner,
                lease_s=LEASE_S,
                limit=self._batch,
            )
            gate = asyncio.Semaphore(CONCURRENT_QUERIES)

            async def settle(order: DueOrder) -> None:
                async with gate:
                    await self._settle(order, report)

            outcomes = await asyncio.gather(
                *(settle(order) for order in due), return_exceptions=True
            )
        except Exception:
            self.state.last_run_ok = False
            raise
        finally:
            self.state.last_run_at = now
        failures = [
            (order, outcome)
            for order, outcome in zip(due, outcomes, strict=True)
            if isinstance(outcome, BaseException)
        ]
        for order, failure in failures:
            # Its lease runs out and the next pass takes it up again.
            log.error("reconciling order %s failed", order.number, exc_info=failure)
        self.state.last_run_ok = not failures
        self.state.last_report = report
        self.state.passes += 1
        if self._observer is not None:
            self._observer(report, len(failures))
        if report.checked:
            log.info("reconciliation: %s", report.summary())
        return report

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    async def _settle(self, order: DueOrder, report: RunReport) -> None:
        report.checked += 1
        now = self._now()
        if self._merchant.mode == PARTNER and order.sub_mchid is None:
            # Nobody to ask (nor to close at): the order waits until an operator names the
            # shop's sub-merchant.
            report.retried += 1
            log.error(
                "order %s: shop %s has no WeChat Pay sub-merchant id, so it cannot be asked "
                "about; set it with: orderbell-server shop set --shop %s --sub-mchid ...",
                order.number,
                order.shop_id,
                order.shop_id,
            )
            await look_again_at(
                self._db, order.id, owner=self._owner, when=self._schedule.retry_at(now)
            )
            return
        try:
            if now >= self._schedule.expires_at(order.created_at):
                await self._expire(order, report)
                return
            trade = await self._api.query(order.number, sub_mchid=order.sub_mchid)
            await self._after_query(order, trade, report)
        except ApiError as exc:
            await self._retry(order, exc, report)

    async def _after_query(self, order: DueOrder, trade: Trade | None, report: RunReport) -> None:
        state = None if trade is None else trade.trade_state
        if trade is not None and trade.payment is not None and state == "SUCCESS":
            await self._book_payment(order, trade.payment, report)
        elif state == "CLOSED":
            await self._cancel(order, "closed at WeChat Pay", report)
        elif state in ("REVOKED", "PAYERROR"):
            await self._expire(order, report, why=f"{state} at WeChat Pay")
        elif state == "REFUND":
            await self._anomaly(
                order,
                "paid and refunded at WeChat Pay before any notification arrived; "
                "check it in the merchant platform",
                report,
            )
        else:  # not paid (yet): NOTPAY, USERPAYING, or no payment started
            report.unpaid += 1
            when = self._schedule.next_look(order.created_at, self._now())
            await look_again_at(self._db, order.id, owner=self._owner, when=when)

    async def _expire(self, order: DueOrder, report: RunReport, why: str | None = None) -> None:
        """Close at WeChat Pay, then cancel; a close that finds it paid books the payment."""
        closed = await self._api.close(order.number, sub_mchid=order.sub_mchid)
        if closed is CloseResult.PAID:
            trade = await self._api.query(order.number, sub_mchid=order.sub_mchid)
            if trade is None or trade.payment is None or trade.trade_state != "SUCCESS":
                raise AnswerRejected(
                    f"closing order {order.number} answered ORDERPAID but the query says "
                    f"{'nothing' if trade is None else trade.trade_state}"
                )
            await self._book_payment(order, trade.payment, report)
            return
        reason = why or f"not paid within {self._schedule.expire_s:g} s"
        await self._cancel(order, f"{reason}: closed at WeChat Pay", report)

    async def _cancel(self, order: DueOrder, why: str, report: RunReport) -> None:
        cancelled = await cancel_unpaid(
            self._db, order.id, reason=PAYMENT_TIMEOUT_REASON, now=self._now()
        )
        if cancelled is not None:
            report.cancelled += 1
            log.info(
                "order %s %s; cancelled (%s), it never rang",
                order.number,
                why,
                PAYMENT_TIMEOUT_REASON,
            )

    async def _book_payment(self, order: DueOrder, payment: Transaction, report: RunReport) -> None:
        try:
            check_payment(payment, self._merchant)
        except MerchantMismatch as exc:
            await self._anomaly(order, exc.message, report)
            return
        now = self._now()
        facts = PaymentFacts(
            out_trade_no=payment.out_trade_no,
            transaction_id=payment.transaction_id,
            amount_total=payment.amount_total,
            paid_at=payment.success_time or now,
            found_by_query=True,
            sub_mchid=payment.sub_mchid,
        )
        outcome = await record_payment(self._db, facts, now, zone=self._zone)
        if outcome.result is PaymentResult.PAID:
            report.found_paid += 1
            waited = int((now - facts.paid_at).total_seconds())
            log.warning(
                "order %s paid, found by query, no notification for %d s "
                "(transaction %s): check the notify URL",
                order.number,
                waited,
                payment.transaction_id,
            )
        elif outcome.result is PaymentResult.DUPLICATE:
            report.already_paid += 1
            log.info("order %s: already paid (its notification came first)", order.number)
        elif outcome.result is PaymentResult.AMOUNT_MISMATCH:
            await self._anomaly(
                order,
                f"paid {payment.amount_total} fen at WeChat Pay (transaction "
                f"{payment.transaction_id}) but the order is {order.amount_fen} fen; "
                "not marked paid",
                report,
            )
        else:
            await self._anomaly(
                order,
                f"payment {payment.transaction_id} cannot be booked ({outcome.result.value})",
                report,
            )

    async def _anomaly(self, order: DueOrder, what: str, report: RunReport) -> None:
        report.anomalies += 1
        log.error("ANOMALY order %s: %s; no longer asked about", order.number, what)
        await set_aside(self._db, order.id, owner=self._owner, anomaly=what)

    async def _retry(self, order: DueOrder, exc: ApiError, report: RunReport) -> None:
        report.retried += 1
        when = self._schedule.retry_at(self._now())
        if isinstance(exc, AnswerRejected):
            log.error(
                "ANOMALY order %s: %s; nothing changed, asking again", order.number, exc.message
            )
        elif isinstance(exc, ApiRefused):
            log.error("order %s: %s; asking again", order.number, exc.message)
        else:
            log.warning("order %s: %s; asking again", order.number, exc.message)
        await look_again_at(self._db, order.id, owner=self._owner, when=when)
