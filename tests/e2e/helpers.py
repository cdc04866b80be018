"""Small clients for end-to-end tests: a counter on the WebSocket and the simulator over HTTP."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from backend.app import create_app
from backend.devkit import MerchantKit
from backend.hub import Hub
from backend.routes.common import Services
from backend.server import bound_port, running_server
from backend.settings import Settings
from backend.simulator import SimulatedOrder, Simulator
from backend.store import Database, Item, OrderView, PaymentFacts, record_payment, submit_order
from tests.conftest import SHOP_ZONE

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


async def wait_for_connections(hub: Hub, count: int, limit_s: float = 10.0) -> None:
    """Poll the hub until it holds exactly ``count`` connections (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while hub.connection_count != count:
        assert loop.time() < deadline, f"hub holds {hub.connection_count}, expected {count}"
        await asyncio.sleep(0.02)


async def wait_for_live_counters(hub: Hub, count: int, limit_s: float = 10.0) -> None:
    """Poll the hub until exactly ``count`` device-token connections have gone live (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while (live := len(list(hub.live_counters()))) != count:
        assert loop.time() < deadline, f"hub holds {live} live counters, expected {count}"
        await asyncio.sleep(0.02)


async def stalled_counter(port: int, token: str) -> socket.socket:
    """A counter that completes the WebSocket handshake and then never reads again."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /ws/stalled HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Authorization: Bearer {token}\r\n\r\n"
    )
    await loop.sock_sendall(sock, request.encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = await asyncio.wait_for(loop.sock_recv(sock, 1), 5)
        assert chunk, "server closed during the handshake"
        answer += chunk
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return sock


async def closed_by_server(sock: socket.socket, limit_s: float = 10.0) -> bool:
    """Read a raw client socket until the server has let go of it (EOF or reset), bounded."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while loop.time() < deadline:
        try:
            chunk = await asyncio.wait_for(loop.sock_recv(sock, 65536), deadline - loop.time())
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False
        if not chunk:
            return True
    return False


@dataclass
class Serving:
    """A running server on a test's database: a client of it, and the app's services."""

    http: httpx.AsyncClient
    ws_url: str
    sim: Simulator
    services: Services


@contextlib.asynccontextmanager
async def serving(
    settings: Settings, kit: MerchantKit, clock: Callable[[], float], **options: Any
) -> AsyncIterator[Serving]:
    """Serve ``create_app(settings, **options)`` (already migrated) until the block ends."""
    app = create_app(settings, clock=clock, migrate=False, **options)
    async with running_server(app, settings) as server:
        port = bound_port(server)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            sim = Simulator(kit, http, clock=clock)
            yield Serving(http, f"ws://127.0.0.1:{port}/ws/till", sim, app.state.services)


async def paid_in_store(db: Database, now: datetime, shop_id: int = 1) -> OrderView:
    """An order submitted and paid straight through the store, as another process would."""
    order = await submit_order(
        db,
        user_id=1,
        shop_id=shop_id,
        items=[Item("米饭", 1, 200)],
        remark="",
        phone="13800138000",
        address="",
        now=now,
    )
    facts = PaymentFacts(order.number, f"4200{order.id:024d}", order.amount_fen, now)
    paid = (await record_payment(db, facts, now, zone=SHOP_ZONE)).order
    assert paid is not None
    return paid
