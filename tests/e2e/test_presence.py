"""Presence: which counters of a shop are connected, as a counter PC and the owner see it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.backend.postgres.helpers import eventually
from tests.conftest import LiveServer
from tests.e2e.helpers import counter, wait_for_live_counters


@pytest.fixture
def live_overrides() -> dict[str, str]:
    """Keepalive pings every 0.2 s, so a counter's last pong shows quickly."""
    return {"ORDERBELL_WS_PING_INTERVAL_S": "0.2"}


async def presence(live: LiveServer, token: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        return await http.get("/admin/presence", headers={"Authorization": f"Bearer {token}"})


async def listed(live: LiveServer, token: str) -> dict[str, Any]:
    answer = await presence(live, token)
    assert answer.status_code == 200
    data: dict[str, Any] = answer.json()
    return data


async def test_two_connected_counters_are_listed_by_name(live: LiveServer) -> None:
    """Front and kitchen connected: count 2, names, connection time, and which one is asking."""
    front = await live.device_token(name="front counter")
    kitchen = await live.device_token(name="kitchen")
    async with counter(live.ws_url, front), counter(live.ws_url, kitchen):
        await wait_for_live_counters(live.hub, 2)
        data = await listed(live, front)
    assert (data["shopId"], data["count"]) == (1, 2)
    assert sorted(c["name"] for c in data["counters"]) == ["front counter", "kitchen"]
    asking = [c["name"] for c in data["counters"] if c["thisDevice"]]
    assert asking == ["front counter"]
    assert all(c["connectedSince"].endswith("+00:00") for c in data["counters"])


async def test_a_counter_that_left_is_no_longer_listed(live: LiveServer) -> None:
    """Disconnected: the count drops at once on the instance it was connected to."""
    front = await live.device_token(name="front counter")
    async with counter(live.ws_url, front):
        await wait_for_live_counters(live.hub, 1)
        assert (await listed(live, front))["count"] == 1
    await wait_for_live_counters(live.hub, 0)
    assert (await listed(live, front))["count"] == 0


async def test_a_shop_sees_only_its_own_counters(live: LiveServer) -> None:
    """A counter of shop 2 is not in shop 1's list, and the other way round."""
    mine = await live.device_token(shop_id=1)
    theirs = await live.device_token(shop_id=2)
    async with counter(live.ws_url, theirs):
        await wait_for_live_counters(live.hub, 1)
        assert (await listed(live, mine))["count"] == 0
        assert (await listed(live, theirs))["count"] == 1


async def test_two_connections_of_one_pc_are_one_counter(live: LiveServer) -> None:
    """A PC reconnecting while its old connection lingers counts once, with two connections."""
    front = await live.device_token()
    async with counter(live.ws_url, front), counter(live.ws_url, front):
        await wait_for_live_counters(live.hub, 2)
        data = await listed(live, front)
    assert data["count"] == 1
    assert data["counters"][0]["connections"] == 2


async def test_presence_needs_a_device_token(live: LiveServer) -> None:
    """Without a valid token the answer is 401."""
    assert (await presence(live, "obt_not-a-token")).status_code == 401


async def test_the_last_pong_shows_when_the_counter_last_answered(live: LiveServer) -> None:
    """Once the counter answers a keepalive ping, its last pong is listed."""
    front = await live.device_token()
    async with counter(live.ws_url, front):
        await wait_for_live_counters(live.hub, 1)

        async def answered() -> bool:
            [entry] = (await listed(live, front))["counters"]
            return entry["lastPong"] is not None

        await eventually(answered, "a pong")
