"""Counter API for device tokens: list, view, accept and reject the shop's own orders, and
answer a customer's reminder."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from backend.auth import bearer_token
from backend.routes.common import Answer, BodyTooLarge, error, order_id_of, read_body, services
from backend.store import (
    DeviceToken,
    HandleOutcome,
    HandleResult,
    InvalidOrder,
    accept_order,
    get_order,
    list_orders,
    order_to_json,
    reject_order,
    reply_to_reminder,
)
from backend.store.handling import MAX_REASON_CHARS
from backend.store.orders import MAX_PAGE_SIZE
from backend.store.replies import ReplyResult
from backend.validation import (
    BadInput,
    check_text,
    parse_json,
    parse_json_object,
    query_int,
    text_field,
)
from orderbell_protocol import MAX_REPLY_CHARS, REPLY_PRESETS, OrderStatus

Handler = Callable[[Request, DeviceToken], Awaitable[Response]]
MAX_REASON_LINES = 3
# Far beyond any shop's history; it keeps the row offset inside a 64-bit SQL integer.
MAX_PAGE = 1_000_000


def counter_only(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Admit only requests carrying a live device token; the token decides the shop."""

    async def endpoint(request: Request) -> Response:
        svc = services(request)
        token = bearer_token(request.headers)
        device = None
        if token is not None:
            device = await svc.devices.authenticate(token, svc.now())
        if device is None:
            return error(401, "UNAUTHORIZED", "missing, unknown or revoked device token")
        return await handler(request, device)

    endpoint.__doc__ = handler.__doc__
    return endpoint


@counter_only
async def orders(request: Request, device: DeviceToken) -> Response:
    """``GET /admin/orders?status=2&page=1&pageSize=20``: newest first."""
    query = request.query_params
    try:
        status = query_int(query, "status", low=int(min(OrderStatus)), high=int(max(OrderStatus)))
        page = query_int(query, "page", low=1, high=MAX_PAGE, default=1) or 1
        page_size = query_int(query, "pageSize", low=1, high=MAX_PAGE_SIZE, default=20) or 20
    except BadInput as exc:
        return error(400, "BAD_REQUEST", str(exc))
    svc = services(request)
    rows, total = await list_orders(
        svc.db, shop_id=device.shop_id, status=status, page=page, page_size=page_size
    )
    return Answer(
        {
            "total": total,
            "page": page,
            "pageSize": page_size,
            "records": [order_to_json(row) for row in rows],
        }
    )


@counter_only
async def order_detail(request: Request, device: DeviceToken) -> Response:
    """``GET /admin/orders/{id}``."""
    svc = services(request)
    order_id = order_id_of(request)
    order = None
    if order_id is not None:
        order = await get_order(svc.db, shop_id=device.shop_id, order_id=order_id)
    if order is None:
        return _not_found(request)
    return Answer(order_to_json(order))


def _not_found(request: Request) -> Response:
    return error(404, "NOT_FOUND", f"no order {request.path_params['id']} in this shop")


def _handled(request: Request, outcome: HandleOutcome, handling: str) -> Response:
    if outcome.result is HandleResult.NOT_FOUND or outcome.order is None:
        return _not_found(request)
    if outcome.result is HandleResult.CONFLICT:
        return Answer(
            {
                "code": "CONFLICT",
                "message": f"order is no longer waiting (status {outcome.order.status})",
                "order": order_to_json(outcome.order),
            },
            status_code=409,
        )
    # This request's conditional update made the transition: counted here, once per order.
    services(request).metrics.order_handled(
        handling, outcome.order.paid_at, outcome.order.updated_at
    )
    return Answer(order_to_json(outcome.order))


@counter_only
async def accept(request: Request, device: DeviceToken) -> Response:
    """``PUT /admin/orders/{id}/accept``: every counter of the shop stops ringing."""
    svc = services(request)
    order_id = order_id_of(request)
    if order_id is None:
        return _not_found(request)
    outcome = await accept_order(svc.db, shop_id=device.shop_id, order_id=order_id, now=svc.now())
    return _handled(request, outcome, "accepted")


@counter_only
async def reject(request: Request, device: DeviceToken) -> Response:
    """``PUT /admin/orders/{id}/reject`` with ``{"reason": ...}``."""
    svc = services(request)
    order_id = order_id_of(request)
    if order_id is None:
        return _not_found(request)
    try:
        data = parse_json_object(await read_body(request, 16 * 1024))
        reason = text_field(
            data, "reason", max_chars=MAX_REASON_CHARS, max_lines=MAX_REASON_LINES, min_chars=1
        )
        if not reason.strip():
            raise BadInput("a rejection needs a 'reason'")
    except BodyTooLarge:
        return error(413, "TOO_LARGE", "body too large")
    except BadInput as exc:
        return error(400, "BAD_REQUEST", str(exc))
    try:
        outcome = await reject_order(
            svc.db,
            shop_id=device.shop_id,
            order_id=order_id,
            reason=reason.strip(),
            now=svc.now(),
        )
    except InvalidOrder as exc:
        return error(400, "BAD_REQUEST", str(exc))
    return _handled(request, outcome, "rejected")


@counter_only
async def reminder_reply(request: Request, device: DeviceToken) -> Response:
    """``PUT /admin/orders/{id}/reminder-reply`` with ``{"preset": "cooking"}`` or
    ``{"text": "..."}``: answer the customer's 催单; every counter and the customer see it."""
    svc = services(request)
    order_id = order_id_of(request)
    if order_id is None:
        return _not_found(request)
    try:
        reply = _reply_of(parse_json(await read_body(request, 4 * 1024)))
    except BodyTooLarge:
        return error(413, "TOO_LARGE", "body too large")
    except BadInput as exc:
        return error(400, "BAD_REQUEST", str(exc))
    outcome = await reply_to_reminder(
        svc.db, shop_id=device.shop_id, order_id=order_id, reply=reply, now=svc.now()
    )
    if outcome.result is ReplyResult.NOT_FOUND or outcome.order is None:
        return _not_found(request)
    if outcome.result is not ReplyResult.REPLIED:
        not_reminded = outcome.result is ReplyResult.NOT_REMINDED
        return Answer(
            {
                "code": "NOT_REMINDED" if not_reminded else "NOT_WAITING",
                "message": (
                    "the customer has not hurried this order"
                    if not_reminded
                    else f"order is no longer on its way (status {outcome.order.status})"
                ),
                "order": order_to_json(outcome.order),
            },
            status_code=409,
        )
    return Answer(order_to_json(outcome.order))


_REPLY_SHAPE = (
    'body must be JSON: {"preset": "' + '" | "'.join(REPLY_PRESETS) + '"} or {"text": "..."}'
)


def _reply_of(data: object) -> str:
    """The words the customer is shown: a preset's, or the counter's own (checked) text."""
    if not isinstance(data, dict) or ("preset" in data) == ("text" in data):
        raise BadInput(_REPLY_SHAPE)
    if "preset" in data:
        preset = data["preset"]
        if not isinstance(preset, str) or preset not in REPLY_PRESETS:
            raise BadInput(f"'preset' must be one of: {', '.join(REPLY_PRESETS)}")
        return REPLY_PRESETS[preset]
    text = data["text"]
    if not isinstance(text, str):
        raise BadInput("'text' must be a string")
    return check_text(text.strip(), "'text'", max_chars=MAX_REPLY_CHARS, min_chars=1)
