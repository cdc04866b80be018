"""The WeChat Pay API client against the simulator over real HTTP: signed, verified, bounded."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from backend.devkit import MerchantKit, sign_raw
from backend.wechatpay import (
    PARTNER,
    AnswerRejected,
    ApiRefused,
    ApiUnavailable,
    CloseResult,
    VerifierKeys,
    WeChatPayApi,
)
from backend.wechatsim import PaymentAttempt
from tests.conftest import TLS, WeChatSim
from tests.pg import free_port

ORDER = "20251126140512345"
SUB_MCHID = "1900000200"


@pytest.fixture
def sim(wechat_sim: WeChatSim) -> WeChatSim:
    """The kit's WeChat Pay simulator."""
    return wechat_sim


@pytest.fixture
async def http(sim: WeChatSim) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the simulator's address."""
    async with httpx.AsyncClient(base_url=sim.url, verify=TLS) as client:
        yield client


def client(
    kit: MerchantKit,
    http: httpx.AsyncClient,
    *,
    signer: MerchantKit | None = None,
    clock: Callable[[], float] = time.time,
    mode: str = "direct",
    timeout_s: float = 5.0,
) -> WeChatPayApi:
    """A client of ``kit``'s merchant (or ``signer``'s key) trusting kit's WeChat Pay key."""
    keys = VerifierKeys.load(kit.public_key_id, kit.public_key_pem)
    credentials = (signer or kit).merchant_credentials()
    return WeChatPayApi(http, credentials, keys, clock=clock, mode=mode, timeout_s=timeout_s)


@pytest.fixture
def api(kit: MerchantKit, http: httpx.AsyncClient) -> WeChatPayApi:
    """A direct merchant's client of the simulator."""
    return client(kit, http)


def paid(sim: WeChatSim, total_fen: int = 4800, sub_mchid: str | None = None) -> None:
    """The customer paid ORDER at the simulator."""
    sim.ledger.pay(PaymentAttempt(ORDER, total_fen, sub_mchid=sub_mchid), time.time())


async def test_paid_order_is_answered_with_its_payment(sim: WeChatSim, api: WeChatPayApi) -> None:
    """A query of a paid order yields SUCCESS with WeChat's transaction id and the total."""
    paid(sim)
    trade = await api.query(ORDER)
    assert trade is not None
    assert trade.payment is not None
    transaction = sim.ledger.find(ORDER)
    assert transaction is not None
    assert (trade.trade_state, trade.payment.transaction_id, trade.payment.amount_total) == (
        "SUCCESS",
        transaction.transaction_id,
        4800,
    )


async def test_order_never_paid_is_answered_none(api: WeChatPayApi) -> None:
    """ORDER_NOT_EXIST (no payment ever started) is None, not an error."""
    assert await api.query(ORDER) is None


async def test_order_being_paid_is_answered_userpaying(sim: WeChatSim, api: WeChatPayApi) -> None:
    """An order the customer is still paying is answered with its state and no payment."""
    sim.ledger.pay(PaymentAttempt(ORDER, 4800, state="USERPAYING"), time.time())
    trade = await api.query(ORDER)
    assert trade is not None
    assert (trade.trade_state, trade.payment) == ("USERPAYING", None)


async def test_closing_an_unpaid_order_closes_it(sim: WeChatSim, api: WeChatPayApi) -> None:
    """Close answers 204 for an unpaid order, which is CLOSED at WeChat Pay afterwards."""
    sim.ledger.pay(PaymentAttempt(ORDER, 4800, state="NOTPAY"), time.time())
    assert await api.close(ORDER) is CloseResult.CLOSED
    trade = await api.query(ORDER)
    assert trade is not None
    assert trade.trade_state == "CLOSED"


async def test_closing_a_paid_order_says_it_was_paid(sim: WeChatSim, api: WeChatPayApi) -> None:
    """ORDERPAID on close means it was paid meanwhile: PAID, and it stays paid."""
    paid(sim)
    assert await api.close(ORDER) is CloseResult.PAID
    trade = await api.query(ORDER)
    assert trade is not None
    assert trade.trade_state == "SUCCESS"


