"""Local stand-ins for WeCom, DingTalk, Feishu and a generic webhook, served over real HTTP.

Each checks a request the way its service documents it (the signatures are recomputed here,
independently of the code under test) and answers as the service does. What a receiver
accepted is what a phone would show.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.server import bound_port, guest_server, serving

WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK_TOKEN = "d2f7c0ffee0123456789abcdef0123456789abcdef0123456789abcdef01"
DINGTALK_SECRET = "SEC0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8"
FEISHU_HOOK = "2f9b1c6e-8a4d-4c1e-9f3b-7d6a5e4c3b2a"
FEISHU_SECRET = "zq0YnujLaCwkUq4PKpQS2f"
WEBHOOK_SECRET = "whsec-orderbell-test"
# DingTalk and Feishu refuse a timestamp more than an hour from their own clock.
CLOCK_SKEW_S = 3600


@dataclass(frozen=True)
class Received:
    """One message a receiver accepted."""

    channel: str
    text: str
    mentions: tuple[str, ...]
    body: dict[str, Any]


@dataclass
class Receivers:
    """Where the four receivers listen, what they accepted, and how to make them fail."""

    base_url: str = ""
    accepted: list[Received] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    # Answers to give instead of the real thing, one per request, for a receiver failing then
    # recovering: an HTTP status (500) or a channel error code (-1 for "errcode 45009").
    failures: list[int] = field(default_factory=list)
    signed: bool = True
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def wecom_url(self) -> str:
        return f"{self.base_url}/cgi-bin/webhook/send?key={WECOM_KEY}"

    @property
    def dingtalk_url(self) -> str:
        return f"{self.base_url}/robot/send?access_token={DINGTALK_TOKEN}"

    @property
    def feishu_url(self) -> str:
        return f"{self.base_url}/open-apis/bot/v2/hook/{FEISHU_HOOK}"

    @property
    def webhook_url(self) -> str:
        return f"{self.base_url}/orderbell/escalations"

    def texts(self) -> list[str]:
        return [item.text for item in self.accepted]

    async def wait_for(self, count: int, limit_s: float = 10.0) -> list[Received]:
        """Wait until ``count`` messages were accepted; fail the test after ``limit_s``."""
        await self.wait_until(lambda: len(self.accepted) >= count, limit_s)
        return self.accepted

    async def wait_until(self, check: Callable[[], bool], limit_s: float = 10.0) -> None:
        """Wait until ``check()`` holds after some request; fail the test after ``limit_s``."""
        async with asyncio.timeout(limit_s):
            while not check():
                self.changed.clear()
                await self.changed.wait()

    def _took(self, item: Received) -> None:
        self.accepted.append(item)
        self.changed.set()

    def _refuse(self, why: str) -> None:
        self.refused.append(why)
        self.changed.set()


def _fresh(timestamp: int, now_s: float) -> bool:
    return abs(now_s - timestamp) <= CLOCK_SKEW_S


def build_app(state: Receivers, clock: Callable[[], float] = time.time) -> Starlette:
    """The four receivers as one app."""

    async def body_of(request: Request) -> dict[str, Any] | None:
        try:
            data = json.loads(await request.body())
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def injected_failure() -> int | None:
        if not state.failures:
            return None
        state.changed.set()
        return state.failures.pop(0)

    async def wecom(request: Request) -> Response:
        if request.query_params.get("key") != WECOM_KEY:
            state._refuse("wecom: bad key")
            return JSONResponse({"errcode": 93000, "errmsg": "invalid webhook url"})
        failure = injected_failure()
        if failure is not None:
            if failure > 0:
                return Response(status_code=failure)
            return JSONResponse({"errcode": 45009, "errmsg": "api freq out of limit"})
        data = await body_of(request)
        text = (data or {}).get("text")
        if not data or data.get("msgtype") != "text" or not isinstance(text, dict):
            state._refuse("wecom: not a text message")
            return JSONResponse({"errcode": 40008, "errmsg": "invalid message type"})
        mentions = tuple(text.get("mentioned_mobile_list") or ())
        state._took(Received("wecom", text["content"], mentions, data))
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    async def dingtalk(request: Request) -> Response:
        query = request.query_params
        if query.get("access_token") != DINGTALK_TOKEN:
            return JSONResponse({"errcode": 300001, "errmsg": "token is not exist"})
        if state.signed:
            # Documented: sign = urlEncode(base64(HmacSHA256(key=secret, timestamp+"\n"+secret))),
            # timestamp in milliseconds within an hour of DingTalk's clock.
            raw_ts, sign = query.get("timestamp", ""), query.get("sign", "")
            if not raw_ts.isdigit() or not _fresh(int(raw_ts) // 1000, clock()):
                state._refuse("dingtalk: stale or missing timestamp")
                return JSONResponse({"errcode": 310000, "errmsg": "sign not match"})
            expected = base64.b64encode(
                hmac.new(
                    DINGTALK_SECRET.encode(),
                    f"{raw_ts}\n{DINGTALK_SECRET}".encode(),
                    hashlib.sha256,
                ).digest()
            ).decode()
            if not hmac.compare_digest(sign, expected):
                state._refuse("dingtalk: bad sign")
                return JSONResponse({"errcode": 310000, "errmsg": "sign not match"})
        failure = injected_failure()
        if failure is not None:
            if failure > 0:
                return Response(status_code=failure)
            return JSONResponse({"errcode": 130101, "errmsg": "send too fast"})
        data = await body_of(request)
        text = (data or {}).get("text")
        if not data or data.get("msgtype") != "text" or not isinstance(text, dict):
            state._refuse("dingtalk: not a text message")
            return JSONResponse({"errcode": 40035, "errmsg": "missing msgtype"})
        mentions = tuple((data.get("at") or {}).get("atMobiles") or ())
        state._took(Received("dingtalk", text["content"], mentions, data))
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    async def feishu(request: Request) -> Response:
        if request.path_params["hook"] != FEISHU_HOOK:
            return JSONResponse(
                {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
            )
        data = await body_of(request)
        if data is None:
            return JSONResponse({"code": 9499, "msg": "Bad Request"}, status_code=400)
        if state.signed:
            # Documented: sign = base64(HmacSHA256(key=timestamp+"\n"+secret, message="")),
            # timestamp in seconds within an hour; both in the JSON body.
            raw_ts, sign = str(data.get("timestamp", "")), data.get("sign", "")
            expected = base64.b64encode(
                hmac.new(f"{raw_ts}\n{FEISHU_SECRET}".encode(), b"", hashlib.sha256).digest()
            ).decode()
            good = raw_ts.isdigit() and _fresh(int(raw_ts), clock())
            if not good or not isinstance(sign, str) or not hmac.compare_digest(sign, expected):
                state._refuse("feishu: bad sign")
                return JSONResponse(
                    {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}
                )
        failure = injected_failure()
        if failure is not None:
            if failure > 0:
                return Response(status_code=failure)
            return JSONResponse({"code": 11232, "msg": "frequency limited"})
        content = data.get("content")
        if data.get("msg_type") != "text" or not isinstance(content, dict):
            state._refuse("feishu: not a text message")
            return JSONResponse({"code": 9499, "msg": "Bad Request"})
        state._took(Received("feishu", content["text"], (), data))
        return JSONResponse({"code": 0, "data": {}, "msg": "success"})

    async def webhook(request: Request) -> Response:
        body = await request.body()
        raw_ts = request.headers.get("orderbell-timestamp", "")
        if state.signed:
            expected = (
                "sha256="
                + hmac.new(
                    WEBHOOK_SECRET.encode(), raw_ts.encode() + b"." + body, hashlib.sha256
                ).hexdigest()
            )
            signature = request.headers.get("orderbell-signature", "")
            if not raw_ts.isdigit() or not hmac.compare_digest(signature, expected):
                state._refuse("webhook: bad signature")
                return Response(status_code=401)
        failure = injected_failure()
        if failure is not None:
            return Response(status_code=failure if failure > 0 else 503)
        data = json.loads(body)
        state._took(Received("webhook", data["text"], tuple(data.get("mentions", ())), data))
        return Response(status_code=204)

    return Starlette(
        routes=[
            Route("/cgi-bin/webhook/send", wecom, methods=["POST"]),
            Route("/robot/send", dingtalk, methods=["POST"]),
            Route("/open-apis/bot/v2/hook/{hook}", feishu, methods=["POST"]),
            Route("/orderbell/escalations", webhook, methods=["POST"]),
        ]
    )


@contextlib.asynccontextmanager
async def serve_receivers(clock: Callable[[], float] = time.time) -> AsyncIterator[Receivers]:
    """Serve the receivers on a free port of 127.0.0.1 for the block."""
    state = Receivers()
    async with serving(guest_server(build_app(state, clock))) as server:
        state.base_url = f"http://127.0.0.1:{bound_port(server)}"
        yield state
