"""What every handler shares: the services it is handed, error answers, bounded bodies."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse

from backend.auth import CustomerAuth
from backend.devices import DeviceDirectory
from backend.hub import Dispatcher, Hub
from backend.metrics import Metrics
from backend.presence import PresenceBoard
from backend.reconcile import Reconciler
from backend.settings import Settings
from backend.store import Database
from backend.validation import readable
from backend.wechatpay import NotificationOpener
from backend.write_probe import WriteProbe


@dataclass(frozen=True, slots=True)
class Services:
    """Everything a handler needs, created in the app's lifespan and passed in via app state."""

    settings: Settings
    db: Database
    devices: DeviceDirectory
    hub: Hub
    dispatcher: Dispatcher
    opener: NotificationOpener
    customers: CustomerAuth
    clock: Callable[[], float]
    metrics: Metrics
    write_probe: WriteProbe
    presence: PresenceBoard
    reconciler: Reconciler | None = None

    def now(self) -> datetime:
        """The injected clock as an aware UTC time."""
        return datetime.fromtimestamp(self.clock(), UTC)


def services(connection: HTTPConnection) -> Services:
    """The services of the app serving this request or WebSocket."""
    return cast(Services, connection.app.state.services)


class Answer(JSONResponse):
    """A JSON answer that can always be sent, whatever text the database holds.

    Rows written before input was checked at the edge may hold a lone surrogate, which UTF-8
    cannot encode: such text goes out with U+FFFD in its place instead of failing the answer.
    """

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
            return readable(text).encode("utf-8")


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Answer:
    """An error answer: ``{"code": ..., "message": ...}``."""
    return Answer({"code": code, "message": message}, status_code=status, headers=headers)


class BodyTooLarge(Exception):
    """The request body is over the endpoint's limit."""


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing to buffer more than ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


# Order ids are 32-bit database integers; a larger number names no order (and must not reach
# the database, where it would overflow the column type).
MAX_ORDER_ID = 2**31 - 1


def order_id_of(request: Request) -> int | None:
    """The ``{id}`` path parameter, or None when it cannot name an order."""
    order_id: int = request.path_params["id"]
    return order_id if 0 < order_id <= MAX_ORDER_ID else None
