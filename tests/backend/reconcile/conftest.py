"""Fixtures for the reconciler tests: a database, the simulator, and a reconciler between them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from backend.devkit import MerchantKit
from backend.reconcile import Reconciler, Schedule
from backend.store import Database, Item, OrderView, migrate_async, submit_order
from backend.wechatpay import MerchantConfig, VerifierKeys, WeChatPayApi
from backend.wechatsim import PaymentAttempt
from orderbell_protocol import Event
from tests.conftest import SHOP_ZONE, TLS, FakeClock, WeChatSim

AFTER_S = 30.0
EXPIRE_S = 900.0

MakeReconciler = Callable[..., Reconciler]
PlaceOrder = Callable[[], Awaitable[OrderView]]


@pytest.fixture
def published() -> list[Event]:
    """The events the database handed to its listener (the dispatcher) once committed."""
    return []


@pytest.fixture
async def db(tmp_path: Path, published: list[Event]) -> AsyncIterator[Database]:
    """A migrated SQLite database whose committed events go to ``published``."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'orderbell.db'}"
    await migrate_async(url)
    database = Database(url)
    database.publish_to(published.append)
    yield database
    await database.dispose()


def api_client(kit: MerchantKit, http: httpx.AsyncClient, clock: FakeClock) -> WeChatPayApi:
    """The merchant's WeChat Pay client over ``http``, on the test's clock."""
    keys = VerifierKeys.load(kit.public_key_id, kit.public_key_pem)
    return WeChatPayApi(http, kit.merchant_credentials(), keys, clock=clock, timeout_s=5)


@pytest.fixture
async def api(
    kit: MerchantKit, wechat_sim: WeChatSim, clock: FakeClock
) -> AsyncIterator[WeChatPayApi]:
    """The merchant's WeChat Pay client, talking to the simulator."""
    async with httpx.AsyncClient(base_url=wechat_sim.url, verify=TLS) as http:
        yield api_client(kit, http, clock)


@pytest.fixture
def make_reconciler(
    db: Database, api: WeChatPayApi, kit: MerchantKit, clock: FakeClock
) -> MakeReconciler:
    """Builds reconcilers of the kit's merchant (default delays 30 s and 900 s, the simulator)."""

    def make(
        *,
        after_s: float = AFTER_S,
        expire_s: float = EXPIRE_S,
        owner: str = "test",
        through: WeChatPayApi | None = None,
    ) -> Reconciler:
        merchant = MerchantConfig(kit.mchid, kit.appid, kit.apiv3_key.encode())
        return Reconciler(
            db,
            through or api,
            merchant,
            Schedule(after_s, expire_s),
            clock,
            zone=SHOP_ZONE,
            owner=owner,
        )

    return make


@pytest.fixture
def reconciler(make_reconciler: MakeReconciler) -> Reconciler:
    """A reconciler with the default delays."""
    return make_reconciler()


@pytest.fixture
def place(db: Database, clock: FakeClock) -> PlaceOrder:
    """Submits a 66.00 yuan order now, awaiting payment."""

    async def submit() -> OrderView:
        return await submit_order(
            db,
            user_id=7,
            shop_id=1,
            items=(Item("宫保鸡丁", 2, 3200), Item("米饭", 1, 200)),
            remark="",
            phone="13800138000",
            address="1 Example Road",
            now=clock.datetime(),
        )

    return submit


def pay_at_wechat(
    sim: WeChatSim,
    clock: FakeClock,
    order: OrderView,
    *,
    total_fen: int | None = None,
    state: str = "SUCCESS",
) -> None:
    """The customer pays (or tries to) at WeChat Pay, and no callback ever reaches us."""
    attempt = PaymentAttempt(
        order.number, order.amount_fen if total_fen is None else total_fen, state
    )
    sim.ledger.pay(attempt, clock())
