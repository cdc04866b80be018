"""Replies to a customer's reminder over real HTTP: the counter answers, the customer reads it."""

from __future__ import annotations

from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from orderbell_protocol import EventType, OrderStatus
from tests.backend.routes.conftest import Api, assert_error, bearer, counter, next_frame

ORDERS = "/admin/orders"


def reply_path(order_id: int) -> str:
    return f"{ORDERS}/{order_id}/reminder-reply"


def order_path(order_id: int) -> str:
    return f"/user/order/{order_id}"


@pytest.fixture
async def till(api: Api) -> dict[str, str]:
    """Headers of a counter PC of shop 1."""
    return bearer(await api.live.device_token(shop_id=1, name="till"))


async def reminded(api: Api, user_id: int = 1) -> dict[str, Any]:
    """A paid order its customer has hurried once."""
    order = await api.paid(user_id=user_id)
    answer = await api.http.get(
        f"/user/order/reminder/{order['id']}", headers=api.live.customer(user_id)
    )
    assert answer.status_code == 200, answer.text
    return order


async def test_preset_reply_is_recorded_and_logged(api: Api, till: dict[str, str]) -> None:
    """A preset answers with its words; the order keeps its status and a type-3 event carries
    the reply."""
    order = await reminded(api)
    answer = await api.http.put(
        reply_path(order["id"]), json={"preset": "ready_soon"}, headers=till
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["reminderReply"], answer.json()["status"]) == ("马上出餐", 2)
    assert answer.json()["reminderRepliedAt"] is not None
    last = (await api.events())[-1]
    assert (last.type, last.status, last.reminder_reply) == (
        EventType.ORDER_UPDATED,
        OrderStatus.TO_BE_CONFIRMED,
        "马上出餐",
    )


async def test_free_text_reply_is_trimmed_and_kept(api: Api, till: dict[str, str]) -> None:
    """The counter's own words are kept as typed, without surrounding spaces."""
    order = await reminded(api)
    answer = await api.http.put(
        reply_path(order["id"]), json={"text": "  汤在熬，再等5分钟  "}, headers=till
    )
    assert answer.status_code == 200, answer.text
    assert (await api.stored(order["orderNumber"])).reminder_reply == "汤在熬，再等5分钟"


async def test_other_counters_hear_the_reply(api: Api, till: dict[str, str]) -> None:
    """Every counter of the shop gets the reply live, the order still waiting."""
    order = await reminded(api)
    other = await api.live.device_token(shop_id=1, name="kitchen")
    ws: ClientConnection
    async with counter(api.live.ws_url, other) as ws:
        await api.http.put(reply_path(order["id"]), json={"preset": "cooking"}, headers=till)
        frame = await next_frame(ws)
    assert (frame["type"], frame["orderId"], frame["status"]) == (3, order["id"], 2)
    assert frame["reminderReply"] == "已在制作"


async def test_customer_sees_the_reply_with_the_order(api: Api, till: dict[str, str]) -> None:
    """GET /user/order/{id} shows the customer the reply and the order's number of the day."""
    order = await reminded(api, user_id=5)
    await api.http.put(reply_path(order["id"]), json={"preset": "rider_picked_up"}, headers=till)
    answer = await api.http.get(order_path(order["id"]), headers=api.live.customer(5))
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert (data["id"], data["reminderReply"], data["daySeq"]) == (order["id"], "骑手已取餐", 1)


async def test_customer_order_before_any_reply_has_none(api: Api) -> None:
    """An order nobody answered yet shows no reply."""
    order = await reminded(api)
    answer = await api.http.get(order_path(order["id"]), headers=api.live.customer())
    assert answer.json()["reminderReply"] is None


async def test_customer_order_of_someone_else_is_403(api: Api) -> None:
    """Another customer's order answers 403, like the reminder endpoint."""
    order = await api.paid(user_id=5)
    answer = await api.http.get(order_path(order["id"]), headers=api.live.customer(6))
    assert_error(answer, 403, "FORBIDDEN")


