"""The counter REST client facing answers no OrderBell server should give, and timeouts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from desktop.net import ApiError, CounterApi, ServerUnavailable, TokenRejected
from desktop.net.orders import order_from_json

GOOD_ORDER = {
    "id": 7,
    "number": "20261126000000007",
    "shopId": 1,
    "userId": 1,
    "status": 2,
    "payStatus": 1,
    "amountFen": 6600,
    "items": [{"name": "宫保鸡丁", "quantity": 2, "unitPriceFen": 3300}],
    "remark": "",
    "phone": "13800138000",
    "address": "1 Example Road",
    "createdAt": "2026-11-26T12:00:00+00:00",
    "paidAt": "2026-11-26T12:01:00+00:00",
    "transactionId": "4200",
    "acceptedAt": None,
    "rejectedReason": None,
    "reminderCount": 0,
    "lastRemindedAt": None,
}


def page_of(*records: object, total: object = None) -> dict[str, object]:
    return {
        "total": len(records) if total is None else total,
        "page": 1,
        "pageSize": 100,
        "records": list(records),
    }


def answering(status: int, body: bytes | str | object) -> Callable[[httpx.Request], httpx.Response]:
    if isinstance(body, bytes | str):
        return lambda request: httpx.Response(status, content=body)
    return lambda request: httpx.Response(status, json=body)


def api_with(handler: Callable[[httpx.Request], httpx.Response]) -> CounterApi:
    return CounterApi("http://orderbell.test", "token", transport=httpx.MockTransport(handler))


GARBAGE = {
    "html error page": answering(200, "<html>gateway</html>"),
    "not utf-8": answering(200, b"\xff\xfe\x00garbage"),
    "a JSON list": answering(200, [1, 2]),
    "total is text": answering(200, page_of(total="many")),
    "records not a list": answering(200, {"total": 1, "records": {"id": 1}}),
    "record missing fields": answering(200, page_of({"id": 1})),
    "unknown status": answering(200, page_of({**GOOD_ORDER, "status": 42})),
    "naive time": answering(200, page_of({**GOOD_ORDER, "createdAt": "2026-11-26T12:00:00"})),
    "amount is a bool": answering(200, page_of({**GOOD_ORDER, "amountFen": True})),
    "refunded is text": answering(200, page_of({**GOOD_ORDER, "refundedFen": "100"})),
    "item is text": answering(200, page_of({**GOOD_ORDER, "items": ["rice"]})),
    "daySeq zero": answering(200, page_of({**GOOD_ORDER, "daySeq": 0})),
    "daySeq beyond 32 bits": answering(200, page_of({**GOOD_ORDER, "daySeq": 2**31})),
    "daySeq is text": answering(200, page_of({**GOOD_ORDER, "daySeq": "12"})),
    "deeply nested": answering(200, "[" * 100_000),
    "bad gateway": answering(502, "<html>Bad Gateway</html>"),
    "server error": answering(500, {"code": "INTERNAL", "message": "boom"}),
    "redirect": lambda request: httpx.Response(302, headers={"Location": "https://elsewhere"}),
    "wrong server": answering(404, "Not Found"),
}


@pytest.mark.parametrize("handler", GARBAGE.values(), ids=GARBAGE.keys())
async def test_garbage_list_answers_are_server_unavailable(
    handler: Callable[[httpx.Request], httpx.Response],
) -> None:
    """Whatever the server answers instead of an order list, the caller sees ServerUnavailable."""
    async with api_with(handler) as api:
        with pytest.raises(ServerUnavailable):
            await api.waiting_orders()


@pytest.mark.parametrize(
    "body",
    [{"code": "CONFLICT", "message": "no"}, {"order": {"id": 7}}, "conflict"],
    ids=["no order", "broken order", "not JSON"],
)
async def test_conflict_without_a_readable_order_is_server_unavailable(body: object) -> None:
    """A 409 whose body lacks a valid order cannot become OrderConflict: ServerUnavailable."""
    async with api_with(answering(409, body)) as api:
        with pytest.raises(ServerUnavailable):
            await api.accept(7)


async def test_garbage_order_answer_is_server_unavailable() -> None:
    """An accept answered 200 with something other than an order is ServerUnavailable."""
    async with api_with(answering(200, {"ok": True})) as api:
        with pytest.raises(ServerUnavailable):
            await api.accept(7)


async def test_timeout_is_server_unavailable() -> None:
    """A request that times out raises ServerUnavailable saying so."""

    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    async with api_with(hang) as api:
        with pytest.raises(ServerUnavailable) as slow:
            await api.order(7)
    assert "did not answer" in str(slow.value)


async def test_other_refusals_carry_the_server_message() -> None:
    """A 400 is a plain ApiError with the server's message, not ServerUnavailable."""
    refusal = {"code": "BAD_REQUEST", "message": "a rejection needs a 'reason'"}
    async with api_with(answering(400, refusal)) as api:
        with pytest.raises(ApiError) as refused:
            await api.reject(7, "")
    assert type(refused.value) is ApiError
    assert "a rejection needs a 'reason'" in str(refused.value)


