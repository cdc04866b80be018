"""Two real ``orderbell-server serve`` processes on one PostgreSQL database behave as one.

Each test uses its own shop, so the servers (started once for the module) can be shared and
every check compares what a counter received with that shop's rows in the events table.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from backend.devkit import MerchantKit, payment_callback, write_kit
from backend.simulator import SimulatedOrder, SimulationError, Simulator
from backend.store import Database, EventRow, create_token
from tests.e2e.helpers import counter, next_event
from tests.logscan import LogScan
from tests.pg import PostgresCluster, free_port

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0  # a bound, not an expectation: a loaded machine starts Python slowly
STOP_TIMEOUT_S = 10.0
SETTLE_TIMEOUT_S = 15.0

T = TypeVar("T")


@dataclass
class ServerProcess:
    """One ``orderbell-server serve`` subprocess and where it listens."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/counter"

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM, as a process manager would; killed if it does not exit in time."""
        if not self.alive():
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT_S)


@dataclass
class Deployment:
    """Instances A and B behind no load balancer, the database they share, and its server."""

    cluster: PostgresCluster
    database_url: str
    env_file: Path
    directory: Path
    kit: MerchantKit
    servers: dict[str, ServerProcess]
    scan: LogScan

    @property
    def a(self) -> ServerProcess:
        return self.servers["a"]

    @property
    def b(self) -> ServerProcess:
        return self.servers["b"]

    def start(self, *names: str) -> None:
        """Start the named instances together and wait until each answers /healthz."""
        for name in names:
            port = free_port()
            log = self.directory / f"{name}-{port}.log"
            environ = {k: v for k, v in os.environ.items() if not k.startswith("ORDERBELL_")}
            environ.update(ORDERBELL_DATABASE_URL=self.database_url, PYTHONUNBUFFERED="1")
            argv = [sys.executable, "-m", "backend.cli", "serve"]
            argv += ["--env-file", str(self.env_file), "--port", str(port)]
            with log.open("wb") as sink:
                process = subprocess.Popen(
                    argv, env=environ, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT
                )
            self.servers[name] = ServerProcess(name, process, port, log)
        for name in names:
            _wait_until_healthy(self.servers[name])

    def stop(self) -> None:
        """Stop every instance; every log any of them wrote goes through the suite's scan."""
        for server in self.servers.values():
            server.stop()
        for log in sorted(self.directory.glob("*.log")):
            self.scan.check(f"instance log {log.name}", log.read_text(errors="replace"))


