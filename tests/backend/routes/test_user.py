"""Customer endpoints over real HTTP: submitting orders, customer JWTs and reminder rules."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from orderbell_protocol import EventType, OrderStatus, PayStatus
from tests.backend.routes.conftest import ITEMS_TOTAL_FEN, Api, assert_error, bearer, submission
from tests.conftest import LiveServer

SUBMIT = "/user/order/submit"


def reminder_path(order_id: int) -> str:
    return f"/user/order/reminder/{order_id}"


def token_for(live: LiveServer, claims: dict[str, Any], secret: str | None = None) -> str:
    """A customer JWT with exactly these claims, signed with the server's secret by default."""
    return jwt.encode(claims, secret or live.kit.jwt_secret, algorithm="HS256")


# --- submit ---------------------------------------------------------------------------------


async def test_submit_answers_id_number_amount_and_status(api: Api) -> None:
    """A valid order answers exactly {id, orderNumber, amountFen, status: 1}."""
    answer = await api.http.post(SUBMIT, json=submission(), headers=api.live.customer(7))
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"id", "orderNumber", "amountFen", "status"}
    assert body["status"] == 1
    assert body["amountFen"] == ITEMS_TOTAL_FEN
    stored = await api.stored(body["orderNumber"])
    assert (stored.id, stored.user_id, stored.shop_id) == (body["id"], 7, 1)
    assert (stored.status, stored.pay_status) == (OrderStatus.PENDING_PAYMENT, PayStatus.UNPAID)


async def test_submit_prices_the_order_itself(api: Api) -> None:
    """The server computes the total from the items and ignores any total the client sends."""
    body = submission(
        items=[
            {"name": "宫保鸡丁", "quantity": 3, "unitPriceFen": 3200},
            {"name": "可乐", "quantity": 2, "unitPriceFen": 500},
        ],
        amountFen=1,
        amount=1,
    )
    answer = await api.http.post(SUBMIT, json=body, headers=api.live.customer())
    assert answer.json()["amountFen"] == 3 * 3200 + 2 * 500
    assert (await api.stored(answer.json()["orderNumber"])).amount_fen == 3 * 3200 + 2 * 500


async def test_submit_appends_no_event(api: Api) -> None:
    """An unpaid order rings no bell: nothing is appended to the event log."""
    await api.submit()
    assert await api.events() == []


BAD_SUBMISSIONS: dict[str, Any] = {
    "not_json": b"{not json",
    "not_an_object": [submission()],
    "no_items": submission(items=None),
    "empty_items": submission(items=[]),
    "item_not_object": submission(items=["宫保鸡丁"]),
    "item_without_name": submission(items=[{"quantity": 1, "unitPriceFen": 100}]),
    "quantity_text": submission(items=[{"name": "饭", "quantity": "2", "unitPriceFen": 100}]),
    "quantity_zero": submission(items=[{"name": "饭", "quantity": 0, "unitPriceFen": 100}]),
    "price_negative": submission(items=[{"name": "饭", "quantity": 1, "unitPriceFen": -100}]),
    "price_float": submission(items=[{"name": "饭", "quantity": 1, "unitPriceFen": 1.5}]),
    "quantity_bool": submission(items=[{"name": "饭", "quantity": True, "unitPriceFen": 100}]),
    "no_shop": {k: v for k, v in submission().items() if k != "shopId"},
    "shop_text": submission(shopId="1"),
    "shop_zero": submission(shopId=0),
    "no_phone": {k: v for k, v in submission().items() if k != "phone"},
    "bad_phone": submission(phone="call me"),
    "remark_too_long": submission(remark="辣" * 201),
    "remark_eleven_lines": submission(remark="\n".join("辣" * 11)),
    "remark_nul": submission(remark="少辣\x00"),
    "remark_escape_sequence": submission(remark="\x1b[2J少辣"),
    "address_four_lines": submission(address="a\nb\nc\nd"),
    "name_two_lines": submission(items=[{"name": "饭\n饭", "quantity": 1, "unitPriceFen": 1}]),
    "name_lone_surrogate": b'{"shopId": 1, "phone": "13800138000", '
    b'"items": [{"name": "\\ud800", "quantity": 1, "unitPriceFen": 100}]}',
    "remark_lone_surrogate": b'{"shopId": 1, "phone": "13800138000", "remark": "\\udc00", '
    b'"items": [{"name": "rice", "quantity": 1, "unitPriceFen": 100}]}',
    "address_lone_surrogate": b'{"shopId": 1, "phone": "13800138000", "address": "\\ud83d", '
    b'"items": [{"name": "rice", "quantity": 1, "unitPriceFen": 100}]}',
    "shop_beyond_64_bits": submission(shopId=2**63),
    "shop_beyond_32_bits": submission(shopId=2**31),
    "quantity_beyond_64_bits": submission(
        items=[{"name": "饭", "quantity": 2**64, "unitPriceFen": 100}]
    ),
    "deeply_nested": b'{"shopId": 1, "x": ' + b"[" * 30_000 + b"]" * 30_000 + b"}",
    "nested_beyond_limit": submission(extra=[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]),
    "duplicate_key": b'{"shopId": 1, "shopId": 2, "phone": "13800138000", '
    b'"items": [{"name": "rice", "quantity": 1, "unitPriceFen": 100}]}',
    "not_utf8": '{"shopId": 1, "phone": "13800138000", "remark": "少辣"}'.encode("gbk"),
}


