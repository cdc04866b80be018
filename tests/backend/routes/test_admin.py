"""The counter API over real HTTP: device tokens, listing, accepting and rejecting orders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.app import create_app
from backend.devkit import MerchantKit
from backend.server import bound_port, running_server
from backend.store import Database, create_token, list_tokens, migrate_async, revoke_token
from orderbell_protocol import EventType, OrderStatus
from tests.backend.postgres.helpers import eventually
from tests.backend.routes.conftest import Api, assert_error, bearer
from tests.conftest import FakeClock, kit_settings

ORDERS = "/admin/orders"
QUICK_REVOCATION_CHECK = {"ORDERBELL_REVOCATION_CHECK_S": "0.1"}


@pytest.fixture
async def till(api: Api) -> dict[str, str]:
    """Headers of a counter PC of shop 1."""
    return bearer(await api.live.device_token(shop_id=1, name="till"))


# --- device tokens --------------------------------------------------------------------------


async def test_no_device_token_is_401(api: Api) -> None:
    """The counter API without a token answers 401."""
    assert_error(await api.http.get(ORDERS), 401, "UNAUTHORIZED")


async def test_unknown_device_token_is_401(api: Api) -> None:
    """An unknown token, a bare scheme or another scheme answers 401."""
    for authorization in ("Bearer obt_not-a-real-token", "Bearer", "Basic dXNlcjpwYXNz"):
        answer = await api.http.get(ORDERS, headers={"Authorization": authorization})
        assert_error(answer, 401, "UNAUTHORIZED", authorization)


async def test_customer_jwt_is_not_a_device_token(api: Api) -> None:
    """A customer's JWT as Bearer does not open the counter API."""
    jwt = api.live.customer()["authentication"]
    assert_error(await api.http.get(ORDERS, headers=bearer(jwt)), 401, "UNAUTHORIZED")


async def test_token_revoked_before_its_first_use_is_401(api: Api) -> None:
    """A revoked token the server never saw is refused at once."""
    record, token = await create_token(
        api.live.db, shop_id=1, name="spare", now=api.live.clock.datetime()
    )
    assert await revoke_token(api.live.db, record.id, api.live.clock.datetime())
    assert_error(await api.http.get(ORDERS, headers=bearer(token)), 401, "UNAUTHORIZED")


@pytest.mark.parametrize("live_overrides", [QUICK_REVOCATION_CHECK])
async def test_revoked_device_token_is_401(api: Api) -> None:
    """A token that worked is refused with 401 by the next revocation check, and cannot accept."""
    record, token = await create_token(
        api.live.db, shop_id=1, name="stolen", now=api.live.clock.datetime()
    )
    order = await api.paid()
    assert (await api.http.get(ORDERS, headers=bearer(token))).status_code == 200
    assert await revoke_token(api.live.db, record.id, api.live.clock.datetime())
    await eventually(lambda: refused(api, token), "the revoked token to be refused")
    answer = await api.http.put(f"{ORDERS}/{order['id']}/accept", headers=bearer(token))
    assert_error(answer, 401, "UNAUTHORIZED")
    assert (await api.stored(order["orderNumber"])).status == OrderStatus.TO_BE_CONFIRMED


async def refused(api: Api, token: str) -> bool:
    """Whether the counter API refuses ``token`` (401) now."""
    answer = await api.http.get(ORDERS, headers=bearer(token))
    if answer.status_code == 200:
        return False
    assert_error(answer, 401, "UNAUTHORIZED")
    return True


async def test_last_seen_is_recorded_at_shutdown(
    tmp_path: Path, kit: MerchantKit, clock: FakeClock
) -> None:
    """The counter API records no sighting per request; the server writes them as it stops."""
    settings = kit_settings(tmp_path, kit)
    await migrate_async(settings.database_url)
    db = Database(settings.database_url)
    try:
        _, seen = await create_token(db, shop_id=1, name="seen", now=clock.datetime())
        app = create_app(settings, clock=clock, migrate=False)
        async with running_server(app, settings) as server:
            base_url = f"http://127.0.0.1:{bound_port(server)}"
            await create_token(db, shop_id=1, name="unseen", now=clock.datetime())
            async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
                clock.advance(5)
                assert (await http.get(ORDERS, headers=bearer(seen))).status_code == 200
            assert [token.last_seen_at for token in await list_tokens(db)] == [None, None]
            clock.advance(5)
        stamps = {token.name: token.last_seen_at for token in await list_tokens(db)}
    finally:
        await db.dispose()
    assert stamps == {"seen": clock.datetime(), "unseen": None}


