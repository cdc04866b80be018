"""Fixtures every test package shares: a clock, a live backend on a free port, real speech."""

from __future__ import annotations

import ctypes.util
import logging
import os
import shutil
import ssl
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, event
from starlette.applications import Starlette

from backend.app import create_app
from backend.devkit import MerchantKit, create_kit, customer_token, write_kit
from backend.hub import Hub
from backend.routes.common import Services
from backend.server import bound_port, running_server
from backend.settings import Settings, load_settings, read_environment
from backend.store import Database, create_token, migrate_async
from backend.wechatsim import Ledger, SimulatorFaults, running_simulator, simulator_app
from tests.channel_receivers import Receivers, serve_receivers
from tests.logscan import SERVER_LOGGERS, LogScan
from tests.pg import PostgresCluster, PostgresUnavailable, in_ci
from tests.sound import SoundCard, capturing_sound_card, missing_sound_card

# Property tests are reproducible: the same examples on every run and machine (no example
# database, no randomness), and no per-example deadline on a shared machine's noisy clock.
# Each test bounds its own max_examples so the default run stays fast.
settings.register_profile(
    "orderbell",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("orderbell")

# One TLS context for the tests' HTTP clients (verify=TLS): httpx builds a new one, ~0.1 s of
# loading CA certificates, for every client otherwise.
TLS = ssl.create_default_context()

# The shops' time zone unless a test configures another (ORDERBELL_TIMEZONE's default).
SHOP_ZONE = ZoneInfo("Asia/Shanghai")


class FakeClock:
    """Wall-clock seconds that only move when a test says so."""

    def __init__(self, start: float | None = None) -> None:
        self.value = time.time() if start is None else start

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.value, UTC)


@dataclass
class LiveServer:
    """A real uvicorn server on 127.0.0.1 serving a fresh database, and how to talk to it."""

    base_url: str
    ws_url: str
    kit: MerchantKit
    settings: Settings
    clock: FakeClock
    db: Database
    hub: Hub
    app: Starlette

    @property
    def services(self) -> Services:
        """What the server's handlers are given (its reconciler among them)."""
        services: Services = self.app.state.services
        return services

    async def device_token(self, shop_id: int = 1, name: str = "counter") -> str:
        _, token = await create_token(
            self.db, shop_id=shop_id, name=name, now=self.clock.datetime()
        )
        return token

    def customer(self, user_id: int = 1) -> dict[str, str]:
        return {"authentication": customer_token(self.kit, user_id, now=self.clock())}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


_INSTALL_SPEECH = "install espeak-ng and alsa-utils (apt-get install -y espeak-ng alsa-utils)"


@pytest.fixture
def espeak() -> None:
    """Require espeak-ng (command and library) for a real-speech test: fail in CI, else skip."""
    if shutil.which("espeak-ng") and ctypes.util.find_library("espeak-ng"):
        return
    if os.environ.get("CI"):
        pytest.fail(f"espeak-ng is not installed, real speech cannot be tested: {_INSTALL_SPEECH}")
    pytest.skip(f"espeak-ng is not installed: {_INSTALL_SPEECH} to run the real speech tests")


def _require_aplay() -> None:
    if shutil.which("aplay"):
        return
    if os.environ.get("CI"):
        pytest.fail(f"aplay is not installed, playback cannot be tested: {_INSTALL_SPEECH}")
    pytest.skip(f"aplay is not installed: {_INSTALL_SPEECH} to run the playback tests")