async def test_closing_an_order_never_paid_says_not_found(api: WeChatPayApi) -> None:
    """Closing an order for which no payment was started answers NOT_FOUND."""
    assert await api.close(ORDER) is CloseResult.NOT_FOUND


async def test_partner_query_uses_the_sub_merchant(
    kit: MerchantKit, sim: WeChatSim, http: httpx.AsyncClient
) -> None:
    """In partner mode the query names sp_mchid and sub_mchid and finds that shop's order."""
    paid(sim, sub_mchid=SUB_MCHID)
    trade = await client(kit, http, mode=PARTNER).query(ORDER, sub_mchid=SUB_MCHID)
    assert trade is not None
    assert (trade.mchid, trade.sub_mchid, trade.trade_state) == (kit.mchid, SUB_MCHID, "SUCCESS")


async def test_partner_order_of_another_sub_merchant_is_not_found(
    kit: MerchantKit, sim: WeChatSim, http: httpx.AsyncClient
) -> None:
    """One sub-merchant's order is invisible under another's id."""
    paid(sim, sub_mchid=SUB_MCHID)
    assert await client(kit, http, mode=PARTNER).query(ORDER, sub_mchid="1900000300") is None


async def test_partner_close_uses_the_sub_merchant(
    kit: MerchantKit, sim: WeChatSim, http: httpx.AsyncClient
) -> None:
    """The partner close endpoint closes the sub-merchant's unpaid order."""
    sim.ledger.pay(PaymentAttempt(ORDER, 4800, state="NOTPAY", sub_mchid=SUB_MCHID), time.time())
    api = client(kit, http, mode=PARTNER)
    assert await api.close(ORDER, sub_mchid=SUB_MCHID) is CloseResult.CLOSED
    closed = sim.ledger.find(ORDER, SUB_MCHID)
    assert closed is not None
    assert closed.state == "CLOSED"


async def test_partner_mode_needs_a_sub_merchant(kit: MerchantKit, http: httpx.AsyncClient) -> None:
    """A partner query without the shop's sub_mchid is refused before anything is sent."""
    with pytest.raises(ValueError, match="sub-merchant"):
        await client(kit, http, mode=PARTNER).query(ORDER)


async def test_tampered_answer_is_rejected(sim: WeChatSim, api: WeChatPayApi) -> None:
    """An answer altered after WeChat Pay signed it is rejected, not believed."""
    paid(sim)
    sim.faults.tamper_answers = True
    with pytest.raises(AnswerRejected, match="does not verify"):
        await api.query(ORDER)


async def test_answer_signed_by_an_unknown_key_is_rejected(
    sim: WeChatSim, api: WeChatPayApi, other_kit: MerchantKit
) -> None:
    """An answer signed with a key that is not configured is rejected."""
    paid(sim)
    sim.faults.foreign_signer = other_kit
    with pytest.raises(AnswerRejected, match="unknown Wechatpay-Serial"):
        await api.query(ORDER)


async def test_stale_answer_is_rejected(
    kit: MerchantKit, sim: WeChatSim, http: httpx.AsyncClient
) -> None:
    """An answer more than 300 s from the client's clock is rejected (a replay, or a bad clock)."""
    paid(sim)
    skewed = client(kit, http, clock=lambda: time.time() - 400)
    # The simulator checks the request's timestamp too: it refuses before it can answer.
    with pytest.raises(ApiRefused, match="401"):
        await skewed.query(ORDER)


async def test_request_signed_with_another_key_is_refused(
    kit: MerchantKit, other_kit: MerchantKit, http: httpx.AsyncClient
) -> None:
    """WeChat Pay's 401 for our signature names the settings to check."""
    api = client(kit, http, signer=other_kit)
    with pytest.raises(ApiRefused, match="ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE"):
        await api.query(ORDER)


