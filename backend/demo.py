"""A throw-away backend with a test kit, a device token and simulated customers."""

from __future__ import annotations

import asyncio
import contextlib
import random
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from backend.app import create_app
from backend.devkit import MerchantKit, create_kit, write_kit
from backend.server import bound_port, running_server
from backend.settings import Settings, load_settings, read_environment
from backend.simulator import SimulatedOrder, SimulationError, Simulator
from backend.store import Database, create_token, migrate_async
from orderbell_protocol import ProtocolError, decode_event

DEMO_SHOP = 1


@dataclass(frozen=True, slots=True)
class DemoBackend:
    """Where the demo server listens and how a counter gets in."""

    base_url: str
    ws_url: str
    token: str
    kit: MerchantKit
    settings: Settings


@contextlib.asynccontextmanager
async def demo_backend(host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[DemoBackend]:
    """Serve a fresh backend on a temporary database in this event loop."""
    with tempfile.TemporaryDirectory(prefix="orderbell-demo-") as tmp:
        directory = Path(tmp)
        kit = create_kit()
        env_file = write_kit(kit, directory / "kit")
        environ = read_environment({}, env_file)
        environ["ORDERBELL_DATABASE_URL"] = f"sqlite+aiosqlite:///{directory / 'demo.db'}"
        environ["ORDERBELL_REMINDER_COOLDOWN_S"] = "5"
        settings = load_settings(environ)
        await migrate_async(settings.database_url)
        db = Database(settings.database_url)
        try:
            _, token = await create_token(
                db, shop_id=DEMO_SHOP, name="demo counter", now=datetime.now(UTC)
            )
        finally:
            await db.dispose()
        app = create_app(settings, migrate=False)
        async with running_server(app, settings, host, port) as server:
            actual = bound_port(server)
            yield DemoBackend(
                base_url=f"http://{host}:{actual}",
                ws_url=f"ws://{host}:{actual}/ws/demo",
                token=token,
                kit=kit,
                settings=settings,
            )


async def simulate_customers(
    backend: DemoBackend,
    *,
    interval: float,
    say: Callable[[str], None],
    rng: random.Random | None = None,
) -> None:
    """Every ``interval`` s pay a new order, now and then hurry an earlier one; until cancelled."""
    rng = rng or random.Random()  # noqa: S311 - demo data
    paid: list[SimulatedOrder] = []
    async with httpx.AsyncClient(base_url=backend.base_url, timeout=10) as client:
        simulator = Simulator(backend.kit, client, rng=rng)
        while True:
            try:
                if paid and rng.random() < 0.3:
                    order = rng.choice(paid)
                    answer = await simulator.remind(order.id or 0)
                    count = answer["reminderCount"]
                    say(f"customer hurries order {order.number} (reminder #{count})")
                else:
                    order = await simulator.submit(shop_id=DEMO_SHOP)
                    yuan = order.amount_fen / 100
                    say(f"customer submitted order {order.number} ({yuan:.2f} yuan)")
                    paid.append(await simulator.pay(order))
                    say(f"signed WeChat Pay callback for order {order.number} accepted")
            except (SimulationError, httpx.HTTPError) as exc:
                say(f"simulation step failed: {exc}")
            await asyncio.sleep(interval)


async def listen_as_counter(backend: DemoBackend, say: Callable[[str], None]) -> None:
    """Connect like a counter PC and narrate every event that arrives; until cancelled."""
    headers = {"Authorization": f"Bearer {backend.token}"}
    async with connect(backend.ws_url, additional_headers=headers, compression=None) as ws:
        async for frame in ws:
            try:
                event = decode_event(frame)
            except ProtocolError as exc:
                say(f"counter got a frame it does not understand: {exc}")
                continue
            say(
                f"counter heard event #{event.id}: {event.type.name} for order "
                f"{event.order_number} (status {event.status.name})"
            )


async def run_demo(host: str, port: int, interval: float, duration: float | None) -> int:
    """``orderbell-server demo``: serve, print how to connect, simulate until stopped."""
    async with demo_backend(host, port) as backend:
        print("OrderBell demo server - TEST merchant kit, never for real money")
        print(f"  HTTP:         {backend.base_url}")
        print(f"  WebSocket:    {backend.ws_url}")
        print(f"  device token: {backend.token}")
        print(f"  listen:       {backend.ws_url}?token={backend.token}")

        def narrate(line: str) -> None:
            print(f"* {line}", flush=True)

        tasks = [
            asyncio.create_task(listen_as_counter(backend, narrate)),
            asyncio.create_task(simulate_customers(backend, interval=interval, say=narrate)),
        ]
        try:
            if duration is None:
                await asyncio.Event().wait()
            else:
                await asyncio.sleep(duration)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return 0
