"""The store's exceptions, with messages the person who sent the input can act on."""

from __future__ import annotations

import logging

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import exc as sa

# Faults of the code or of the data rather than of the database: these keep their traceback.
_FAULTS = (sa.ProgrammingError, sa.IntegrityError, sa.DataError, sa.NotSupportedError)
# What an unreachable, stopped, locked, read-only or full database raises. asyncpg's own errors
# escape SQLAlchemy only while connecting; OSError covers a refused or timed-out connection.
_OUTAGES = (
    sa.DBAPIError,
    sa.TimeoutError,
    sa.DisconnectionError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    OSError,
)
_MAX_DESCRIPTION_CHARS = 200


class StoreError(Exception):
    """Something the database layer refused or could not do."""


class InvalidInput(StoreError):
    """Input a store function refuses; the message says what to fix."""


class InvalidOrder(InvalidInput):
    """An order submission or an order change with bad input; nothing was written."""


def describe_failure(exc: BaseException) -> str | None:
    """One line saying why the database failed, or None when ``exc`` is not a database failure.

    An outage (the server stopped, the file locked, read-only or full) fails every request
    alike: one line each says enough, where a traceback each would bury everything else.
    """
    if isinstance(exc, _FAULTS) or not isinstance(exc, _OUTAGES):
        return None
    cause = exc.orig if isinstance(exc, sa.DBAPIError) and exc.orig is not None else exc
    text = str(cause).strip().splitlines()
    detail = text[0] if text else ""
    name = type(cause).__name__
    line = f"{name}: {detail}" if detail else name
    return line[:_MAX_DESCRIPTION_CHARS]


def report_failure(
    logger: logging.Logger, message: str, exc: BaseException, level: int = logging.WARNING
) -> None:
    """Log ``message``: one line at ``level`` for a database failure, a traceback otherwise."""
    failure = describe_failure(exc)
    if failure is None:
        logger.error(message, exc_info=exc)
    else:
        logger.log(level, "%s (%s)", message, failure)
