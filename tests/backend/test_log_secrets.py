"""A live server logging at DEBUG gives away no device token, JWT, key or customer data."""

from __future__ import annotations

import logging

import httpx
import pytest
from websockets.asyncio.client import connect

from backend.devkit import payment_callback
from tests.backend.routes.conftest import submission
from tests.conftest import LiveServer
from tests.logscan import LogScan


async def test_a_live_server_at_debug_logs_no_secret(
    live: LiveServer, log_scan: LogScan, caplog: pytest.LogCaptureFixture
) -> None:
    """Counters (Authorization header, ?token=), a customer (JWT, phone, address) and WeChat Pay
    (the APIv3 key) at work: no record the server writes gives any of it away."""
    caplog.set_level(logging.DEBUG)
    mark = log_scan.mark()
    token = await live.device_token()
    bearer = {"Authorization": f"Bearer {token}"}
    async with connect(live.ws_url, additional_headers=bearer):
        pass
    async with connect(f"{live.ws_url}?token={token}&since=0"):
        pass
    async with httpx.AsyncClient(base_url=live.base_url, timeout=10) as http:
        answer = await http.post("/user/order/submit", json=submission(), headers=live.customer())
        order = answer.json()
        headers, body = payment_callback(
            live.kit,
            now=live.clock(),
            out_trade_no=order["orderNumber"],
            total_fen=order["amountFen"],
        )
        assert (
            await http.post("/notify/paySuccess", content=body, headers=headers)
        ).status_code == 204
        assert (await http.get("/admin/orders?status=2", headers=bearer)).status_code == 200
    assert log_scan.since(mark) == []
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("uvicorn"))
    # The server logged the handshakes in full at DEBUG: masked, not left out.
    assert "authorization: ***" in logged.lower()
    assert "token=***" in logged
