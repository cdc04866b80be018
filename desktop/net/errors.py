"""What can go wrong talking to the server, phrased so a shop owner knows what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.net.orders import RemoteOrder


class ApiError(Exception):
    """The server did not do what was asked; ``str(error)`` says why and what to try."""


class TokenRejected(ApiError):
    """The device token is unknown, revoked (HTTP 401) or malformed: enter a valid one."""

    def __init__(
        self,
        message: str = (
            "The server rejected this PC's device token. "
            "Open Settings and enter a valid device token."
        ),
    ) -> None:
        super().__init__(message)


class OrderNotFound(ApiError):
    """The order does not exist in this PC's shop (HTTP 404)."""

    def __init__(self, order_id: int) -> None:
        super().__init__(f"Order {order_id} does not exist in this shop.")
        self.order_id = order_id


class OrderConflict(ApiError):
    """The order is no longer waiting (HTTP 409), usually handled at another counter.

    ``order`` is the order as it is now, so the UI can show what happened to it.
    """

    def __init__(self, order: RemoteOrder) -> None:
        super().__init__(
            f"Order …{order.tail} was already handled ({order.status.name.lower()}), "
            "probably at another counter."
        )
        self.order = order


class ServerUnavailable(ApiError):
    """No usable answer: connection refused, timeout, a server error, or an unexpected reply."""
