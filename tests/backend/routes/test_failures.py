"""A failed request is one answer and one log line: no traceback storm, nothing logged twice."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import text
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.backend.postgres.helpers import eventually
from tests.backend.routes.conftest import Api, assert_error, bearer, submission

SUBMIT = "/user/order/submit"
FAILURES = "backend.routes.failures"


async def break_table(api: Api, table: str) -> None:
    """Take a table away from under the running server, as a failing database would."""
    rename = text(f"ALTER TABLE {table} RENAME TO {table}_gone")
    await api.live.db.write(lambda transaction: transaction.execute(rename))


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_database_failure_is_503_and_one_line_per_request(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """Each request failing on the database answers 503 and logs one line, no traceback."""
    await break_table(api, "orders")
    for _ in range(3):
        answer = await api.http.post(SUBMIT, json=submission(), headers=api.live.customer())
        assert_error(answer, 503, "UNAVAILABLE")
        assert answer.headers["retry-after"] == "1"
    lines = [r for r in caplog.records if r.name == FAILURES]
    assert [r.levelno for r in lines] == [logging.WARNING] * 3
    assert "no such table: orders" in lines[0].getMessage()
    assert not any(r.exc_info for r in caplog.records)
    assert errors(caplog) == []


async def test_a_client_gone_mid_body_is_one_info_line(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """A client that hangs up halfway through its body leaves one INFO line, no error."""
    caplog.set_level(logging.INFO, logger=FAILURES)
    host, port = api.live.base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = (
        f"POST {SUBMIT} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: 1000\r\nauthentication: {api.live.customer()['authentication']}\r\n\r\n"
    )
    writer.write(head.encode() + b'{"shopId": 1, "items": [')
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    await eventually(lambda: [r for r in caplog.records if r.name == FAILURES], "the log line")
    [line] = [r for r in caplog.records if r.name == FAILURES]
    assert line.levelno == logging.INFO
    assert "went away" in line.getMessage()
    assert errors(caplog) == []
    assert await api.order_count() == 0
    del reader


async def test_a_database_failure_at_a_handshake_is_503_not_403(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """A counter whose token cannot be looked up hears 'retry' (503), never 'revoked' (403)."""
    await break_table(api, "device_tokens")
    with pytest.raises(InvalidStatus) as refused:
        async with connect(api.live.ws_url, additional_headers=bearer("obt_never-seen")):
            pass
    assert refused.value.response.status_code == 503
    assert errors(caplog) == []