@pytest.fixture
def sound_card(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SoundCard:
    """Real aplay plays into an ALSA output the test reads back (ALSA_CONFIG_PATH is set)."""
    _require_aplay()
    card = capturing_sound_card(tmp_path / "alsa")
    monkeypatch.setenv("ALSA_CONFIG_PATH", str(card.config))
    return card


@pytest.fixture
def no_sound_card(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Real aplay finds no sound card, as on a PC without one (ALSA_CONFIG_PATH is set)."""
    _require_aplay()
    config = missing_sound_card(tmp_path / "alsa")
    monkeypatch.setenv("ALSA_CONFIG_PATH", str(config))
    return config


@dataclass
class WeChatSim:
    """A running WeChat Pay simulator: address, book of trades, fault switches, calls taken."""

    url: str
    ledger: Ledger
    faults: SimulatorFaults
    calls: list[tuple[str, str]]

    def asked(self, number: str) -> list[str]:
        """What was asked about order ``number``, in order: "query" and "close"."""
        return [action for action, about in self.calls if about == number]


@pytest.fixture
async def wechat_sim(kit: MerchantKit, clock: FakeClock) -> AsyncIterator[WeChatSim]:
    """The kit's WeChat Pay simulator on a free port, on the test's clock."""
    faults = SimulatorFaults()
    app = simulator_app(kit, clock=clock, faults=faults)
    async with running_simulator(app) as url:
        yield WeChatSim(url, app.state.ledger, faults, app.state.calls)


def reconciling(
    directory: Path, kit: MerchantKit, api_url: str, *, after_s: float = 1, expire_s: float = 900
) -> dict[str, str]:
    """Settings turning reconciliation on against ``api_url``, for ``kit_settings(directory)``."""
    return {
        "ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE": str(directory / "kit" / "apiclient_key.pem"),
        "ORDERBELL_WECHATPAY_MERCHANT_SERIAL": kit.merchant_serial,
        "ORDERBELL_WECHATPAY_API_URL": api_url,
        "ORDERBELL_RECONCILE_AFTER_S": str(after_s),
        "ORDERBELL_ORDER_EXPIRE_S": str(expire_s),
    }


def kit_settings(directory: Path, kit: MerchantKit, **overrides: str) -> Settings:
    """Server settings for a test kit and an SQLite file in ``directory``."""
    environ = read_environment({}, write_kit(kit, directory / "kit"))
    environ["ORDERBELL_DATABASE_URL"] = f"sqlite+aiosqlite:///{directory / 'orderbell.db'}"
    environ.update(overrides)
    return load_settings(environ)


# The test customers' contact details: customer data, which no log may hold.
CUSTOMER_PHONE = "138 0013 8000"
CUSTOMER_ADDRESS = "1 Example Road"
SIMULATED_ADDRESS = "演示路 1 号"  # backend.simulator's


@pytest.fixture(scope="session", autouse=True)
def log_scan() -> Iterator[LogScan]:
    """Every record the suite's servers log, at DEBUG, scanned for secrets; checked at the end."""
    scan = LogScan()
    scan.register("a customer's phone number", CUSTOMER_PHONE)
    scan.register("a customer's address", CUSTOMER_ADDRESS, SIMULATED_ADDRESS)
    loggers = [logging.getLogger(name) for name in SERVER_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(scan)
    try:
        yield scan
    finally:
        root.removeHandler(scan)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
    assert not scan.leaks, "secrets in the servers' logs:\n" + "\n".join(
        str(leak) for leak in scan.leaks[:20]
    )


def registered(scan: LogScan, kit: MerchantKit) -> MerchantKit:
    """``kit``, with its secrets registered for the log scan (a line of each private key
    stands for the whole key)."""
    scan.register("the APIv3 key", kit.apiv3_key)
    scan.register("the customer JWT secret", kit.jwt_secret)
    for what, pem in (
        ("WeChat Pay's private key", kit.private_key_pem),
        ("the merchant's private key", kit.merchant_private_key_pem),
    ):
        scan.register(what, pem.decode().splitlines()[2])
    return kit


@pytest.fixture(scope="session")
def kit(log_scan: LogScan) -> MerchantKit:
    return registered(log_scan, create_kit())


@pytest.fixture(scope="session")
def other_kit(log_scan: LogScan) -> MerchantKit:
    """A second, unrelated kit: its signatures and APIv3 key are wrong for ``kit``."""
    return registered(log_scan, create_kit())


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """The SQL statements the database runs from here on (BEGIN and COMMIT left out)."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        statement: str = args[2]
        if statement.split(None, 1)[0].upper() in {"SELECT", "UPDATE", "INSERT", "DELETE"}:
            seen.append(statement)

    # Every engine: on an SQLite file the transactions run on the worker threads' own engine.
    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


@pytest.fixture
def live_overrides() -> dict[str, str]:
    """Extra ORDERBELL_* settings for the ``live`` server; override the fixture to change them."""
    return {}


@pytest.fixture
async def live(
    tmp_path: Path, kit: MerchantKit, clock: FakeClock, live_overrides: dict[str, str]
) -> AsyncIterator[LiveServer]:
    settings = kit_settings(tmp_path, kit, **live_overrides)
    await migrate_async(settings.database_url)
    db = Database(settings.database_url)
    app = create_app(settings, clock=clock, migrate=False)
    try:
        async with running_server(app, settings) as server:
            port = bound_port(server)
            yield LiveServer(
                base_url=f"http://127.0.0.1:{port}",
                ws_url=f"ws://127.0.0.1:{port}/ws/counter",
                kit=kit,
                settings=settings,
                clock=clock,
                db=db,
                hub=app.state.hub,
                app=app,
            )
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One throw-away PostgreSQL server for the whole run; skipped without binaries unless CI."""
    try:
        cluster = PostgresCluster.start()
    except PostgresUnavailable as exc:
        if in_ci():
            pytest.fail(f"CI is set but PostgreSQL is missing: {exc}")
        pytest.skip(str(exc))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def zone() -> ZoneInfo:
    """The shops' time zone as the server defaults it."""
    return ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def receivers() -> AsyncIterator[Receivers]:
    """Local stand-ins for WeCom, DingTalk, Feishu and a webhook, on a free port."""
    async with serve_receivers() as served:
        yield served
