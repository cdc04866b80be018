"""Test connection: is the server there, and does it take this PC's device token?"""

from __future__ import annotations

import logging
from enum import Enum

import httpx

from desktop.net.errors import ApiError, TokenRejected
from desktop.net.rest import CounterApi

logger = logging.getLogger(__name__)

TEST_TIMEOUT_S = 5.0


class Connection(Enum):
    """What a connection test found: 已连接 / 令牌错误 / 连不上, or no token to test."""

    CONNECTED = "connected"
    TOKEN_REJECTED = "token_rejected"  # noqa: S105 - an outcome, not a secret
    UNREACHABLE = "unreachable"
    NO_TOKEN = "no_token"  # noqa: S105 - an outcome, not a secret


async def check_connection(
    server_url: str,
    token: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout_s: float = TEST_TIMEOUT_S,
) -> tuple[Connection, ApiError | None]:
    """Ask the server for one waiting order with ``token``; the outcome and its error, if any.

    Never raises for what the server or the network does: every failure is an outcome.
    """
    if not token.strip():
        return Connection.NO_TOKEN, None
    try:
        async with CounterApi(server_url, token, transport=transport, timeout_s=timeout_s) as api:
            await api.check_token()
    except TokenRejected as exc:
        logger.info("connection test: %s refused the token", server_url)
        return Connection.TOKEN_REJECTED, exc
    except ApiError as exc:
        logger.info("connection test: %s", exc)
        return Connection.UNREACHABLE, exc
    logger.info("connection test: %s accepts this PC's token", server_url)
    return Connection.CONNECTED, None
