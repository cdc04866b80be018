"""``orderbell-server demo --escalate-after S``: the owner's phone, shown in the terminal."""

from __future__ import annotations

import pytest

from backend.cli import main
from backend.demo import run_demo


async def test_the_demo_shows_what_the_phone_gets(capsys: pytest.CaptureFixture[str]) -> None:
    """Orders the demo counter never accepts reach the stand-in robot after a second."""
    assert await run_demo("127.0.0.1", 0, interval=0.5, duration=3.5, escalate_after=1) == 0
    out = capsys.readouterr().out
    assert "orders unanswered for 1 s go to a stand-in WeCom robot" in out
    assert "📱 ┌─ 企业微信" in out
    assert "│ 【来单铃】订单无人处理：1 秒无人接单" in out


def test_the_demo_refuses_an_impossible_wait(capsys: pytest.CaptureFixture[str]) -> None:
    """--escalate-after 0 is refused before anything starts."""
    assert main(["demo", "--escalate-after", "0", "--duration", "1"]) == 1
    assert "--escalate-after takes whole seconds from 1" in capsys.readouterr().err