async def test_bad_submission_is_400_and_stores_nothing(api: Api) -> None:
    """Each malformed or invalid order body answers 400 with a message and stores no order."""
    headers = api.live.customer()
    for case, body in BAD_SUBMISSIONS.items():
        if isinstance(body, bytes):
            answer = await api.http.post(SUBMIT, content=body, headers=headers)
        else:
            answer = await api.http.post(SUBMIT, json=body, headers=headers)
        assert_error(answer, 400, "BAD_REQUEST", case)
    assert await api.order_count() == 0


async def test_a_long_remark_within_the_limits_is_stored_verbatim(api: Api) -> None:
    """A 200-character, 10-line remark is accepted and stored exactly as sent."""
    remark = "\n".join(["多放辣椒，不要香菜，谢谢！" + "x" * 7] * 10)[:200]
    answer = await api.http.post(
        SUBMIT, json=submission(remark=remark), headers=api.live.customer()
    )
    assert answer.status_code == 200, answer.text
    assert (await api.stored(answer.json()["orderNumber"])).remark == remark


async def test_oversized_submission_is_413(api: Api) -> None:
    """A submission body over 64 KiB answers 413 and stores nothing."""
    body = submission(remark="x" * (64 * 1024))
    answer = await api.http.post(SUBMIT, json=body, headers=api.live.customer())
    assert_error(answer, 413, "TOO_LARGE")
    assert await api.order_count() == 0


# --- customer JWT ---------------------------------------------------------------------------


async def test_submit_without_token_is_401(api: Api) -> None:
    """No customer token at all: 401 and nothing stored."""
    assert_error(await api.http.post(SUBMIT, json=submission()), 401, "UNAUTHORIZED")
    assert await api.order_count() == 0


async def test_garbage_token_is_401(api: Api) -> None:
    """A token that is not a JWT answers 401 and stores nothing."""
    for token in ("garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30"):
        answer = await api.http.post(SUBMIT, json=submission(), headers={"authentication": token})
        assert_error(answer, 401, "UNAUTHORIZED", token)
    assert await api.order_count() == 0


async def test_token_with_wrong_secret_is_401(api: Api) -> None:
    """A JWT signed with another secret answers 401."""
    token = token_for(api.live, {"userId": 1}, secret="not-the-secret-" + "x" * 32)
    answer = await api.http.post(SUBMIT, json=submission(), headers={"authentication": token})
    assert_error(answer, 401, "UNAUTHORIZED")


async def test_unsigned_token_is_401(api: Api) -> None:
    """A JWT with algorithm 'none' is never accepted."""
    token = jwt.encode({"userId": 1}, key=None, algorithm="none")
    answer = await api.http.post(SUBMIT, json=submission(), headers={"authentication": token})
    assert_error(answer, 401, "UNAUTHORIZED")


async def test_expired_token_is_401(api: Api) -> None:
    """A JWT whose exp has passed on the server clock answers 401."""
    headers = api.live.customer()  # valid for two hours from now
    api.live.clock.advance(2 * 3600 + 1)
    assert_error(
        await api.http.post(SUBMIT, json=submission(), headers=headers), 401, "UNAUTHORIZED"
    )


async def test_token_without_user_id_is_401(api: Api) -> None:
    """A well-signed JWT without the userId claim answers 401."""
    token = token_for(api.live, {"sub": "1"})
    answer = await api.http.post(SUBMIT, json=submission(), headers={"authentication": token})
    assert_error(answer, 401, "UNAUTHORIZED")


async def test_token_with_unusable_user_id_is_401(api: Api) -> None:
    """A well-signed JWT whose userId names no customer answers 401, never 500."""
    for user_id in ("²", "007x", 0, -1, True, 2**70):
        token = token_for(api.live, {"userId": user_id})
        answer = await api.http.post(SUBMIT, json=submission(), headers={"authentication": token})
        assert_error(answer, 401, "UNAUTHORIZED", repr(user_id))
    assert await api.order_count() == 0


async def test_authentication_header_is_accepted(api: Api) -> None:
    """The mini program's ``authentication: <jwt>`` header identifies the customer."""
    token = token_for(api.live, {"userId": 42})
    answer = await api.http.post(SUBMIT, json=submission(), headers={"authentication": token})
    assert answer.status_code == 200
    assert (await api.stored(answer.json()["orderNumber"])).user_id == 42


async def test_authorization_bearer_is_accepted(api: Api) -> None:
    """``Authorization: Bearer <jwt>`` identifies the customer too."""
    token = token_for(api.live, {"userId": 43})
    answer = await api.http.post(SUBMIT, json=submission(), headers=bearer(token))
    assert answer.status_code == 200
    assert (await api.stored(answer.json()["orderNumber"])).user_id == 43


