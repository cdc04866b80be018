"""Customer endpoints, as the Sky Take-out mini program calls them: submit, hurry and look at an
order."""

from __future__ import annotations

import json
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

BODY_LIMIT = 64 * 1024


class BadRequest(Exception):
    """The request body does not have the documented shape."""


def _field(data: dict[str, Any], key: str, kind: type, default: Any = None) -> Any:
    value = data.get(key, default)
    if value is None and default is not None:
        value = default
    if kind is int and (not isinstance(value, int) or isinstance(value, bool)):
        raise BadRequest(f"'{key}' must be a whole number")
    if kind is str and not isinstance(value, str):
        raise BadRequest(f"'{key}' must be a string")
    return value


def _parse_submission(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest("body must be a JSON object") from None
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    raw_items = data.get("items")
    if not isinstance(raw_items, list):
        raise BadRequest("'items' must be a list")
    items = []
    for raw_item in raw_items:
        if not isinstance(raw_item, dict):
            raise BadRequest("each item must be an object with name, quantity, unitPriceFen")
        items.append(
            Item(
                name=_field(raw_item, "name", str),
                quantity=_field(raw_item, "quantity", int),
                unit_price_fen=_field(raw_item, "unitPriceFen", int),
            )
        )
    return {
        "shop_id": _field(data, "shopId", int),
        "items": items,
        "remark": _field(data, "remark", str, ""),
        "phone": _field(data, "phone", str),
        "address": _field(data, "address", str, ""),
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
    except (BadRequest, InvalidOrder) as exc:
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