async def test_api_down_is_unavailable(kit: MerchantKit) -> None:
    """Nothing listening: ApiUnavailable (try again later), not a crash."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{free_port()}", verify=TLS) as http:
        with pytest.raises(ApiUnavailable, match="unreachable"):
            await client(kit, http).query(ORDER)


async def test_silent_api_times_out(kit: MerchantKit) -> None:
    """A server that accepts and never answers costs the timeout, then ApiUnavailable."""
    done = asyncio.Event()

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await done.wait()
        writer.close()
        await writer.wait_closed()

    listener = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", verify=TLS) as http:
            with pytest.raises(ApiUnavailable, match=r"within 0\.2 s"):
                await client(kit, http, timeout_s=0.2).query(ORDER)
    finally:
        done.set()
        listener.close()
        await listener.wait_closed()


def answering(kit: MerchantKit, status: int, body: bytes) -> httpx.AsyncClient:
    """A client whose every request gets this answer, signed with kit's WeChat Pay key."""

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers=sign_raw(kit, body, now=time.time()))

    return httpx.AsyncClient(
        base_url="https://api.test", transport=httpx.MockTransport(handle), verify=TLS
    )


async def test_busy_api_is_unavailable(kit: MerchantKit) -> None:
    """A 503 is WeChat Pay busy: try again later."""
    async with answering(kit, 503, b'{"code":"SYSTEM_ERROR"}') as http:
        with pytest.raises(ApiUnavailable, match="503"):
            await client(kit, http).query(ORDER)


async def test_answer_about_another_order_is_rejected(kit: MerchantKit) -> None:
    """A genuine answer about another order is not taken for this one."""
    body = (
        f'{{"mchid":"{kit.mchid}","appid":"{kit.appid}","out_trade_no":"OTHER",'
        '"trade_state":"NOTPAY","amount":{"total":1}}'
    ).encode()
    async with answering(kit, 200, body) as http:
        with pytest.raises(AnswerRejected, match="is about order 'OTHER'"):
            await client(kit, http).query(ORDER)


async def test_answer_for_another_merchant_is_rejected(kit: MerchantKit) -> None:
    """A genuine answer naming another mchid is not taken for ours."""
    body = (
        f'{{"mchid":"1900000999","appid":"{kit.appid}","out_trade_no":"{ORDER}",'
        '"trade_state":"NOTPAY","amount":{"total":1}}'
    ).encode()
    async with answering(kit, 200, body) as http:
        with pytest.raises(AnswerRejected, match="merchant '1900000999'"):
            await client(kit, http).query(ORDER)


async def test_malformed_answer_is_rejected(kit: MerchantKit) -> None:
    """A signed answer that is not a trade is rejected with what is wrong."""
    async with answering(kit, 200, b'{"trade_state":"SUCCESS"}') as http:
        with pytest.raises(AnswerRejected, match="missing"):
            await client(kit, http).query(ORDER)


async def test_oversized_answer_is_rejected(kit: MerchantKit) -> None:
    """An answer far larger than any of WeChat Pay's is not read to the end."""
    async with answering(kit, 200, b" " * 100_000) as http:
        with pytest.raises(AnswerRejected, match="over 65536 bytes"):
            await client(kit, http).query(ORDER)


async def test_unexpected_refusal_names_the_code(kit: MerchantKit) -> None:
    """A genuine error answer with no meaning for us is ApiRefused carrying its code."""
    body = '{"code":"PARAM_ERROR","message":"参数错误"}'.encode()
    async with answering(kit, 400, body) as http:
        with pytest.raises(ApiRefused, match="PARAM_ERROR") as refused:
            await client(kit, http).close(ORDER)
    assert refused.value.code == "PARAM_ERROR"


@pytest.mark.parametrize("number", ["", "a/b", "x" * 33, "订单", "1?mchid=2"])
async def test_impossible_order_number_is_refused_unsent(kit: MerchantKit, number: str) -> None:
    """An out_trade_no WeChat Pay could not hold is refused before any request is made."""
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    async with httpx.AsyncClient(
        base_url="https://api.test", transport=httpx.MockTransport(record)
    ) as http:
        with pytest.raises(ValueError, match="out_trade_no"):
            await client(kit, http).query(number)
    assert sent == []


async def test_no_secret_reaches_the_log(
    kit: MerchantKit, sim: WeChatSim, api: WeChatPayApi, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG (httpx's and httpcore's too) nothing logs the key or our Authorization header."""
    paid(sim)
    caplog.set_level(logging.DEBUG)
    await api.query(ORDER)
    await api.close(ORDER)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "PRIVATE KEY" not in logged
    assert "nonce_str=" not in logged
    assert kit.merchant_serial not in logged
    assert ORDER in logged  # the log does say what was asked
