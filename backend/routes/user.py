"""Customer endpoints, as the Sky Take-out mini program calls them: submit, hurry and look at an
order."""

from __future__ import annotations

import math
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from backend.auth import Unauthorized
from backend.routes.common import Answer, BodyTooLarge, error, order_id_of, read_body, services
from backend.store import (
    InvalidOrder,
    Item,
    ReminderResult,
    get_order_by_id,
    order_to_json,
    remind_order,
    submit_order,
)
from backend.store.submission import MAX_ITEMS, MAX_NAME_CHARS, MAX_PHONE_CHARS, MAX_TEXT_CHARS
from backend.validation import (
    INT32_MAX,
    BadInput,
    int_field,
    list_field,
    parse_json_object,
    text_field,
)

BODY_LIMIT = 64 * 1024
# Lines a remark and an address may have: enough for a note to the kitchen, not a page.
MAX_REMARK_LINES = 10
MAX_ADDRESS_LINES = 3


def _parse_submission(raw: bytes) -> dict[str, Any]:
    data = parse_json_object(raw)
    items = []
    for raw_item in list_field(data, "items", max_items=MAX_ITEMS):
        if not isinstance(raw_item, dict):
            raise BadInput("each item must be an object with name, quantity, unitPriceFen")
        items.append(
            Item(
                name=text_field(raw_item, "name", max_chars=MAX_NAME_CHARS),
                # Any whole number the database can hold; the store judges what is sensible.
                quantity=int_field(raw_item, "quantity"),
                unit_price_fen=int_field(raw_item, "unitPriceFen"),
            )
        )
    return {
        "shop_id": int_field(data, "shopId", low=1, high=INT32_MAX),
        "items": items,
        "remark": text_field(
            data, "remark", max_chars=MAX_TEXT_CHARS, max_lines=MAX_REMARK_LINES, default=""
        ),
        "phone": text_field(data, "phone", max_chars=MAX_PHONE_CHARS),
        "address": text_field(
            data, "address", max_chars=MAX_TEXT_CHARS, max_lines=MAX_ADDRESS_LINES, default=""
        ),
    }


async def submit(request: Request) -> Response:
    """``POST /user/order/submit``: the server prices the order; answers its id and number."""
    svc = services(request)
    try:
        user_id = svc.customers.user_id(request.headers, svc.clock())
    except Unauthorized as exc:
        return error(401, "UNAUTHORIZED", str(exc))
    try:
        fields = _parse_submission(await read_body(request, BODY_LIMIT))
        order = await submit_order(svc.db, user_id=user_id, now=svc.now(), **fields)
    except BodyTooLarge:
        return error(413, "TOO_LARGE", f"body over {BODY_LIMIT} bytes")
    except (BadInput, InvalidOrder) as exc:
        return error(400, "BAD_REQUEST", str(exc))
    return JSONResponse(
        {
            "id": order.id,
            "orderNumber": order.number,
            "amountFen": order.amount_fen,
            "status": order.status,
        }
    )


async def reminder(request: Request) -> Response:
    """``GET|POST /user/order/reminder/{id}``: the customer hurries a paid order (催单)."""
    svc = services(request)
    try:
        user_id = svc.customers.user_id(request.headers, svc.clock())
    except Unauthorized as exc:
        return error(401, "UNAUTHORIZED", str(exc))
    order_id = order_id_of(request)
    if order_id is None:
        return error(404, "NOT_FOUND", f"no order {request.path_params['id']}")
    outcome = await remind_order(
        svc.db,
        order_id=order_id,
        user_id=user_id,
        now=svc.now(),
        cooldown_s=svc.settings.reminder_cooldown_s,
    )
    result = outcome.result
    if result is ReminderResult.NOT_FOUND:
        return error(404, "NOT_FOUND", f"no order {order_id}")
    if result is ReminderResult.FORBIDDEN:
        return error(403, "FORBIDDEN", "this is not your order")
    if result is ReminderResult.NOT_WAITING:
        status = outcome.order.status if outcome.order else None
        return error(
            409, "NOT_WAITING", f"order is not waiting for the restaurant (status {status})"
        )
    if result is ReminderResult.TOO_SOON:
        retry = max(1, math.ceil(outcome.retry_after_s or 1))
        return error(
            429,
            "TOO_SOON",
            f"the restaurant was just reminded; try again in {retry} s",
            headers={"Retry-After": str(retry)},
        )
    event = outcome.event
    return JSONResponse(
        {
            "orderId": order_id,
            "reminderCount": event.reminder_count if event else None,
            "waitedSeconds": event.waited_seconds if event else None,
        }
    )


async def order(request: Request) -> Response:
    """``GET /user/order/{id}``: the customer's own order, with the counter's answer to a 催单
    (``reminderReply``) and the order's number of the day."""
    svc = services(request)
    try:
        user_id = svc.customers.user_id(request.headers, svc.clock())
    except Unauthorized as exc:
        return error(401, "UNAUTHORIZED", str(exc))
    order_id = order_id_of(request)
    found = None if order_id is None else await get_order_by_id(svc.db, order_id)
    if found is None:
        return error(404, "NOT_FOUND", f"no order {request.path_params['id']}")
    if found.user_id != user_id:
        return error(403, "FORBIDDEN", "this is not your order")
    return Answer(order_to_json(found))
