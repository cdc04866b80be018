"""The demo's stand-in for a WeCom group robot: it prints what the owner's phone would show.

It answers as a WeCom robot does (``{"errcode": 0, "errmsg": "ok"}``), so the demo's messages
go through the same sender, outbox and retries as real ones.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PATH = "/cgi-bin/webhook/send"
DEMO_KEY = "orderbell-demo"
MAX_BODY_BYTES = 64 * 1024


def phone_app(show: Callable[[str], None]) -> Starlette:
    """A WeCom-style robot at ``PATH?key=DEMO_KEY`` that hands each message's screen to ``show``."""

    async def send(request: Request) -> Response:
        if request.query_params.get("key") != DEMO_KEY:
            return JSONResponse({"errcode": 93000, "errmsg": "invalid webhook url"})
        body = await request.body()
        try:
            data = json.loads(body[:MAX_BODY_BYTES])
            content = data["text"]["content"]
            mentioned = data["text"].get("mentioned_mobile_list") or []
        except (ValueError, KeyError, TypeError, AttributeError):
            return JSONResponse({"errcode": 40008, "errmsg": "invalid message type"})
        show(phone_screen(str(content), [str(phone) for phone in mentioned]))
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    return Starlette(routes=[Route(PATH, send, methods=["POST"])])


def phone_screen(content: str, mentioned: list[str]) -> str:
    """The message as a chat bubble in the owner's WeCom group, drawn in plain text."""
    width = 44
    lines = []
    for paragraph in content.splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, width) or [""])
    if mentioned:
        lines.append("@" + " @".join(mentioned))
    top = "┌─ 企业微信 · 门店群 · 来单铃机器人 " + "─" * 10
    body = [f"│ {line}" for line in lines]
    return "\n".join(["📱 " + top, *("   " + line for line in body), "   └" + "─" * 30])