async def test_reminder_without_token_is_401(api: Api) -> None:
    """Reminders need a customer token too."""
    order = await api.paid()
    assert_error(await api.http.get(reminder_path(order["id"])), 401, "UNAUTHORIZED")
    assert (await api.stored(order["orderNumber"])).reminder_count == 0


# --- reminder rules (each over both GET and POST) ------------------------------------------

METHODS = ("GET", "POST")


async def test_reminder_of_waiting_order_is_accepted(api: Api) -> None:
    """GET or POST on a paid order: 200 with reminderCount 1, waitedSeconds, a type-2 event."""
    orders = {method: await api.paid(user_id=5) for method in METHODS}
    api.live.clock.advance(600)
    for method, order in orders.items():
        answer = await api.http.request(
            method, reminder_path(order["id"]), headers=api.live.customer(5)
        )
        assert answer.status_code == 200, method
        assert answer.json() == {"orderId": order["id"], "reminderCount": 1, "waitedSeconds": 600}
        reminder = (await api.events())[-1]
        assert (reminder.type, reminder.order_id, reminder.reminder_count) == (
            EventType.REMINDER,
            order["id"],
            1,
        )


async def test_reminder_of_unknown_order_is_404(api: Api) -> None:
    """A reminder for an order that does not exist answers 404."""
    for method in METHODS:
        answer = await api.http.request(method, reminder_path(999), headers=api.live.customer())
        assert_error(answer, 404, "NOT_FOUND", method)


async def test_reminder_of_someone_elses_order_is_403(api: Api) -> None:
    """A customer cannot hurry another customer's order: 403, nothing counted or logged."""
    order = await api.paid(user_id=5)
    events = await api.events()
    for method in METHODS:
        answer = await api.http.request(
            method, reminder_path(order["id"]), headers=api.live.customer(6)
        )
        assert_error(answer, 403, "FORBIDDEN", method)
    assert (await api.stored(order["orderNumber"])).reminder_count == 0
    assert await api.events() == events


async def test_reminder_of_unpaid_order_is_409(api: Api) -> None:
    """An order still awaiting payment is not waiting for the restaurant: 409, no event."""
    order = await api.submit()
    for method in METHODS:
        answer = await api.http.request(
            method, reminder_path(order["id"]), headers=api.live.customer()
        )
        assert_error(answer, 409, "NOT_WAITING", method)
    assert await api.events() == []


async def test_reminder_of_rejected_order_is_409(api: Api) -> None:
    """Once the counter rejected the order, a reminder answers 409 and logs nothing."""
    order = await api.paid()
    token = await api.live.device_token()
    rejected = await api.http.put(
        f"/admin/orders/{order['id']}/reject", json={"reason": "售罄"}, headers=bearer(token)
    )
    assert rejected.status_code == 200
    events = await api.events()
    for method in METHODS:
        answer = await api.http.request(
            method, reminder_path(order["id"]), headers=api.live.customer()
        )
        assert_error(answer, 409, "NOT_WAITING", method)
    assert await api.events() == events


async def test_second_reminder_inside_cooldown_is_429(api: Api) -> None:
    """A second reminder within 60 s answers 429 with Retry-After and logs nothing."""
    order = await api.paid()
    path = reminder_path(order["id"])
    assert (await api.http.get(path, headers=api.live.customer())).status_code == 200
    events = await api.events()
    api.live.clock.advance(20)
    for method in METHODS:
        answer = await api.http.request(method, path, headers=api.live.customer())
        assert_error(answer, 429, "TOO_SOON", method)
        assert answer.headers["Retry-After"] == "40", method
    assert await api.events() == events
    assert (await api.stored(order["orderNumber"])).reminder_count == 1


async def test_reminder_after_cooldown_counts_up(api: Api) -> None:
    """Once the 60 s cooldown has passed the reminder works again and reminderCount is 2."""
    order = await api.paid()
    path = reminder_path(order["id"])
    await api.http.get(path, headers=api.live.customer())
    api.live.clock.advance(59)
    assert (await api.http.post(path, headers=api.live.customer())).status_code == 429
    api.live.clock.advance(1)
    answer = await api.http.post(path, headers=api.live.customer())
    assert answer.status_code == 200
    assert answer.json()["reminderCount"] == 2
    assert (await api.stored(order["orderNumber"])).reminder_count == 2


@pytest.mark.parametrize("live_overrides", [{"ORDERBELL_REMINDER_COOLDOWN_S": "5"}])
async def test_cooldown_follows_the_setting(api: Api) -> None:
    """ORDERBELL_REMINDER_COOLDOWN_S sets the cooldown: Retry-After 5, and after 5 s it works."""
    order = await api.paid()
    path = reminder_path(order["id"])
    await api.http.get(path, headers=api.live.customer())
    too_soon = await api.http.get(path, headers=api.live.customer())
    assert too_soon.status_code == 429
    assert too_soon.headers["Retry-After"] == "5"
    api.live.clock.advance(5)
    assert (await api.http.get(path, headers=api.live.customer())).status_code == 200
