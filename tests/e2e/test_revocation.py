"""Revoking a device token cuts off its live stream too, not only its next connection."""

from __future__ import annotations

import asyncio

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from backend.store import create_token, revoke_token
from tests.conftest import LiveServer
from tests.e2e.helpers import counter


@pytest.fixture
def live_overrides() -> dict[str, str]:
    return {"ORDERBELL_REVOCATION_CHECK_S": "0.1"}


async def test_revoked_token_is_closed_with_4401(live: LiveServer) -> None:
    """A counter whose token is revoked while connected is closed with 4401; others stay."""
    record, token = await create_token(
        live.db, shop_id=1, name="lost tablet", now=live.clock.datetime()
    )
    other = await live.device_token(name="till")
    async with counter(live.ws_url, token) as revoked, counter(live.ws_url, other) as kept:
        assert await revoke_token(live.db, record.id, live.clock.datetime())
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(revoked.recv(), 10)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4401
        pong = await kept.ping()
        await asyncio.wait_for(pong, 5)


async def test_closed_counter_cannot_reconnect(live: LiveServer) -> None:
    """Once its stream is closed for revocation, the token is refused at the handshake too."""
    record, token = await create_token(
        live.db, shop_id=1, name="lost tablet", now=live.clock.datetime()
    )
    async with counter(live.ws_url, token) as revoked:
        assert await revoke_token(live.db, record.id, live.clock.datetime())
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(revoked.recv(), 10)
    with pytest.raises(InvalidStatus) as refused:
        async with counter(live.ws_url, token):
            pass
    assert refused.value.response.status_code == 403
