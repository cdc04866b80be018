"""The access log of a live server: requests by route, streams with shop, device and close code."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.conftest import LiveServer
from tests.e2e.helpers import counter, paid_order, simulator, wait_for_connections

ACCESS = "backend.access"


def access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == ACCESS]


async def test_a_counters_stream_logs_its_opening_and_its_end(
    live: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    """ws=open and ws=close lines name the shop and the device, never the token."""
    caplog.set_level(logging.INFO, logger=ACCESS)
    token = await live.device_token(shop_id=3, name="front counter")
    async with counter(live.ws_url, token):
        await wait_for_connections(live.hub, 1)
    await wait_for_connections(live.hub, 0)
    lines = access_lines(caplog)
    assert 'ws=open route=/ws/{sid} shop=3 device="front counter"' in lines
    assert 'ws=close route=/ws/{sid} shop=3 device="front counter" code=peer' in lines
    assert token not in caplog.text


async def test_a_refused_stream_logs_4401_without_the_token(
    live: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A bad token: one ws=refused line with code 4401, and the token nowhere."""
    caplog.set_level(logging.INFO, logger=ACCESS)
    bad = "obt_not-a-real-token-0123456789"
    with pytest.raises(Exception, match="403"):
        async with counter(live.ws_url + f"?token={bad}", bad):
            pass
    assert "ws=refused route=/ws/{sid} code=4401" in access_lines(caplog)
    assert bad not in caplog.text


async def test_requests_are_logged_by_route_without_ids_or_phone_numbers(
    live: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Submit, pay and accept: each a line by route; no order number, phone or token."""
    caplog.set_level(logging.INFO, logger=ACCESS)
    token = await live.device_token()
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        order = await paid_order(simulator(live, http))
        await http.put(
            f"/admin/orders/{order.id}/accept", headers={"Authorization": f"Bearer {token}"}
        )
    lines = access_lines(caplog)
    assert any(line.startswith("method=POST route=/user/order/submit status=200") for line in lines)
    assert any(line.startswith("method=POST route=/notify/paySuccess status=204") for line in lines)
    assert any(
        line.startswith("method=PUT route=/admin/orders/{id}/accept status=200") for line in lines
    )
    text = "\n".join(lines)
    assert order.number not in text
    assert token not in text