def _wait_until_healthy(server: ServerProcess) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if not server.alive():
            pytest.fail(f"instance {server.name} exited:\n{server.output()}")
        try:
            if httpx.get(server.url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    pytest.fail(f"instance {server.name} did not become healthy:\n{server.output()}")


@pytest.fixture(scope="module")
def deployment(
    postgres_cluster: PostgresCluster,
    kit: MerchantKit,
    tmp_path_factory: pytest.TempPathFactory,
    log_scan: LogScan,
) -> Iterator[Deployment]:
    """A and B started together on an EMPTY database: they migrate it between them."""
    directory = tmp_path_factory.mktemp("two-instances")
    database_url = asyncio.run(postgres_cluster.create_database(migrated=False))
    env_file = write_kit(kit, directory / "kit")
    deployed = Deployment(postgres_cluster, database_url, env_file, directory, kit, {}, log_scan)
    try:
        deployed.start("a", "b")
        yield deployed
    finally:
        deployed.stop()
        asyncio.run(postgres_cluster.drop_database(database_url))


@pytest.fixture
def both(deployment: Deployment) -> Deployment:
    """The deployment with both instances running (a test before may have stopped one)."""
    stopped = [name for name, server in deployment.servers.items() if not server.alive()]
    if stopped:
        deployment.start(*stopped)
    return deployment


@pytest.fixture
async def db(deployment: Deployment) -> AsyncIterator[Database]:
    """The shared database, for tokens and for reading the events table."""
    database = Database(deployment.database_url)
    yield database
    await database.dispose()


async def token_for(db: Database, shop_id: int) -> str:
    _, token = await create_token(db, shop_id=shop_id, name="till", now=datetime.now(UTC))
    return token


async def shop_event_ids(db: Database, shop_id: int) -> list[int]:
    """The shop's rows in the events table, in id order: what every counter must receive."""
    query = select(EventRow.id).where(EventRow.shop_id == shop_id).order_by(EventRow.id)
    return await db.read(lambda connection: list(connection.execute(query).scalars()))


async def until_done(attempt: Callable[[], Awaitable[T]], limit_s: float = SETTLE_TIMEOUT_S) -> T:
    """Retry ``attempt`` the way WeChat Pay retries a callback, until it succeeds (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while True:
        try:
            return await attempt()
        except (SimulationError, httpx.TransportError):
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.05)


async def pay_with_retries(sim: Simulator, shop_id: int) -> SimulatedOrder:
    """Submit and pay one order; each retry repeats the SAME notification, as WeChat's do."""
    order = await until_done(lambda: sim.submit(shop_id=shop_id))
    order = SimulatedOrder(order.id, order.number, order.amount_fen, f"4200{order.id:024d}")
    return await until_done(lambda: sim.pay(order))


class Payments:
    """Orders paid one after another through one instance, from ``start()`` until ``stop()``."""

    def __init__(self, sim: Simulator, shop_id: int) -> None:
        self.paid: list[SimulatedOrder] = []
        self._sim = sim
        self._shop_id = shop_id
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while not self._stopping.is_set():
            self.paid.append(await pay_with_retries(self._sim, self._shop_id))

    async def wait_for(self, count: int) -> None:
        """Until ``count`` orders in all are paid (bounded; a failed payment fails the test)."""
        assert self._task is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_TIMEOUT_S
        while len(self.paid) < count:
            if self._task.done():
                self._task.result()
            assert loop.time() < deadline, f"only {len(self.paid)} of {count} orders paid"
            await asyncio.sleep(0.02)

    async def stop(self) -> list[SimulatedOrder]:
        assert self._task is not None
        self._stopping.set()
        await self._task
        return self.paid


async def receive_ids(ws: ClientConnection, count: int) -> list[int]:
    """The ids of the next ``count`` events (each within the helper's receive timeout)."""
    return [(await next_event(ws))["id"] for _ in range(count)]


async def drain_until_closed(ws: ClientConnection) -> tuple[list[int], int | None]:
    """Every event still arriving on a connection the server is closing, and its close code."""
    ids: list[int] = []
    try:
        while True:
            ids.append((await next_event(ws))["id"])
    except ConnectionClosed as closed:
        return ids, closed.rcvd.code if closed.rcvd else None


async def test_payment_through_a_reaches_a_counter_on_b(both: Deployment, db: Database) -> None:
    """A signed callback sent to A is heard by a counter connected to B."""
    token = await token_for(db, shop_id=11)
    async with counter(both.b.ws_url, token) as ws, httpx.AsyncClient(base_url=both.a.url) as http:
        order = await pay_with_retries(Simulator(both.kit, http), 11)
        event = await next_event(ws)
    assert (event["type"], event["shopId"], event["orderNumber"]) == (1, 11, order.number)


async def test_twenty_copies_over_a_and_b_give_one_event(both: Deployment, db: Database) -> None:
    """20 copies of one notification, sent at once to A and B alternately: one event in all."""
    token = await token_for(db, shop_id=12)
    async with (
        counter(both.a.ws_url, token) as ws,
        httpx.AsyncClient(base_url=both.a.url) as http_a,
        httpx.AsyncClient(base_url=both.b.url) as http_b,
    ):
        sim = Simulator(both.kit, http_a)
        order = await sim.submit(shop_id=12)
        headers, body = payment_callback(
            both.kit, out_trade_no=order.number, total_fen=order.amount_fen, now=time.time()
        )
        answers = await asyncio.gather(
            *(
                (http_a, http_b)[n % 2].post("/notify/paySuccess", content=body, headers=headers)
                for n in range(20)
            )
        )
        first = await next_event(ws)
        marker = await pay_with_retries(sim, 12)
        second = await next_event(ws)
    assert [answer.status_code for answer in answers] == [204] * 20
    assert (first["orderNumber"], second["orderNumber"]) == (order.number, marker.number)
    assert await shop_event_ids(db, 12) == [first["id"], second["id"]]


async def test_counter_on_stopped_b_catches_up_on_a_with_since(
    both: Deployment, db: Database
) -> None:
    """B stops while orders keep coming through A; the counter resumes on A and misses nothing."""
    token = await token_for(db, shop_id=13)
    async with httpx.AsyncClient(base_url=both.a.url) as http:
        payments = Payments(Simulator(both.kit, http), 13)
        async with counter(both.b.ws_url, token) as ws:
            payments.start()
            received = await receive_ids(ws, 2)
            await asyncio.to_thread(both.b.stop)
            drained, code = await drain_until_closed(ws)
            received += drained
        paid_while_away = len(payments.paid)
        async with counter(both.a.ws_url, token, since=received[-1]) as ws:
            await payments.wait_for(len(payments.paid) + 3)
            paid = await payments.stop()
            expected = await shop_event_ids(db, 13)
            received += await receive_ids(ws, len(expected) - len(received))
    assert code == 1001
    assert received == expected
    assert len(expected) == len(paid) > paid_while_away


async def test_postgres_restart_under_load_loses_and_repeats_nothing(
    both: Deployment, db: Database
) -> None:
    """Orders paid through A while PostgreSQL restarts reach counters on A and B exactly once."""
    token = await token_for(db, shop_id=14)
    async with (
        counter(both.a.ws_url, token) as ws_a,
        counter(both.b.ws_url, token) as ws_b,
        httpx.AsyncClient(base_url=both.a.url) as http,
    ):
        payments = Payments(Simulator(both.kit, http), 14)
        payments.start()
        received_a, received_b = await receive_ids(ws_a, 3), await receive_ids(ws_b, 3)
        await asyncio.to_thread(both.cluster.restart)
        await payments.wait_for(len(payments.paid) + 5)
        paid = await payments.stop()
        expected = await shop_event_ids(db, 14)
        received_a += await receive_ids(ws_a, len(expected) - len(received_a))
        received_b += await receive_ids(ws_b, len(expected) - len(received_b))
    assert received_a == expected
    assert received_b == expected
    assert len(expected) == len(paid)
