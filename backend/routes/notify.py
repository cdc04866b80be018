"""WeChat Pay v3 notifications: verify, decrypt, check, then one atomic transition and 204."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from backend.routes.common import BodyTooLarge, Services, read_body, services
from backend.store import (
    PaymentFacts,
    PaymentResult,
    RefundFacts,
    RefundResult,
    record_payment,
    record_refund,
)
from backend.store.errors import report_failure
from backend.wechatpay import DecryptionFailed, MerchantMismatch, NotificationRejected

log = logging.getLogger(__name__)

BODY_LIMIT = 64 * 1024
# WeChat Pay's refund ids are about 30 characters; the store keeps up to 64.
REFUND_ID_LIMIT = 64


def fail(status: int, message: str) -> JSONResponse:
    """The answer WeChat Pay understands as 'not handled, retry later'."""
    return JSONResponse({"code": "FAIL", "message": message}, status_code=status)


def _refused(exc: NotificationRejected, request_id: str) -> tuple[str, JSONResponse]:
    """The answer to a refused notification, and its outcome for the metrics."""
    outcome = "refused"
    if isinstance(exc, DecryptionFailed):
        outcome = "decrypt_failed"
        log.error(
            "notification %s: decryption failed after a valid signature: "
            "ORDERBELL_WECHATPAY_APIV3_KEY is probably wrong",
            request_id,
        )
    elif isinstance(exc, MerchantMismatch):
        outcome = "mismatch"
        # Genuine and signed by WeChat Pay, yet not a payment we can book: someone must look.
        log.error("ANOMALY notification %s: %s; nothing recorded", request_id, exc.message)
    else:
        log.warning("notification %s refused (%s): %s", request_id, exc.status, exc.message)
    return outcome, fail(exc.status, exc.message)


async def _bounded_body(request: Request) -> bytes | JSONResponse:
    try:
        return await read_body(request, BODY_LIMIT)
    except BodyTooLarge:
        return fail(413, f"notification body over {BODY_LIMIT} bytes")


async def pay_success(request: Request) -> Response:
    """``POST /notify/paySuccess``, counted by outcome."""
    svc: Services = services(request)
    outcome, response = await _pay_success(request, svc)
    svc.metrics.notification("payment", outcome)
    return response


async def refund_success(request: Request) -> Response:
    """``POST /notify/refundSuccess``, counted by outcome."""
    svc: Services = services(request)
    outcome, response = await _refund_success(request, svc)
    svc.metrics.notification("refund", outcome)
    return response


async def _pay_success(request: Request, svc: Services) -> tuple[str, Response]:
    request_id = request.headers.get("request-id", "-")
    body = await _bounded_body(request)
    if isinstance(body, JSONResponse):
        return "too_large", body
    try:
        transaction = svc.opener.open_payment(request.headers, body)
    except NotificationRejected as exc:
        return _refused(exc, request_id)
    now = svc.now()
    facts = PaymentFacts(
        out_trade_no=transaction.out_trade_no,
        transaction_id=transaction.transaction_id,
        amount_total=transaction.amount_total,
        paid_at=transaction.success_time or now,
        sub_mchid=transaction.sub_mchid,
    )
    try:
        outcome = await record_payment(svc.db, facts, now, zone=svc.settings.zone)
    except Exception as exc:
        what = f"notification {request_id}: database error recording payment"
        report_failure(log, what, exc, logging.ERROR)
        return "error", fail(500, "database error")
    result = outcome.result
    number = transaction.out_trade_no
    if result is PaymentResult.PAID:
        log.info("order %s paid (notification %s)", number, request_id)
        return "paid", Response(status_code=204)
    if result is PaymentResult.DUPLICATE:
        log.info("order %s: duplicate payment notification %s", number, request_id)
        return "duplicate", Response(status_code=204)
    if result is PaymentResult.NOT_FOUND:
        log.warning("notification %s: unknown order %s; WeChat will retry", request_id, number)
        return "unknown_order", fail(500, "order not found")
    order = outcome.order
    if result is PaymentResult.AMOUNT_MISMATCH:
        log.error(
            "ANOMALY order %s: paid %s fen but the order is %s fen; not marked paid "
            "(notification %s, payer %s)",
            number,
            transaction.amount_total,
            order.amount_fen if order else "?",
            request_id,
            transaction.openid_masked,
        )
        return "mismatch", fail(400, "amount does not match the order")
    if result is PaymentResult.SUB_MERCHANT_MISMATCH:
        log.error(
            "ANOMALY order %s: paid to sub-merchant %s, which is not its shop %s (set it with "
            "orderbell-server shop set); not marked paid (notification %s)",
            number,
            transaction.sub_mchid,
            order.shop_id if order else "?",
            request_id,
        )
        return "mismatch", fail(400, "sub-merchant does not match the order's shop")
    log.error(
        "ANOMALY order %s: payment %s arrived for an order in status %s; not marked paid "
        "(notification %s)",
        number,
        transaction.transaction_id,
        order.status if order else "?",
        request_id,
    )
    return "conflict", fail(409, "order cannot be paid in its current state")


async def _refund_success(request: Request, svc: Services) -> tuple[str, Response]:
    request_id = request.headers.get("request-id", "-")
    body = await _bounded_body(request)
    if isinstance(body, JSONResponse):
        return "too_large", body
    try:
        event_type, refund = svc.opener.open_refund(request.headers, body)
    except NotificationRejected as exc:
        return _refused(exc, request_id)
    if len(refund.refund_id) > REFUND_ID_LIMIT:
        log.error(
            "ANOMALY notification %s: a refund id of %d characters for order %s; nothing recorded",
            request_id,
            len(refund.refund_id),
            refund.out_trade_no,
        )
        return "mismatch", fail(400, f"refund_id over {REFUND_ID_LIMIT} characters")
    facts = RefundFacts(
        out_trade_no=refund.out_trade_no,
        transaction_id=refund.transaction_id,
        refund_id=refund.refund_id,
        status=refund.refund_status,
        amount_total=refund.amount_total,
        amount_refund=refund.amount_refund,
        sub_mchid=refund.sub_mchid,
    )
    try:
        outcome = await record_refund(svc.db, facts, svc.now())
    except Exception as exc:
        what = f"notification {request_id}: database error recording refund"
        report_failure(log, what, exc, logging.ERROR)
        return "error", fail(500, "database error")
    number = refund.out_trade_no
    result = outcome.result
    order = outcome.order
    if result is RefundResult.REFUNDED:
        log.info("order %s refunded whole (notification %s)", number, request_id)
        return "refunded", Response(status_code=204)
    if result is RefundResult.PARTLY_REFUNDED:
        log.info(
            "order %s: %s fen refunded, %s of %s fen in all; the order stands (notification %s)",
            number,
            refund.amount_refund,
            order.refunded_fen if order else "?",
            refund.amount_total,
            request_id,
        )
        return "partly_refunded", Response(status_code=204)
    if result in (RefundResult.DUPLICATE, RefundResult.IGNORED):
        log.info("order %s: %s refund notification %s", number, event_type, request_id)
        return result.value, Response(status_code=204)
    if result is RefundResult.NOT_FOUND:
        log.warning("notification %s: refund for unknown order %s", request_id, number)
        return "unknown_order", fail(500, "order not found")
    if result is RefundResult.AMOUNT_MISMATCH:
        log.error(
            "ANOMALY order %s: refund %s of %s fen (of %s) does not fit the order: %s fen, %s "
            "refunded so far; nothing recorded (notification %s)",
            number,
            refund.refund_id,
            refund.amount_refund,
            refund.amount_total,
            order.amount_fen if order else "?",
            order.refunded_fen if order else "?",
            request_id,
        )
        return "mismatch", fail(400, "refund amount does not fit the order")
    log.error(
        "ANOMALY order %s: refund %s names transaction %s, not the order's (notification %s)",
        number,
        refund.refund_id,
        refund.transaction_id,
        request_id,
    )
    return "mismatch", fail(400, "refund does not match the order's transaction")