# --- listing and viewing --------------------------------------------------------------------


async def test_list_is_newest_first_and_paginated(api: Api, till: dict[str, str]) -> None:
    """``?status=2`` lists the paid orders newest first, pageSize at a time, with the total."""
    paid = [await api.paid() for _ in range(3)]
    await api.submit()  # unpaid: status 1, not listed
    first = await api.http.get(ORDERS, params={"status": 2, "pageSize": 2}, headers=till)
    second = await api.http.get(
        ORDERS, params={"status": 2, "page": 2, "pageSize": 2}, headers=till
    )
    assert first.status_code == second.status_code == 200
    assert {k: v for k, v in first.json().items() if k != "records"} == {
        "total": 3,
        "page": 1,
        "pageSize": 2,
    }
    assert [r["id"] for r in first.json()["records"]] == [paid[2]["id"], paid[1]["id"]]
    assert second.json()["page"] == 2
    assert [r["id"] for r in second.json()["records"]] == [paid[0]["id"]]


async def test_list_records_describe_the_order(api: Api, till: dict[str, str]) -> None:
    """Each record carries the order's number, status, amount and items."""
    order = await api.paid()
    record = (await api.http.get(ORDERS, params={"status": 2}, headers=till)).json()["records"][0]
    assert record["number"] == order["orderNumber"]
    assert (record["status"], record["payStatus"], record["amountFen"]) == (
        2,
        1,
        order["amountFen"],
    )
    assert [item["name"] for item in record["items"]] == ["宫保鸡丁", "米饭"]


async def test_list_without_status_shows_every_order_of_the_shop(
    api: Api, till: dict[str, str]
) -> None:
    """Without ``status`` the list holds every order of the token's shop, and only those."""
    unpaid = await api.submit()
    paid = await api.paid()
    await api.paid(shop_id=2)
    body = (await api.http.get(ORDERS, headers=till)).json()
    assert body["total"] == 2
    assert [r["id"] for r in body["records"]] == [paid["id"], unpaid["id"]]


BAD_QUERIES = (
    {"status": "abc"},
    {"status": "7"},
    {"status": "-1"},
    {"status": "²"},
    {"page": "0"},
    {"page": "x"},
    {"page": "99999999999999999999999"},
    {"pageSize": "0"},
    {"pageSize": "101"},
)


async def test_bad_list_query_is_400(api: Api, till: dict[str, str]) -> None:
    """A status, page or pageSize that is not a whole number in range answers 400."""
    await api.paid()
    for query in BAD_QUERIES:
        answer = await api.http.get(ORDERS, params=query, headers=till)
        assert_error(answer, 400, "BAD_REQUEST", repr(query))


async def test_order_detail_of_own_shop(api: Api, till: dict[str, str]) -> None:
    """``GET /admin/orders/{id}`` answers the shop's order."""
    order = await api.paid()
    answer = await api.http.get(f"{ORDERS}/{order['id']}", headers=till)
    assert answer.status_code == 200
    assert (answer.json()["id"], answer.json()["number"]) == (order["id"], order["orderNumber"])


async def test_order_detail_of_another_shop_is_404(api: Api, till: dict[str, str]) -> None:
    """Another shop's order is invisible: 404, as if it did not exist."""
    other = await api.paid(shop_id=2)
    assert_error(await api.http.get(f"{ORDERS}/{other['id']}", headers=till), 404, "NOT_FOUND")


# --- accept and reject ----------------------------------------------------------------------


async def test_accept_confirms_the_order(api: Api, till: dict[str, str]) -> None:
    """Accepting a paid order answers 200 with status 3 and logs a type-3 event."""
    order = await api.paid()
    answer = await api.http.put(f"{ORDERS}/{order['id']}/accept", headers=till)
    assert answer.status_code == 200
    assert (answer.json()["id"], answer.json()["status"]) == (order["id"], 3)
    assert answer.json()["acceptedAt"] is not None
    assert (await api.stored(order["orderNumber"])).status == OrderStatus.CONFIRMED
    last = (await api.events())[-1]
    assert (last.type, last.order_id, last.status) == (
        EventType.ORDER_UPDATED,
        order["id"],
        OrderStatus.CONFIRMED,
    )


