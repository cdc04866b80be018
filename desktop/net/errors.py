"""What can go wrong talking to the server, phrased so a shop owner knows what to do.

Each error carries a :class:`~desktop.core.marks.Message` the UI shows in its language;
``str(error)`` is the English sentence followed by the technical detail, for the log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.core.marks import QT_TRANSLATE_NOOP, Message, message

if TYPE_CHECKING:
    from desktop.net.orders import RemoteOrder


class ApiError(Exception):
    """The server did not do what was asked; :attr:`message` says why and what to try.

    ``detail`` is for the log only (an exception text, the server's own words).
    """

    def __init__(self, text: Message, detail: str = "") -> None:
        super().__init__(f"{text} ({detail})" if detail else str(text))
        self.message = text
        self.detail = detail


class TokenRejected(ApiError):
    """The device token is unknown, revoked (HTTP 401) or malformed: enter a valid one."""

    def __init__(self, text: Message | None = None) -> None:
        super().__init__(
            text
            or message(
                QT_TRANSLATE_NOOP(
                    "ServerErrors",
                    "The server rejected this PC's device token. "
                    "Open Settings and enter a valid device token.",
                )
            )
        )


class OrderNotFound(ApiError):
    """The order does not exist in this PC's shop (HTTP 404)."""

    def __init__(self, order_id: int) -> None:
        super().__init__(
            message(
                QT_TRANSLATE_NOOP("ServerErrors", "Order %1 does not exist in this shop."),
                order_id,
            )
        )
        self.order_id = order_id


class OrderConflict(ApiError):
    """The order is no longer waiting (HTTP 409), usually handled at another counter.

    ``order`` is the order as it is now, so the UI can show what happened to it.
    """

    def __init__(self, order: RemoteOrder) -> None:
        super().__init__(
            message(
                QT_TRANSLATE_NOOP(
                    "ServerErrors",
                    "Order ending %1 was already handled, probably at another counter.",
                ),
                order.tail,
            ),
            f"status {order.status.name}",
        )
        self.order = order


class ServerUnavailable(ApiError):
    """No usable answer: connection refused, timeout, a server error, or an unexpected reply."""
