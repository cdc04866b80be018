"""A throw-away backend with a test kit, a device token and simulated customers.

Customers pay at an in-process WeChat Pay simulator, which loses every fourth payment's
callback on purpose: the server's reconciler finds those payments by query about half a
minute later, and the demo says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from backend.app import create_app
from backend.devkit import MerchantKit, create_kit, write_kit
from backend.escalation import Rule, parse_rule
from backend.phone import DEMO_KEY, PATH, phone_app
from backend.server import bound_port, guest_server, running_server, serving
from backend.settings import Settings, load_settings, read_environment
from backend.simulator import SimulatedOrder, SimulationError, Simulator
from backend.store import Database, create_token, migrate_async
from backend.store.escalation_rules import save_rule
from backend.wechatsim import running_simulator, simulator_app
from orderbell_protocol import EventType, ProtocolError, decode_event

DEMO_SHOP = 1
# Every LOSE_EVERY-th payment's callback is lost (the 2nd, 6th, 10th...): about one in four,
# the first order always arrives by its callback, and a minute of demo shows one found by query.
LOSE_EVERY = 4
LOSE_FIRST = 2


class LostCallbacks:
    """Payments whose callback the demo's WeChat Pay lost, until the server finds them."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lost: dict[str, float] = {}

    def lost(self, number: str) -> None:
        """Order ``number`` was paid, and its callback lost."""
        self._lost[number] = self._clock()

    def __contains__(self, number: object) -> bool:
        return number in self._lost

    def found(self, number: str) -> float | None:
        """Seconds since the lost payment of ``number``, once; None for any other order."""
        paid = self._lost.pop(number, None)
        return None if paid is None else self._clock() - paid


def loses_callback(payment: int) -> bool:
    """Whether the demo's WeChat Pay loses the callback of its ``payment``-th payment (from 1)."""
    return payment % LOSE_EVERY == LOSE_FIRST % LOSE_EVERY


def found_line(seconds: float) -> str:
    """What the demo says when the server finds a payment whose callback was lost."""
    return f"callback lost — found by query after {seconds:.0f} s"


@dataclass(frozen=True, slots=True)
class DemoBackend:
    """Where the demo server listens and how a counter gets in."""

    base_url: str
    ws_url: str
    token: str
    kit: MerchantKit
    settings: Settings
    wechat_url: str
    lost: LostCallbacks = field(default_factory=LostCallbacks)


@contextlib.asynccontextmanager
async def demo_backend(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    reconcile_after_s: float = 30.0,
    escalation: Rule | None = None,
) -> AsyncIterator[DemoBackend]:
    """Serve a fresh backend on a temporary database in this event loop (with this rule).

    A lost callback's payment is found ``reconcile_after_s`` or so after the order was placed.
    """
    with tempfile.TemporaryDirectory(prefix="orderbell-demo-") as tmp:
        directory = Path(tmp)
        kit = create_kit()
        async with (
            running_simulator(simulator_app(kit), host) as wechat_url,
            _serving(
                directory, kit, wechat_url, host, port, reconcile_after_s, escalation
            ) as backend,
        ):
            yield backend


