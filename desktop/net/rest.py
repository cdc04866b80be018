"""The counter's REST client: list, view, accept and reject this shop's orders."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta
from types import TracebackType
from typing import Any

import httpx

from desktop.core.marks import QT_TRANSLATE_NOOP, message
from desktop.net.errors import (
    ApiError,
    OrderConflict,
    OrderNotFound,
    ServerUnavailable,
    TokenRejected,
)
from desktop.net.orders import MalformedAnswer, RemoteOrder, order_from_json
from desktop.net.stats import TodayFigures, today_from_json
from orderbell_protocol import OrderStatus

PAGE_SIZE = 100  # the server's maximum
# A server whose "total" keeps growing must not keep us paging forever.
MAX_WAITING_PAGES = 50
MAX_HANDLED_PAGES = 5
HANDLED_STATUSES = (
    OrderStatus.CONFIRMED,
    OrderStatus.DELIVERY_IN_PROGRESS,
    OrderStatus.COMPLETED,
    OrderStatus.CANCELLED,
)


class CounterApi:
    """``/admin/orders`` with this PC's device token; every failure is an :class:`ApiError`.

    ``transport`` replaces the network (tests); ``timeout_s`` bounds each request; lists are read
    ``page_size`` orders at a time. Use it as an async context manager or call :meth:`aclose`.
    The constructor raises :class:`ServerUnavailable` for an address that is not a URL and
    :class:`TokenRejected` for a token with characters no token has.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_s: float = 10.0,
        page_size: int = PAGE_SIZE,
    ) -> None:
        if not 1 <= page_size <= PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{PAGE_SIZE}, got {page_size}")
        token = token.strip()
        if not (token.isascii() and token.isprintable()):
            raise TokenRejected(
                message(
                    QT_TRANSLATE_NOOP(
                        "ServerErrors",
                        "The device token contains characters no token has. "
                        "Enter it again in Settings.",
                    )
                )
            )
        self.base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s
        self._page_size = page_size
        try:
            self._client = httpx.AsyncClient(
                base_url=self.base_url,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                transport=transport,
                timeout=timeout_s,
                follow_redirects=False,
            )
        except httpx.InvalidURL as exc:
            raise ServerUnavailable(
                message(
                    QT_TRANSLATE_NOOP(
                        "ServerErrors", "The server address %1 is not valid. Check it in Settings."
                    ),
                    base_url,
                ),
                str(exc),
            ) from exc

    async def __aenter__(self) -> CounterApi:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def check_token(self) -> None:
        """Return if the server is reachable and accepts the token; raise an ApiError otherwise."""
        await self._page(OrderStatus.TO_BE_CONFIRMED, page=1, page_size=1)

    async def waiting_orders(self) -> list[RemoteOrder]:
        """Every paid order waiting to be accepted or rejected, oldest first."""
        found: dict[int, RemoteOrder] = {}
        for page in range(1, MAX_WAITING_PAGES + 1):
            total, orders = await self._page(OrderStatus.TO_BE_CONFIRMED, page=page)
            # An order paid while we page shifts the list by one: the id keeps it single.
            found.update((order.id, order) for order in orders)
            if not orders or page * self._page_size >= total:
                break
        return sorted(found.values(), key=lambda order: order.id)

    async def handled_today(self, now: datetime) -> list[RemoteOrder]:
        """Orders accepted or rejected on ``now``'s calendar day (its time zone), newest first.

        The list API has no "handled since" filter, so this reads the newest pages of each
        handled status and stops at orders created before yesterday. A rejected order carries
        no rejection time: it counts for the day it was paid.
        """
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        today = now.date()
        oldest_wanted = datetime.combine(today - timedelta(days=1), time.min, tzinfo=now.tzinfo)
        found: dict[int, RemoteOrder] = {}
        for status in HANDLED_STATUSES:
            for page in range(1, MAX_HANDLED_PAGES + 1):
                total, orders = await self._page(status, page=page)
                for order in orders:
                    # Unpaid orders that timed out are cancelled too, but never reached a counter.
                    if order.paid_at is None:
                        continue
                    if _day(_handled_at(order), now) == today:
                        found[order.id] = order
                if (
                    not orders
                    or page * self._page_size >= total
                    or min(order.created_at for order in orders) < oldest_wanted
                ):
                    break
        return sorted(found.values(), key=lambda o: (_handled_at(o), o.id), reverse=True)

    async def today_figures(self) -> TodayFigures:
        """Today's figures of this shop (the server's day, in the shop's time zone)."""
        data = await self._request("GET", "/admin/stats")
        with self._understood():
            return today_from_json(data)

    async def counters_online(self) -> int | None:
        """How many counters of this shop are connected now, this one included.

        None when the server cannot tell (one older than presence answers 404).
        """
        data = await self._request("GET", "/admin/presence", optional=True)
        if data is None:
            return None
        with self._understood():
            count = data.get("count") if isinstance(data, dict) else None
            if type(count) is not int or count < 0:
                raise MalformedAnswer("field 'count' must be a whole number")
            return count

    async def order(self, order_id: int) -> RemoteOrder:
        """One order of this shop as it is now."""
        return await self._order_call("GET", f"/admin/orders/{order_id}", order_id)

    async def accept(self, order_id: int) -> RemoteOrder:
        """Accept a waiting order; :class:`OrderConflict` if it was handled meanwhile."""
        return await self._order_call("PUT", f"/admin/orders/{order_id}/accept", order_id)

    async def reject(self, order_id: int, reason: str) -> RemoteOrder:
        """Reject a waiting order with a reason the customer will see."""
        return await self._order_call(
            "PUT", f"/admin/orders/{order_id}/reject", order_id, body={"reason": reason}
        )

    async def reply_to_reminder(self, order_id: int, *, preset: str, text: str) -> RemoteOrder:
        """Answer the customer's reminder with a preset (by its name) or, if ``preset`` is
        empty, with ``text``; every counter and the customer see it."""
        body = {"preset": preset} if preset else {"text": text}
        return await self._order_call(
            "PUT", f"/admin/orders/{order_id}/reminder-reply", order_id, body=body
        )

    async def _order_call(
        self, method: str, path: str, order_id: int, body: Mapping[str, Any] | None = None
    ) -> RemoteOrder:
        data = await self._request(method, path, json_body=body, order_id=order_id)
        with self._understood():
            return order_from_json(data)

    async def _page(
        self, status: OrderStatus, *, page: int, page_size: int | None = None
    ) -> tuple[int, list[RemoteOrder]]:
        size = page_size or self._page_size
        params = {"status": int(status), "page": page, "pageSize": size}
        data = await self._request("GET", "/admin/orders", params=params)
        with self._understood():
            if not isinstance(data, dict):
                raise MalformedAnswer("the order list is not a JSON object")
            total, records = data.get("total"), data.get("records")
            if not isinstance(total, int) or isinstance(total, bool):
                raise MalformedAnswer("field 'total' must be an integer")
            if not isinstance(records, list):
                raise MalformedAnswer("field 'records' must be a list")
            return total, [order_from_json(record) for record in records]

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, int] | None = None,
        json_body: Mapping[str, Any] | None = None,
        order_id: int | None = None,
        optional: bool = False,
    ) -> object:
        """The decoded JSON of a 2xx answer; every other outcome becomes an ApiError.

        ``optional``: the endpoint may not exist on an older server; a 404 gives None.
        """
        try:
            response = await self._client.request(method, path, params=params, json=json_body)
        except httpx.TimeoutException as exc:
            raise ServerUnavailable(
                message(
                    QT_TRANSLATE_NOOP(
                        "ServerErrors",
                        "The server at %1 did not answer within %2 s. "
                        "Check the network; OrderBell keeps trying.",
                    ),
                    self.base_url,
                    f"{self._timeout_s:g}",
                )
            ) from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise ServerUnavailable(
                message(
                    QT_TRANSLATE_NOOP(
                        "ServerErrors",
                        "Cannot reach the server at %1. "
                        "Check the network and the server address in Settings.",
                    ),
                    self.base_url,
                ),
                str(exc) or type(exc).__name__,
            ) from exc
        status = response.status_code
        if 200 <= status < 300:
            with self._understood():
                return self._json(response)
        if status == 401:
            raise TokenRejected
        if optional and status == 404:
            return None
        if order_id is not None and status == 404:
            raise OrderNotFound(order_id)
        if order_id is not None and status == 409:
            with self._understood():
                body = self._json(response)
                order = body.get("order") if isinstance(body, dict) else None
                raise OrderConflict(order_from_json(order))
        if status >= 500:
            raise ServerUnavailable(
                message(
                    QT_TRANSLATE_NOOP(
                        "ServerErrors",
                        "The server at %1 has a problem (HTTP %2). Try again in a moment.",
                    ),
                    self.base_url,
                    status,
                )
            )
        if 400 <= status < 500 and status != 404:
            # The server's own words are English for the log; staff get the sentence below.
            raise ApiError(
                message(
                    QT_TRANSLATE_NOOP("ServerErrors", "The server refused the request (HTTP %1)."),
                    status,
                ),
                _server_message(response),
            )
        raise ServerUnavailable(
            message(
                QT_TRANSLATE_NOOP(
                    "ServerErrors",
                    "%1 answered HTTP %2 where an OrderBell server would not. "
                    "Check the server address in Settings.",
                ),
                self.base_url,
                status,
            )
        )

    def _json(self, response: httpx.Response) -> object:
        try:
            data: object = json.loads(response.content)
        except (ValueError, RecursionError) as exc:
            # ValueError covers both JSONDecodeError and bytes that are not UTF-8.
            raise MalformedAnswer("the answer is not JSON") from exc
        return data

    @contextlib.contextmanager
    def _understood(self) -> Iterator[None]:
        """Turn an answer that is not the documented JSON into ServerUnavailable."""
        try:
            yield
        except MalformedAnswer as exc:
            raise ServerUnavailable(
                message(
                    QT_TRANSLATE_NOOP(
                        "ServerErrors",
                        "The server at %1 answered something OrderBell does not understand. "
                        "Check the server address, or update OrderBell.",
                    ),
                    self.base_url,
                ),
                str(exc),
            ) from exc


def _handled_at(order: RemoteOrder) -> datetime:
    """When the order left the waiting list, as near as the API tells."""
    return order.accepted_at or order.paid_at or order.created_at


def _day(moment: datetime, now: datetime) -> date | None:
    """The calendar day of ``moment`` in ``now``'s time zone; None for a time at the ends of the
    calendar (year 1, 9999) that the zone would shift out of range: surely not today."""
    try:
        return moment.astimezone(now.tzinfo).date()
    except OverflowError:
        return None


def _server_message(response: httpx.Response) -> str:
    with contextlib.suppress(ValueError, RecursionError):
        body = json.loads(response.content)
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            return str(body["message"])[:200]
    return f"HTTP {response.status_code}"
