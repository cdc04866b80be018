"""The simulator's HTTP face: WeChat Pay's query and close endpoints, and a ``pay`` action.

Requests to the WeChat Pay endpoints must carry the test kit's merchant signature (a wrong one
gets 401 SIGN_ERROR, unsigned, as WeChat Pay answers); every answer is signed with the kit's
WeChat Pay key. ``POST /sim/pay`` plays a customer paying: the payment exists here whether or
not its callback reaches the merchant (``--lose-callbacks`` drops a share of them).
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.devkit import MerchantKit, compact_json, payment_callback, sign_raw, trade_fields
from backend.routes.common import BodyTooLarge, read_body
from backend.server import bound_port, serving
from backend.wechatpay import NotAuthentic, read_authorization, verify_request
from backend.wechatsim.ledger import CloseOutcome, Ledger, LedgerError, PaymentAttempt, SimTrade

log = logging.getLogger(__name__)

BODY_LIMIT = 16 * 1024
CALLBACK_TIMEOUT_S = 5.0
_TRADE_NO = re.compile(r"[0-9A-Za-z_\-|*@]{1,32}")
_MCHID = re.compile(r"[0-9]{1,32}")
_MAX_FEN = 2**63 - 1


@dataclass(slots=True)
class SimulatorFaults:
    """Misbehaviour to switch on while the simulator runs (tests, operators' drills)."""

    tamper_answers: bool = False  # change each answer's body after signing it
    foreign_signer: MerchantKit | None = None  # sign answers with a key nobody configured


def simulator_app(
    kit: MerchantKit,
    *,
    ledger: Ledger | None = None,
    clock: Callable[[], float] = time.time,
    rng: random.Random | None = None,
    lose_callbacks: float = 0.0,
    notify_url: str | None = None,
    faults: SimulatorFaults | None = None,
) -> Starlette:
    """The simulator for ``kit``; ``lose_callbacks`` is the share of callbacks never sent."""
    if not 0.0 <= lose_callbacks <= 1.0:
        raise ValueError("the share of lost callbacks must be between 0 and 1")
    book = ledger if ledger is not None else Ledger()
    chance = rng or random.Random()  # noqa: S311 - which callbacks to lose, not security
    misbehaviour = faults if faults is not None else SimulatorFaults()
    # Made on first use: building an HTTP client's TLS context costs ~0.1 s, and most
    # simulators in tests never send a callback.
    state: dict[str, httpx.AsyncClient] = {}
    # Every query and close taken (after the signature check): ("query" | "close", order).
    calls: list[tuple[str, str]] = []

    def signed(status: int, data: dict[str, Any] | None = None) -> Response:
        body = b"" if data is None else compact_json(data)
        signer = misbehaviour.foreign_signer or kit
        headers = sign_raw(signer, body, now=clock())
        if data is None:
            del headers["Content-Type"]
        if misbehaviour.tamper_answers:
            body = (
                body.replace(b'"total":', b'"total":1', 1) if b'"total":' in body else body + b" "
            )
        return Response(body, status_code=status, headers=headers)

    def error(status: int, code: str, message: str) -> Response:
        return signed(status, {"code": code, "message": message})

    async def authenticated(request: Request, body: bytes) -> Response | None:
        """None when the kit's merchant signed this request; else WeChat Pay's 401."""
        raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
        query: bytes = request.scope.get("query_string", b"")
        path = raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
        try:
            signature = read_authorization(request.headers.get("authorization", ""))
            if signature.serial.upper() != kit.merchant_serial.upper():
                raise NotAuthentic(f"serial_no {signature.serial[:64]!r} is not the merchant's")
            if signature.mchid != kit.mchid:
                raise NotAuthentic(f"mchid {signature.mchid[:40]!r} is not this merchant")
            verify_request(
                kit.merchant_public_key, signature, request.method, path, body, now=clock()
            )
        except NotAuthentic as exc:
            log.warning("refused %s %s: %s", request.method, request.url.path, exc.message)
            return JSONResponse({"code": "SIGN_ERROR", "message": exc.message}, status_code=401)
        return None

    def merchant_scope(fields: dict[str, Any], partner: bool) -> str | None:
        """The sub-merchant the request names (partner) or None (direct); PARAM_ERROR if wrong."""
        if partner:
            if fields.get("sp_mchid") != kit.mchid:
                raise LedgerError("PARAM_ERROR", "sp_mchid is not this service provider")
            sub_mchid = fields.get("sub_mchid")
            if not isinstance(sub_mchid, str) or not _MCHID.fullmatch(sub_mchid):
                raise LedgerError("PARAM_ERROR", "sub_mchid is missing or not digits")
            return sub_mchid
        if fields.get("mchid") != kit.mchid:
            raise LedgerError("PARAM_ERROR", "mchid is not this merchant")
        return None

    async def query(request: Request) -> Response:
        if (refused := await authenticated(request, b"")) is not None:
            return refused
        partner = "/partner/" in request.url.path
        number = request.path_params["out_trade_no"]
        calls.append(("query", number))
        try:
            sub_mchid = merchant_scope(dict(request.query_params), partner)
        except LedgerError as exc:
            return error(400, exc.code, exc.message)
        trade = book.find(number, sub_mchid)
        if trade is None:
            return error(404, "ORDER_NOT_EXIST", "订单不存在")
        return signed(200, _answer(kit, trade))

    async def close(request: Request) -> Response:
        try:
            body = await read_body(request, BODY_LIMIT)
        except BodyTooLarge:
            return error(400, "PARAM_ERROR", "body too large")
        if (refused := await authenticated(request, body)) is not None:
            return refused
        partner = "/partner/" in request.url.path
        number = request.path_params["out_trade_no"]
        calls.append(("close", number))
        try:
            sub_mchid = merchant_scope(_object(body), partner)
        except LedgerError as exc:
            return error(400, exc.code, exc.message)
        outcome = book.close(number, sub_mchid)
        if outcome is CloseOutcome.ORDERPAID:
            return error(400, "ORDERPAID", "订单已支付")
        if outcome is CloseOutcome.ORDER_NOT_EXIST:
            return error(404, "ORDER_NOT_EXIST", "订单不存在")
        log.info("order %s closed", number)
        return signed(204)

    async def pay(request: Request) -> Response:
        try:
            fields = _object(await read_body(request, BODY_LIMIT))
            attempt = _attempt(fields)
            target = _optional_text(fields, "notifyUrl") or notify_url
            lose = fields.get("loseCallback")
            if lose is not None and not isinstance(lose, bool):
                raise LedgerError("PARAM_ERROR", "loseCallback must be true or false")
            trade = book.pay(attempt, clock())
        except BodyTooLarge:
            return JSONResponse({"code": "PARAM_ERROR", "message": "body too large"}, 400)
        except LedgerError as exc:
            return JSONResponse({"code": exc.code, "message": exc.message}, status_code=400)
        callback = "none"
        if trade.state == "SUCCESS":
            lost = chance.random() < lose_callbacks if lose is None else lose
            callback = "lost" if lost else await deliver(trade, target)
        log.info(
            "order %s: %s (%s fen); callback %s",
            trade.out_trade_no,
            trade.state,
            trade.total_fen,
            callback,
        )
        return JSONResponse(
            {
                "outTradeNo": trade.out_trade_no,
                "state": trade.state,
                "transactionId": trade.transaction_id,
                "callback": callback,
            }
        )

    async def deliver(trade: SimTrade, target: str | None) -> str:
        if target is None:
            return "not sent (no notify URL)"
        headers, body = payment_callback(
            kit,
            out_trade_no=trade.out_trade_no,
            total_fen=trade.total_fen,
            transaction_id=trade.transaction_id,
            openid=trade.openid,
            sub_mchid=trade.sub_mchid,
            now=clock(),
        )
        if "http" not in state:
            state["http"] = httpx.AsyncClient(timeout=CALLBACK_TIMEOUT_S)
        try:
            answer = await state["http"].post(target, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"undeliverable ({type(exc).__name__})"
        return (
            "delivered" if answer.status_code in (200, 204) else f"refused ({answer.status_code})"
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if "http" in state:
                await state.pop("http").aclose()

    direct = "/v3/pay/transactions/out-trade-no/{out_trade_no}"
    partner = "/v3/pay/partner/transactions/out-trade-no/{out_trade_no}"
    app = Starlette(
        routes=[
            Route(direct, query, methods=["GET"]),
            Route(direct + "/close", close, methods=["POST"]),
            Route(partner, query, methods=["GET"]),
            Route(partner + "/close", close, methods=["POST"]),
            Route("/sim/pay", pay, methods=["POST"]),
        ],
        lifespan=lifespan,
    )
    app.state.ledger = book
    app.state.faults = misbehaviour
    app.state.calls = calls
    return app


def _answer(kit: MerchantKit, trade: SimTrade) -> dict[str, object]:
    return trade_fields(
        kit,
        out_trade_no=trade.out_trade_no,
        total_fen=trade.total_fen,
        trade_state=trade.state,
        now=trade.paid_at or 0.0,
        transaction_id=trade.transaction_id,
        openid=trade.openid,
        sub_mchid=trade.sub_mchid,
    )


def _attempt(fields: dict[str, Any]) -> PaymentAttempt:
    number = fields.get("outTradeNo")
    if not isinstance(number, str) or not _TRADE_NO.fullmatch(number):
        raise LedgerError("PARAM_ERROR", "outTradeNo must be 1-32 letters, digits or _-|*@")
    total = fields.get("totalFen")
    if isinstance(total, bool) or not isinstance(total, int) or not 1 <= total <= _MAX_FEN:
        raise LedgerError("PARAM_ERROR", "totalFen must be a whole number of fen, at least 1")
    sub_mchid = _optional_text(fields, "subMchid")
    if sub_mchid is not None and not _MCHID.fullmatch(sub_mchid):
        raise LedgerError("PARAM_ERROR", "subMchid must be digits")
    return PaymentAttempt(
        out_trade_no=number,
        total_fen=total,
        state=_optional_text(fields, "state") or "SUCCESS",
        sub_mchid=sub_mchid,
    )


def _object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise LedgerError("PARAM_ERROR", "the body is not JSON") from None
    if not isinstance(data, dict):
        raise LedgerError("PARAM_ERROR", "the body is not a JSON object")
    return data


def _optional_text(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise LedgerError("PARAM_ERROR", f"{name} must be a non-empty string")
    return value


@contextlib.asynccontextmanager
async def running_simulator(
    app: Starlette, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[str]:
    """Serve the simulator in this event loop until the block ends; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, lifespan="on", log_config=None)
    )
    async with serving(server):
        yield f"http://{host}:{bound_port(server)}"
