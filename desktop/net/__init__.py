"""Talking to the OrderBell server: the reconnecting event stream and the counter REST client."""

from desktop.net.errors import (
    ApiError,
    OrderConflict,
    OrderNotFound,
    ServerUnavailable,
    TokenRejected,
)
from desktop.net.orders import OrderItem, RemoteOrder
from desktop.net.rest import CounterApi
from desktop.net.stream import Cursor, EventStream, LinkState
from desktop.net.urls import stream_url

__all__ = [
    "ApiError",
    "CounterApi",
    "Cursor",
    "EventStream",
    "LinkState",
    "OrderConflict",
    "OrderItem",
    "OrderNotFound",
    "RemoteOrder",
    "ServerUnavailable",
    "TokenRejected",
    "stream_url",
]
