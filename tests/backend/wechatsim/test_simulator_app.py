"""The WeChat Pay simulator over real HTTP: merchant signatures, the pay action, lost callbacks."""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from backend.devkit import MerchantKit
from backend.simulator import Simulator
from backend.store import get_order_by_number
from backend.wechatpay import authorization
from backend.wechatsim import Ledger, running_simulator, simulator_app
from orderbell_protocol import OrderStatus
from tests.conftest import TLS, LiveServer

ORDER = "20251126140512345"


async def simulator(
    kit: MerchantKit, *, lose_callbacks: float = 0.0, notify_url: str | None = None
) -> AsyncIterator[tuple[httpx.AsyncClient, Ledger]]:
    """A running simulator and a plain HTTP client of it."""
    app = simulator_app(
        kit, lose_callbacks=lose_callbacks, notify_url=notify_url, rng=random.Random(7)
    )
    async with (
        running_simulator(app) as url,
        httpx.AsyncClient(base_url=url, verify=TLS) as http,
    ):
        yield http, app.state.ledger


@pytest.fixture
async def sim(kit: MerchantKit) -> AsyncIterator[tuple[httpx.AsyncClient, Ledger]]:
    """The kit's simulator, losing no callback, with no default notify URL."""
    async for running in simulator(kit):
        yield running


async def submitted(live: LiveServer) -> tuple[str, int]:
    """A new order at the live server: its number and total."""
    async with httpx.AsyncClient(base_url=live.base_url, verify=TLS) as http:
        order = await Simulator(live.kit, http, clock=live.clock).submit()
    return order.number, order.amount_fen


async def pay_for(
    http: httpx.AsyncClient, live: LiveServer, number: str, total: int, **extra: object
) -> dict[str, object]:
    """Pay the live server's order at the simulator, its callback going to the server."""
    body = {
        "outTradeNo": number,
        "totalFen": total,
        "notifyUrl": f"{live.base_url}/notify/paySuccess",
        **extra,
    }
    answer: dict[str, object] = (await http.post("/sim/pay", json=body)).json()
    return answer


async def status_of(live: LiveServer, number: str) -> OrderStatus:
    """The order's status in the live server's database."""
    order = await get_order_by_number(live.db, number)
    assert order is not None
    return order.status


async def test_unsigned_query_is_refused_sign_error(
    kit: MerchantKit, sim: tuple[httpx.AsyncClient, Ledger]
) -> None:
    """A query without the merchant's signature gets 401 SIGN_ERROR, unsigned, as WeChat does."""
    http, _ = sim
    answer = await http.get(f"/v3/pay/transactions/out-trade-no/{ORDER}?mchid={kit.mchid}")
    assert answer.status_code == 401
    assert answer.json()["code"] == "SIGN_ERROR"
    assert "wechatpay-signature" not in answer.headers


async def test_paid_callback_reaches_the_server(
    live: LiveServer, sim: tuple[httpx.AsyncClient, Ledger]
) -> None:
    """Paying at the simulator delivers the signed callback: the order is paid at the server."""
    http, _ = sim
    number, total = await submitted(live)
    answer = await pay_for(http, live, number, total)
    assert answer["callback"] == "delivered"
    assert await status_of(live, number) is OrderStatus.TO_BE_CONFIRMED


async def test_lost_callback_leaves_the_payment_at_wechat_only(
    live: LiveServer, sim: tuple[httpx.AsyncClient, Ledger]
) -> None:
    """A lost callback: the server never hears of it, the simulator still has the payment."""
    http, ledger = sim
    number, total = await submitted(live)
    answer = await pay_for(http, live, number, total, loseCallback=True)
    assert answer["callback"] == "lost"
    assert await status_of(live, number) is OrderStatus.PENDING_PAYMENT
    trade = ledger.find(number)
    assert trade is not None
    assert (trade.state, trade.total_fen) == ("SUCCESS", total)


async def test_lose_fraction_one_loses_every_callback(kit: MerchantKit) -> None:
    """--lose-callbacks 1 loses them all, even with a notify URL configured."""
    async for http, _ in simulator(kit, lose_callbacks=1.0, notify_url="http://127.0.0.1:9/x"):
        outcomes = [
            (await http.post("/sim/pay", json={"outTradeNo": f"N{n}", "totalFen": 100})).json()[
                "callback"
            ]
            for n in range(5)
        ]
        assert outcomes == ["lost"] * 5