@contextlib.asynccontextmanager
async def _serving(
    directory: Path,
    kit: MerchantKit,
    wechat_url: str,
    host: str,
    port: int,
    reconcile_after_s: float,
    escalation: Rule | None,
) -> AsyncIterator[DemoBackend]:
    """The demo server itself, reconciling against the simulator at ``wechat_url``."""
    env_file = write_kit(kit, directory / "kit", api_url=wechat_url)
    environ = read_environment({}, env_file)
    environ["ORDERBELL_DATABASE_URL"] = f"sqlite+aiosqlite:///{directory / 'demo.db'}"
    environ["ORDERBELL_REMINDER_COOLDOWN_S"] = "5"
    environ["ORDERBELL_RECONCILE_AFTER_S"] = str(reconcile_after_s)
    settings = load_settings(environ)
    await migrate_async(settings.database_url)
    db = Database(settings.database_url)
    try:
        _, token = await create_token(
            db, shop_id=DEMO_SHOP, name="demo counter", now=datetime.now(UTC)
        )
        if escalation is not None:
            await save_rule(db, escalation, datetime.now(UTC))
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
            wechat_url=wechat_url,
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
    async with (
        httpx.AsyncClient(base_url=backend.base_url, timeout=10) as client,
        httpx.AsyncClient(base_url=backend.wechat_url, timeout=10) as wechat,
    ):
        simulator = Simulator(backend.kit, client, rng=rng)
        while True:
            try:
                # Only an order the restaurant knows of can be hurried: not one still lost.
                known = [order for order in paid if order.number not in backend.lost]
                if known and rng.random() < 0.3:
                    order = rng.choice(known)
                    answer = await simulator.remind(order.id or 0)
                    count = answer["reminderCount"]
                    say(f"customer hurries order {order.number} (reminder #{count})")
                else:
                    order = await simulator.submit(shop_id=DEMO_SHOP)
                    yuan = order.amount_fen / 100
                    say(f"customer submitted order {order.number} ({yuan:.2f} yuan)")
                    lose = loses_callback(len(paid) + 1)
                    await _pay_at_wechat(backend, wechat, order, lose=lose, say=say)
                    paid.append(order)
            except (SimulationError, httpx.HTTPError) as exc:
                say(f"simulation step failed: {exc}")
            await asyncio.sleep(interval)


async def _pay_at_wechat(
    backend: DemoBackend,
    wechat: httpx.AsyncClient,
    order: SimulatedOrder,
    *,
    lose: bool,
    say: Callable[[str], None],
) -> None:
    """The customer pays at the simulated WeChat Pay, which sends (or loses) the callback."""
    answer = await wechat.post(
        "/sim/pay",
        json={
            "outTradeNo": order.number,
            "totalFen": order.amount_fen,
            "notifyUrl": f"{backend.base_url}/notify/paySuccess",
            "loseCallback": lose,
        },
    )
    if answer.status_code != 200:
        raise SimulationError(f"paying at WeChat Pay: {answer.status_code} {answer.text[:200]}")
    callback = answer.json().get("callback")
    if callback == "lost":
        backend.lost.lost(order.number)
        say(
            f"customer paid order {order.number}; WeChat Pay's callback lost on the way "
            "(the server was not told): the server will find it by query"
        )
    elif callback == "delivered":
        say(f"signed WeChat Pay callback for order {order.number} accepted")
    else:
        say(f"WeChat Pay's callback for order {order.number}: {callback}")


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
            if event.type is EventType.NEW_ORDER:
                found = backend.lost.found(event.order_number)
                if found is not None:
                    say(found_line(found))


async def run_demo(
    host: str,
    port: int,
    interval: float,
    duration: float | None,
    escalate_after: int | None = None,
) -> int:
    """``orderbell-server demo``: serve, print how to connect, simulate until stopped.

    With ``escalate_after`` a stand-in WeCom robot prints what the owner's phone would show
    when an order stays unanswered that long (the demo's counter listens but never accepts).
    """

    def narrate(line: str) -> None:
        print(f"* {line}", flush=True)

    def show_phone(screen: str) -> None:
        print(screen, flush=True)

    async with contextlib.AsyncExitStack() as stack:
        escalation = None
        if escalate_after is not None:
            phone = await stack.enter_async_context(serving(guest_server(phone_app(show_phone))))
            escalation = parse_rule(
                shop_id=DEMO_SHOP,
                channel="wecom",
                url=f"http://127.0.0.1:{bound_port(phone)}{PATH}?key={DEMO_KEY}",
                after_s=escalate_after,
                no_counter_after_s=escalate_after,
            )
        backend = await stack.enter_async_context(demo_backend(host, port, escalation=escalation))
        print("OrderBell demo server - TEST merchant kit, never for real money")
        print(f"  HTTP:         {backend.base_url}")
        print(f"  WebSocket:    {backend.ws_url}")
        print(f"  device token: {backend.token}")
        print(f"  WeChat Pay:   {backend.wechat_url} (simulated; every 4th callback is lost)")
        print(f"  listen:       {backend.ws_url}?token={backend.token}")
        if escalation is not None:
            print(
                f"  escalation:   orders unanswered for {escalate_after} s go to a stand-in "
                "WeCom robot; 📱 shows what the owner's phone would show"
            )

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
