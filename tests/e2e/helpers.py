"""Small clients for end-to-end tests: a counter on the WebSocket and the simulator over HTTP."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from backend.hub import Hub
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


async def wait_for_connections(hub: Hub, count: int, limit_s: float = 10.0) -> None:
    """Poll the hub until it holds exactly ``count`` connections (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while hub.connection_count != count:
        assert loop.time() < deadline, f"hub holds {hub.connection_count}, expected {count}"
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
