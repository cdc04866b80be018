"""The demo's stand-in robot: it answers as WeCom does and shows the message as a phone would."""

from __future__ import annotations

import httpx

from backend.phone import DEMO_KEY, PATH, phone_app, phone_screen


async def test_a_message_is_shown_and_acknowledged_as_wecom_does() -> None:
    """A WeCom text message gets errcode 0 and its lines appear on the screen."""
    shown: list[str] = []
    transport = httpx.ASGITransport(app=phone_app(shown.append))
    async with httpx.AsyncClient(transport=transport, base_url="http://phone") as client:
        answer = await client.post(
            f"{PATH}?key={DEMO_KEY}",
            json={"msgtype": "text", "text": {"content": "【来单铃】订单无人处理\n门店：1 号店"}},
        )
    assert answer.json() == {"errcode": 0, "errmsg": "ok"}
    [screen] = shown
    assert "│ 【来单铃】订单无人处理" in screen
    assert "│ 门店：1 号店" in screen


async def test_a_wrong_key_is_refused_like_wecom() -> None:
    """Another key gets WeCom's errcode 93000 and nothing is shown."""
    shown: list[str] = []
    transport = httpx.ASGITransport(app=phone_app(shown.append))
    async with httpx.AsyncClient(transport=transport, base_url="http://phone") as client:
        answer = await client.post(f"{PATH}?key=other", json={"msgtype": "text"})
    assert answer.json()["errcode"] == 93000
    assert shown == []


async def test_a_message_that_is_not_text_is_refused() -> None:
    """A body without text.content is not shown."""
    shown: list[str] = []
    transport = httpx.ASGITransport(app=phone_app(shown.append))
    async with httpx.AsyncClient(transport=transport, base_url="http://phone") as client:
        answer = await client.post(f"{PATH}?key={DEMO_KEY}", content=b"[1, 2]")
    assert answer.json()["errcode"] == 40008
    assert shown == []


def test_long_lines_wrap_and_mentions_follow() -> None:
    """A long line wraps inside the bubble; mentioned numbers come last."""
    screen = phone_screen("长" * 100, ["13800138000"])
    assert screen.count("│ ") >= 3
    assert screen.splitlines()[-2].endswith("@13800138000")