async def test_accept_again_is_409_with_the_order(api: Api, till: dict[str, str]) -> None:
    """A second accept answers 409 with the order's current state and logs nothing."""
    order = await api.paid()
    await api.http.put(f"{ORDERS}/{order['id']}/accept", headers=till)
    events = await api.events()
    answer = await api.http.put(f"{ORDERS}/{order['id']}/accept", headers=till)
    body = assert_error(answer, 409, "CONFLICT")
    assert (body["order"]["id"], body["order"]["status"]) == (order["id"], 3)
    assert await api.events() == events


async def test_accept_unpaid_order_is_409(api: Api, till: dict[str, str]) -> None:
    """An order awaiting payment cannot be accepted: 409 with status 1, nothing logged."""
    order = await api.submit()
    body = assert_error(
        await api.http.put(f"{ORDERS}/{order['id']}/accept", headers=till), 409, "CONFLICT"
    )
    assert body["order"]["status"] == 1
    assert await api.events() == []


async def test_accept_of_another_shop_is_404(api: Api, till: dict[str, str]) -> None:
    """A token cannot touch another shop's order: 404 and the order is unchanged."""
    other = await api.paid(shop_id=2)
    answer = await api.http.put(f"{ORDERS}/{other['id']}/accept", headers=till)
    assert_error(answer, 404, "NOT_FOUND")
    assert (await api.stored(other["orderNumber"])).status == OrderStatus.TO_BE_CONFIRMED


async def test_reject_cancels_with_the_reason(api: Api, till: dict[str, str]) -> None:
    """Rejecting with a reason answers status 6 and logs a type-3 event carrying the reason."""
    order = await api.paid()
    answer = await api.http.put(
        f"{ORDERS}/{order['id']}/reject", json={"reason": " 今日售罄 "}, headers=till
    )
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["rejectedReason"]) == (6, "今日售罄")
    last = (await api.events())[-1]
    assert (last.type, last.order_id, last.status, last.reason) == (
        EventType.ORDER_UPDATED,
        order["id"],
        OrderStatus.CANCELLED,
        "今日售罄",
    )


REASONLESS: dict[str, Any] = {
    "no-body": None,
    "not-json": b"not json",
    "no-reason": {},
    "empty": {"reason": ""},
    "blank": {"reason": "   "},
    "number": {"reason": 5},
    "list": ["售罄"],
    "too-long": {"reason": "售" * 201},
    "four-lines": {"reason": "售\n罄\n了\n啊"},
    "nul": {"reason": "售罄\x00"},
    "lone-surrogate": b'{"reason": "\\ud800"}',
    "deeply-nested": b'{"reason": "sold out", "x": ' + b"[" * 7_000 + b"]" * 7_000 + b"}",
}


async def test_reject_without_reason_is_400(api: Api, till: dict[str, str]) -> None:
    """A rejection without a usable reason answers 400; the order stays waiting, no event."""
    order = await api.paid()
    events = await api.events()
    path = f"{ORDERS}/{order['id']}/reject"
    for case, body in REASONLESS.items():
        if body is None or isinstance(body, bytes):
            answer = await api.http.put(path, content=body, headers=till)
        else:
            answer = await api.http.put(path, json=body, headers=till)
        assert_error(answer, 400, "BAD_REQUEST", case)
    assert (await api.stored(order["orderNumber"])).status == OrderStatus.TO_BE_CONFIRMED
    assert await api.events() == events


async def test_reject_after_accept_is_409(api: Api, till: dict[str, str]) -> None:
    """An accepted order can no longer be rejected: 409 with status 3."""
    order = await api.paid()
    await api.http.put(f"{ORDERS}/{order['id']}/accept", headers=till)
    answer = await api.http.put(
        f"{ORDERS}/{order['id']}/reject", json={"reason": "太忙"}, headers=till
    )
    assert assert_error(answer, 409, "CONFLICT")["order"]["status"] == 3


# --- the rest -------------------------------------------------------------------------------


async def test_unknown_paths_answer_json_errors(api: Api) -> None:
    """Unknown paths and methods answer a JSON ``{"code", "message"}`` error."""
    for method, path, status in (
        ("GET", "/nowhere", 404),
        ("GET", "/admin/orders/abc", 404),
        ("DELETE", "/admin/orders", 405),
        ("GET", "/notify/paySuccess", 405),
    ):
        answer = await api.http.request(method, path)
        assert answer.status_code == status, (method, path)
        assert answer.headers["content-type"].startswith("application/json"), path
        assert set(answer.json()) == {"code", "message"}, path


async def test_healthz_reports_the_database(api: Api) -> None:
    """``GET /healthz`` answers 200 with database ok."""
    answer = await api.http.get("/healthz")
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["database"]) == ("ok", "ok")
