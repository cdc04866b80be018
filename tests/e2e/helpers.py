"""Small clients for end-to-end tests: a counter on the WebSocket and the simulator over HTTP."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from backend.simulator import SimulatedOrder, Simulator

RECEIVE_TIMEOUT_S = 5.0


def counter(url: str, token: str, since: int | None = None) -> Any:
    """Connect as a counter PC (use with ``async with``)."""
    query = "" if since is None else f"?since={since}"
    return connect(url + query, additional_headers={"Authorization": f"Bearer {token}"})


async def next_event(ws: ClientConnection) -> dict[str, Any]:
    """The next frame, decoded; fails the test if none comes within a few seconds."""
    frame = await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT_S)
    data = json.loads(frame)
    assert isinstance(data, dict)
    return data


def simulator(live: Any, client: httpx.AsyncClient) -> Simulator:
    return Simulator(live.kit, client, clock=live.clock)


async def paid_order(sim: Simulator, shop_id: int = 1, user_id: int = 1) -> SimulatedOrder:
    """Submit and pay an order through the real API and signed callback."""
    return await sim.pay(await sim.submit(shop_id=shop_id, user_id=user_id))
