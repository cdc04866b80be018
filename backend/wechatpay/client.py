"""The WeChat Pay API v3 calls OrderBell makes: query and close an order, signed and verified.

Every request is signed with the merchant's private key; every answer is verified with the same
keys, header policy and ±300 s window as a notification before anything in it is believed.
Every call has a deadline. Nothing here logs a key, a signature or a request header.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import httpx

from backend.wechatpay.authorization import MerchantCredentials, authorization
from backend.wechatpay.errors import (
    AnswerRejected,
    ApiRefused,
    ApiUnavailable,
    NotAuthentic,
    NotificationRejected,
)
from backend.wechatpay.headers import DEFAULT_WINDOW_S
from backend.wechatpay.keys import VerifierKeys
from backend.wechatpay.notice import Trade, parse_trade
from backend.wechatpay.pipeline import DIRECT, PARTNER
from backend.wechatpay.signature import verify_signed_body

log = logging.getLogger(__name__)

API_URL = "https://api.mch.weixin.qq.com"
TIMEOUT_S = 10.0
USER_AGENT = "OrderBell (order reconciliation; python-httpx)"
# Answers about one order are a few hundred bytes; anything far larger is not WeChat Pay.
ANSWER_LIMIT = 64 * 1024
# WeChat Pay's own rule for out_trade_no (and the digits of merchant ids), so a path needs no
# escaping and the signed path is exactly the one sent.
_TRADE_NO = re.compile(r"[0-9A-Za-z_\-|*@]{1,32}")
_MCHID = re.compile(r"[0-9]{1,32}")


class CloseResult(Enum):
    """What closing an unpaid order at WeChat Pay did."""

    CLOSED = "closed"
    PAID = "paid"  # ORDERPAID: it was paid meanwhile; query it
    NOT_FOUND = "not_found"  # ORDER_NOT_EXIST: no payment was ever started, nothing to close


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    body: bytes


class WeChatPayApi:
    """Queries and closes orders; direct or partner (service-provider) endpoints by ``mode``.

    ``http`` is an httpx client whose base URL is the API's (a transport can be injected there);
    ``clock`` gives Unix seconds and ``nonce`` a fresh random string, for the signatures.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        merchant: MerchantCredentials,
        keys: VerifierKeys,
        *,
        clock: Callable[[], float],
        mode: str = DIRECT,
        timeout_s: float = TIMEOUT_S,
        window_s: int = DEFAULT_WINDOW_S,
        nonce: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        if mode not in (DIRECT, PARTNER):
            raise ValueError(f"unknown WeChat Pay mode {mode!r}: use {DIRECT} or {PARTNER}")
        self._http = http
        self._merchant = merchant
        self._keys = keys
        self._clock = clock
        self._mode = mode
        self._timeout_s = timeout_s
        self._window_s = window_s
        self._nonce = nonce

    async def query(self, out_trade_no: str, *, sub_mchid: str | None = None) -> Trade | None:
        """The order's state at WeChat Pay, or None when no payment was ever started for it."""
        self._check_ids(out_trade_no, sub_mchid)
        if self._mode == PARTNER:
            path = (
                f"/v3/pay/partner/transactions/out-trade-no/{out_trade_no}"
                f"?sp_mchid={self._merchant.mchid}&sub_mchid={sub_mchid}"
            )
        else:
            path = f"/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={self._merchant.mchid}"
        answer = await self._call("GET", path, b"")
        if answer.status == 200:
            return self._trade(answer.body, out_trade_no, sub_mchid)
        if _code(answer) == "ORDER_NOT_EXIST":
            return None
        raise _refused(answer, f"querying order {out_trade_no}")

    async def close(self, out_trade_no: str, *, sub_mchid: str | None = None) -> CloseResult:
        """Close an unpaid order so that it can no longer be paid."""
        self._check_ids(out_trade_no, sub_mchid)
        if self._mode == PARTNER:
            path = f"/v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close"
            fields = {"sp_mchid": self._merchant.mchid, "sub_mchid": sub_mchid}
        else:
            path = f"/v3/pay/transactions/out-trade-no/{out_trade_no}/close"
            fields = {"mchid": self._merchant.mchid}
        answer = await self._call("POST", path, json.dumps(fields).encode())
        if answer.status in (200, 204):
            return CloseResult.CLOSED
        code = _code(answer)
        if code == "ORDERPAID":
            return CloseResult.PAID
        if code == "ORDER_NOT_EXIST":
            return CloseResult.NOT_FOUND
        if code == "ORDER_CLOSED":
            return CloseResult.CLOSED
        raise _refused(answer, f"closing order {out_trade_no}")

    def _check_ids(self, out_trade_no: str, sub_mchid: str | None) -> None:
        if not _TRADE_NO.fullmatch(out_trade_no):
            raise ValueError(f"{out_trade_no[:40]!r} is not a WeChat Pay out_trade_no")
        if self._mode == PARTNER and (sub_mchid is None or not _MCHID.fullmatch(sub_mchid)):
            raise ValueError("partner mode needs the shop's sub-merchant id (digits)")

    def _trade(self, body: bytes, out_trade_no: str, sub_mchid: str | None) -> Trade:
        try:
            trade = parse_trade(body)
        except NotificationRejected as exc:
            raise AnswerRejected(f"the answer about order {out_trade_no}: {exc.message}") from None
        expected = (
            out_trade_no,
            self._merchant.mchid,
            sub_mchid if self._mode == PARTNER else None,
        )
        found = (trade.out_trade_no, trade.mchid, trade.sub_mchid)
        if found != expected:
            raise AnswerRejected(
                f"the answer about order {out_trade_no} is about order "
                f"{trade.out_trade_no[:40]!r} of merchant {trade.mchid[:40]!r}"
                + (f"/{trade.sub_mchid[:40]!r}" if trade.sub_mchid else "")
            )
        return trade

    async def _call(self, method: str, path: str, body: bytes) -> _Answer:
        timestamp = int(self._clock())
        headers = {
            "Authorization": authorization(
                self._merchant, method, path, body, timestamp=timestamp, nonce=self._nonce()
            ),
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if body:
            headers["Content-Type"] = "application/json"
        try:
            async with asyncio.timeout(self._timeout_s):
                async with self._http.stream(
                    method, path, content=body, headers=headers, timeout=self._timeout_s
                ) as response:
                    answer = _Answer(response.status_code, await _bounded(response))
                    answer_headers = dict(response.headers)
        except TimeoutError:
            raise ApiUnavailable(
                f"WeChat Pay did not answer {method} {_route(path)} within {self._timeout_s:g} s"
            ) from None
        except httpx.HTTPError as exc:
            raise ApiUnavailable(
                f"WeChat Pay unreachable for {method} {_route(path)}: {type(exc).__name__}"
            ) from None
        log.debug("WeChat Pay %s %s answered %s", method, _route(path), answer.status)
        if answer.status >= 500 or answer.status == 429:
            raise ApiUnavailable(f"WeChat Pay answered {answer.status} to {method} {_route(path)}")
        try:
            verify_signed_body(
                self._keys, answer_headers, answer.body, self._clock(), self._window_s
            )
        except NotAuthentic as exc:
            if answer.status == 401:
                raise ApiRefused(
                    "WeChat Pay refused our request signature (401): check "
                    "ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE, ORDERBELL_WECHATPAY_MERCHANT_SERIAL "
                    "and ORDERBELL_WECHATPAY_MCHID",
                    status=401,
                    code=_code(answer) or "SIGN_ERROR",
                ) from None
            raise AnswerRejected(
                f"the answer ({answer.status}) to {method} {_route(path)} is not verifiably from "
                f"WeChat Pay: {exc.message}"
            ) from None
        return answer


async def _bounded(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > ANSWER_LIMIT:
            raise AnswerRejected(f"an answer over {ANSWER_LIMIT} bytes is not WeChat Pay's")
        chunks.append(chunk)
    return b"".join(chunks)


def _route(path: str) -> str:
    """The path without its query, for log lines."""
    return path.partition("?")[0]


def _error_field(answer: _Answer, name: str) -> str | None:
    """A text field (``code``, ``message``) of an error answer, if it has one."""
    try:
        data = json.loads(answer.body)
    except (ValueError, RecursionError):
        return None
    value = data.get(name) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def _code(answer: _Answer) -> str | None:
    return _error_field(answer, "code")


def _refused(answer: _Answer, doing: str) -> ApiRefused:
    code = _code(answer) or "?"
    message = _error_field(answer, "message")
    return ApiRefused(
        f"WeChat Pay refused {doing} ({answer.status} {code[:40]})"
        + (f": {message[:200]}" if message else ""),
        status=answer.status,
        code=code,
    )