async def test_lose_fraction_loses_about_that_share(kit: MerchantKit) -> None:
    """--lose-callbacks 0.25 loses some callbacks and sends the others (seeded, so exact)."""
    async for http, _ in simulator(kit, lose_callbacks=0.25, notify_url="http://127.0.0.1:9/x"):
        outcomes = [
            (await http.post("/sim/pay", json={"outTradeNo": f"N{n}", "totalFen": 100})).json()[
                "callback"
            ]
            for n in range(40)
        ]
        lost = outcomes.count("lost")
        assert 4 <= lost <= 16
        assert all(outcome.startswith("undeliverable") for outcome in outcomes if outcome != "lost")


async def test_callback_to_a_dead_server_says_so(sim: tuple[httpx.AsyncClient, Ledger]) -> None:
    """A callback nobody receives is reported undeliverable; the payment stands."""
    http, ledger = sim
    answer = await http.post(
        "/sim/pay",
        json={"outTradeNo": ORDER, "totalFen": 100, "notifyUrl": "http://127.0.0.1:9/notify"},
    )
    assert answer.json()["callback"].startswith("undeliverable")
    assert ledger.find(ORDER) is not None


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"outTradeNo": "x/y", "totalFen": 100}',
        b'{"outTradeNo": "' + b"9" * 33 + b'", "totalFen": 100}',
        b'{"outTradeNo": "N1", "totalFen": "100"}',
        b'{"outTradeNo": "N1", "totalFen": true}',
        b'{"outTradeNo": "N1", "totalFen": 9223372036854775808}',
        b'{"outTradeNo": "N1", "totalFen": 100, "state": "PAID"}',
        b'{"outTradeNo": "N1", "totalFen": 100, "loseCallback": "yes"}',
        b'{"outTradeNo": "N1", "totalFen": 100, "subMchid": "abc"}',
        b'{"outTradeNo": "\\ud800", "totalFen": 100}',
        b"[" * 10_000 + b"]" * 10_000,
    ],
    ids=[
        "not-json",
        "not-object",
        "slash",
        "too-long",
        "string-total",
        "bool-total",
        "huge-total",
        "unknown-state",
        "lose-not-bool",
        "sub-not-digits",
        "lone-surrogate",
        "deep",
    ],
)
async def test_bad_pay_request_is_refused_and_records_nothing(
    sim: tuple[httpx.AsyncClient, Ledger], body: bytes
) -> None:
    """A pay request the simulator cannot take gets 400 PARAM_ERROR and changes nothing."""
    http, ledger = sim
    answer = await http.post("/sim/pay", content=body)
    assert answer.status_code == 400
    assert answer.json()["code"] == "PARAM_ERROR"
    assert ledger.find("N1") is None


async def test_paying_twice_is_refused_orderpaid(sim: tuple[httpx.AsyncClient, Ledger]) -> None:
    """A second payment of a paid order is refused ORDERPAID."""
    http, _ = sim
    first = await http.post("/sim/pay", json={"outTradeNo": ORDER, "totalFen": 100})
    again = await http.post("/sim/pay", json={"outTradeNo": ORDER, "totalFen": 100})
    assert first.status_code == 200
    assert (again.status_code, again.json()["code"]) == (400, "ORDERPAID")


async def test_query_naming_another_merchant_is_refused(
    kit: MerchantKit, sim: tuple[httpx.AsyncClient, Ledger]
) -> None:
    """A correctly signed query for another mchid gets a signed 400 PARAM_ERROR."""
    http, _ = sim
    path = f"/v3/pay/transactions/out-trade-no/{ORDER}?mchid=1900000999"
    signature = authorization(
        kit.merchant_credentials(), "GET", path, b"", timestamp=int(time.time()), nonce="n1"
    )
    answer = await http.get(path, headers={"Authorization": signature})
    assert (answer.status_code, answer.json()["code"]) == (400, "PARAM_ERROR")
    assert answer.headers["wechatpay-serial"] == kit.public_key_id
