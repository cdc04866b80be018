"""What the server writes to its log never contains a device token."""

from __future__ import annotations

import logging

import pytest
from websockets.asyncio.client import connect

from backend.server import RedactTokens
from tests.conftest import LiveServer


async def test_query_token_never_reaches_the_log(
    live: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A counter authenticating with ?token= is logged with the token masked."""
    caplog.set_level(logging.INFO)
    token = await live.device_token()
    async with connect(f"{live.ws_url}?token={token}&since=0"):
        pass
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "token=***" in logged
    assert token not in logged


def test_redaction_keeps_the_rest_of_the_line() -> None:
    """Only the token's value is masked; other query parameters stay readable."""
    record = logging.LogRecord(
        "uvicorn.error",
        logging.INFO,
        __file__,
        1,
        '%s - "WebSocket %s"',
        ("1.2.3.4", "/ws/a?token=obt_x-y&since=5"),
        None,
    )
    RedactTokens().filter(record)
    assert record.getMessage() == '1.2.3.4 - "WebSocket /ws/a?token=***&since=5"'
