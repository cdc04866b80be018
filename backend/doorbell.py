"""PostgreSQL LISTEN/NOTIFY: how one instance hears about events another instance committed.

Every event appended on PostgreSQL is announced with ``NOTIFY orderbell_events`` in the same
transaction (see ``backend.store.events``). Each instance keeps one dedicated connection - not
from the pool - that LISTENs on the channel and rings its own dispatcher, which then reads
the log. A notification is only a doorbell, never the data: when the listening connection is
lost (database restart, network blip) the doorbell reconnects with backoff and rings once it
listens again, and the dispatcher catches up from the last id it published. Nothing in the
gap is lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.store import EVENTS_CHANNEL

log = logging.getLogger(__name__)

APPLICATION_NAME = "orderbell-doorbell"
# asyncpg options SQLAlchemy's dialect consumes itself; asyncpg.connect() would refuse them.
_DIALECT_ONLY_OPTIONS = ("prepared_statement_cache_size", "prepared_statement_name_func")

Backoff = Callable[[], Iterator[float]]


class Bell(Protocol):
    """What the doorbell rings: the dispatcher."""

    def ring(self) -> None:
        """New events may be in the log."""

    def heard(self, event_id: int) -> None:
        """Event ``event_id`` was committed."""


def reconnect_delays(first_s: float = 0.1, cap_s: float = 5.0) -> Iterator[float]:
    """Seconds to wait before each reconnection attempt: doubling from ``first_s`` to ``cap_s``."""
    delay = first_s
    while True:
        yield delay
        delay = min(delay * 2, cap_s)


def parse_notification(payload: str) -> tuple[int, int] | None:
    """The (shop id, event id) a notification announces, or None if it is not ours."""
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    shop_id, event_id = data.get("shopId"), data.get("id")
    if type(shop_id) is not int or type(event_id) is not int:
        return None
    return shop_id, event_id


def connect_options(engine: AsyncEngine) -> dict[str, Any]:
    """asyncpg.connect() keyword arguments for the database the engine talks to."""
    args, options = engine.dialect.create_connect_args(engine.url)
    if args:
        raise ValueError("unexpected positional connection arguments")
    options = {k: v for k, v in options.items() if k not in _DIALECT_ONLY_OPTIONS}
    settings = dict(options.get("server_settings") or {})
    settings.setdefault("application_name", APPLICATION_NAME)
    options["server_settings"] = settings
    return options


class Doorbell:
    """Listens for events committed by any instance and rings this instance's dispatcher.

    ``connected`` is set while the doorbell listens; each time it starts listening (at start-up
    and after every reconnection) it rings ``bell`` once, so events committed while it was
    deaf are read from the log.
    """

    def __init__(
        self,
        options: dict[str, Any],
        bell: Bell,
        *,
        backoff: Backoff = reconnect_delays,
        check_every_s: float = 10.0,
        timeout_s: float = 5.0,
    ) -> None:
        self._options = options
        self._bell = bell
        self._backoff = backoff
        self._check_every_s = check_every_s
        self._timeout_s = timeout_s
        self.connected = asyncio.Event()
        self.reconnections = 0

    async def run(self) -> None:
        """Listen until cancelled, reconnecting whenever the connection is lost."""
        delays = self._backoff()
        failures = 0
        while True:
            try:
                connection = await asyncpg.connect(**self._options, timeout=self._timeout_s)
            except Exception as exc:  # a background task must outlive any connection problem
                failures += 1
                delay = next(delays)
                # One warning per outage; the attempts after it only at debug level.
                report = log.warning if failures == 1 else log.debug
                report("doorbell cannot reach the database (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            try:
                if await self._listen(connection):
                    delays = self._backoff()
            finally:
                self.connected.clear()
                await _close(connection)
            self.reconnections += 1
            delay = next(delays)
            log.warning("doorbell lost its database connection; reconnecting in %.1f s", delay)
            await asyncio.sleep(delay)

    async def _listen(self, connection: Any) -> bool:
        """Listen on one connection until it is lost; False if it never got to listen."""
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _connection: lost.set())
        try:
            await connection.add_listener(EVENTS_CHANNEL, self._on_notification)
        except Exception as exc:
            log.warning("doorbell could not LISTEN (%s)", exc)
            return False
        self.connected.set()
        log.info("doorbell listening for events from every instance")
        # Anything committed before LISTEN took effect has no notification coming: read it now.
        self._bell.ring()
        while True:
            try:
                async with asyncio.timeout(self._check_every_s):
                    await lost.wait()
                return True
            except TimeoutError:
                pass
            # A silently dropped network path raises no error on an idle socket; a query does.
            try:
                await connection.execute("SELECT 1", timeout=self._timeout_s)
            except Exception:
                return True

    def _on_notification(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        announced = parse_notification(payload)
        if announced is None:
            log.warning("ignoring a notification that is not an event: %.80r", payload)
            self._bell.ring()
            return
        self._bell.heard(announced[1])


async def _close(connection: Any) -> None:
    if connection.is_closed():
        return
    try:
        await asyncio.wait_for(connection.close(), 1.0)
    except Exception:
        connection.terminate()
