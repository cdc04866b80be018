"""Test connection against a real server: connected, token refused, unreachable, no token."""

from __future__ import annotations

import socket

from desktop.net.connection import Connection, check_connection
from desktop.net.errors import ServerUnavailable, TokenRejected
from tests.conftest import LiveServer


async def test_a_valid_token_connects(live: LiveServer) -> None:
    """The server answers and accepts the token: 已连接."""
    token = await live.device_token()
    assert await check_connection(live.base_url, token) == (Connection.CONNECTED, None)


async def test_an_unknown_token_is_refused(live: LiveServer) -> None:
    """The server answers but refuses the token: 令牌错误."""
    outcome, error = await check_connection(live.base_url, "obt_not-a-token")
    assert outcome is Connection.TOKEN_REJECTED
    assert isinstance(error, TokenRejected)


async def test_nothing_listening_is_unreachable() -> None:
    """No server at the address: 连不上, with the reason to show."""
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    outcome, error = await check_connection(f"http://127.0.0.1:{port}", "obt_x")
    assert outcome is Connection.UNREACHABLE
    assert isinstance(error, ServerUnavailable)
    assert "Cannot reach" in str(error.message)


async def test_no_token_is_not_sent() -> None:
    """An empty token is reported as missing, without asking any server."""
    assert await check_connection("http://127.0.0.1:9", "  ") == (Connection.NO_TOKEN, None)