@pytest.mark.parametrize("order_id", [999, 2**31, 2**70])
async def test_customer_order_unknown_is_404(api: Api, order_id: int) -> None:
    """An order that does not exist (or cannot) answers 404."""
    answer = await api.http.get(order_path(order_id), headers=api.live.customer())
    assert_error(answer, 404, "NOT_FOUND")


async def test_customer_order_without_token_is_401(api: Api) -> None:
    """Without a customer JWT the order is not shown."""
    order = await api.paid()
    assert_error(await api.http.get(order_path(order["id"])), 401, "UNAUTHORIZED")


async def test_reply_without_device_token_is_401(api: Api) -> None:
    """A customer JWT does not open the reply endpoint; nothing is recorded."""
    order = await reminded(api)
    answer = await api.http.put(
        reply_path(order["id"]), json={"preset": "cooking"}, headers=api.live.customer()
    )
    assert_error(answer, 401, "UNAUTHORIZED")
    assert (await api.stored(order["orderNumber"])).reminder_reply is None


async def test_reply_to_another_shops_order_is_404(api: Api) -> None:
    """A counter of shop 2 cannot answer shop 1's customer."""
    order = await reminded(api)
    other = bearer(await api.live.device_token(shop_id=2, name="elsewhere"))
    answer = await api.http.put(reply_path(order["id"]), json={"preset": "cooking"}, headers=other)
    assert_error(answer, 404, "NOT_FOUND")
    assert (await api.stored(order["orderNumber"])).reminder_reply is None


async def test_reply_to_an_order_nobody_hurried_is_409(api: Api, till: dict[str, str]) -> None:
    """There is nothing to answer before the customer hurries the order: 409, nothing logged."""
    order = await api.paid()
    events = await api.events()
    answer = await api.http.put(reply_path(order["id"]), json={"preset": "cooking"}, headers=till)
    assert_error(answer, 409, "NOT_REMINDED")
    assert await api.events() == events


async def test_reply_to_a_rejected_order_is_409(api: Api, till: dict[str, str]) -> None:
    """A reminded order the shop has since rejected takes no reply."""
    order = await reminded(api)
    await api.http.put(f"{ORDERS}/{order['id']}/reject", json={"reason": "售罄"}, headers=till)
    answer = await api.http.put(reply_path(order["id"]), json={"preset": "cooking"}, headers=till)
    assert assert_error(answer, 409, "NOT_WAITING")["order"]["status"] == 6


BAD_REPLIES: dict[str, Any] = {
    "not JSON": b"not json",
    "empty object": {},
    "both preset and text": {"preset": "cooking", "text": "好的"},
    "unknown preset": {"preset": "soon"},
    "preset is a number": {"preset": 1},
    "empty text": {"text": "   "},
    "text is a list": {"text": ["好"]},
    "two lines": {"text": "好的\n马上"},
    "a hundred lines": {"text": "\n".join(["好"] * 100)},
    "NUL": {"text": "好\x00的"},
    "lone surrogate": b'{"text": "\\ud800"}',
    "too long": {"text": "好" * 61},
    "deeply nested": b"[" * 3_000,
}


@pytest.mark.parametrize("body", BAD_REPLIES.values(), ids=BAD_REPLIES.keys())
async def test_bad_reply_is_400_and_changes_nothing(
    api: Api, till: dict[str, str], body: Any
) -> None:
    """A reply that is neither a known preset nor one clean line of text answers 400; nothing
    is recorded or logged."""
    order = await reminded(api)
    events = await api.events()
    path = reply_path(order["id"])
    if isinstance(body, bytes):
        answer = await api.http.put(path, content=body, headers=till)
    else:
        answer = await api.http.put(path, json=body, headers=till)
    assert_error(answer, 400, "BAD_REQUEST")
    assert (await api.stored(order["orderNumber"])).reminder_reply is None
    assert await api.events() == events


async def test_oversized_reply_is_413(api: Api, till: dict[str, str]) -> None:
    """A body over 4 KiB is refused before it is read whole."""
    order = await reminded(api)
    answer = await api.http.put(
        reply_path(order["id"]), content=b'{"text": "' + b"a" * 5000 + b'"}', headers=till
    )
    assert_error(answer, 413, "TOO_LARGE")