async def test_naive_now_is_refused() -> None:
    """handled_today needs a timezone-aware now: a naive one names no calendar day."""
    async with CounterApi("http://orderbell.test", "token") as api:
        with pytest.raises(ValueError, match="timezone"):
            await api.handled_today(datetime(2026, 11, 26))


@pytest.mark.parametrize("token", ["中文", "line\nbreak", "tab\there"])
def test_malformed_token_is_rejected_up_front(token: str) -> None:
    """A token with characters no token has raises TokenRejected before any request."""
    with pytest.raises(TokenRejected, match="characters"):
        CounterApi("http://orderbell.test", token)


def test_invalid_address_is_server_unavailable() -> None:
    """An address httpx cannot parse raises ServerUnavailable, not an httpx error."""
    with pytest.raises(ServerUnavailable, match="is not valid"):
        CounterApi("http://[::1", "token")


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00"], ids=["year 1", "9999"]
)
async def test_handled_orders_at_the_ends_of_the_calendar(moment: str) -> None:
    """An accepted order with a time in year 1 or 9999 is read, not a crash: it is not today."""
    order = {**GOOD_ORDER, "status": 3, "createdAt": moment, "paidAt": moment, "acceptedAt": moment}
    async with api_with(answering(200, page_of(order))) as api:
        now = datetime(2026, 11, 26, 12, 0, tzinfo=timezone(timedelta(hours=8)))
        assert await api.handled_today(now) == []


async def test_number_of_the_day_is_read_and_optional() -> None:
    """An order's daySeq is read; an older server's order without one has none."""
    numbered = {**GOOD_ORDER, "daySeq": 12, "businessDay": "2026-11-26"}
    unnumbered = {**GOOD_ORDER, "id": 8}
    async with api_with(answering(200, page_of(numbered, unnumbered))) as api:
        orders = await api.waiting_orders()
    assert [order.day_seq for order in orders] == [12, None]


def test_refunded_amount_is_read_and_missing_means_none() -> None:
    """refundedFen is taken as sent; a server that never sends it means nothing refunded."""
    assert order_from_json({**GOOD_ORDER, "refundedFen": 100}).refunded_fen == 100
    assert order_from_json(GOOD_ORDER).refunded_fen == 0


async def test_an_older_server_without_presence_gives_no_count() -> None:
    """404 on /admin/presence: the count is unknown, not an error."""
    async with api_with(answering(404, {"code": "NOT_FOUND", "message": "no"})) as api:
        assert await api.counters_online() is None


@pytest.mark.parametrize("body", [{"count": "two"}, {"count": -1}, {"count": True}, [2]])
async def test_a_presence_answer_that_is_not_a_count_is_server_unavailable(body: object) -> None:
    """A count that is not a whole number is refused like any other garbage."""
    async with api_with(answering(200, body)) as api:
        with pytest.raises(ServerUnavailable):
            await api.counters_online()
