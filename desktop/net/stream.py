"""The reconnecting event stream: one WebSocket to the server, each event handled once, in order."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from enum import Enum
from typing import Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI
from websockets.uri import parse_uri

from desktop.core.cursor import EventDeduplicator
from desktop.net.backoff import CAP_S, reconnect_delays
from desktop.net.urls import redacted, with_since
from orderbell_protocol import (
    CLOSE_BAD_TOKEN,
    CLOSE_GOING_AWAY,
    CLOSE_TOO_SLOW,
    Event,
    ProtocolError,
    UnknownEventType,
    decode_event,
)

log = logging.getLogger(__name__)

# The server answers a bad token with HTTP 403 on the handshake; a proxy in front may say 401.
TOKEN_REJECTED_STATUSES = frozenset({401, 403})
PING_INTERVAL_S = 20.0
PING_TIMEOUT_S = 20.0
CLOSE_TIMEOUT_S = 2.0
# A connection that stayed up this long was healthy: the next drop starts the backoff afresh.
STABLE_AFTER_S = 10.0
FRAME_LOG_CHARS = 200
CURSOR_SAVE_DELAY_S = 0.25
# The largest event frame taken. The server bounds what customers type, but an order stored
# before that (or by another system) may carry a remark of any length, and a frame over the
# limit closes the link (1009) and comes back on every reconnect: the counter would never hear
# another event. A 600,000-character Chinese remark is a 1.8 MB frame.
MAX_FRAME_BYTES = 64 * 1024 * 1024


class LinkState(Enum):
    """Where the link to the server stands, for the tray icon and the link-down alarm."""

    CONNECTING = "connecting"  # first attempt after start, reconnect() or update()
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"  # lost or not made; retrying with backoff
    TOKEN_REJECTED = "token_rejected"  # noqa: S105 - not retried until reconnect()/update()
    MISCONFIGURED = "misconfigured"  # the address is unusable; not retried until update()


class Cursor(Protocol):
    """Where the id of the last handled event is kept (desktop.core.cursor.CursorStore)."""

    def load(self) -> int | None: ...

    def save(self, event_id: int) -> None: ...


EventHandler = Callable[[Event], Awaitable[None] | None]
StateHandler = Callable[[LinkState], None]
Backoff = Callable[[], Iterator[float]]


class EventStream:
    """Keeps one WebSocket to ``/ws/{sid}`` open and hands each new event to the app, once.

    Callbacks (run on the event loop; an exception in either is logged and the stream goes on):

    - ``on_event(event)`` - for every event not handled before, in id order. It may be a
      coroutine function; the next frame waits for it. The cursor is saved after it returns,
      EVEN IF IT RAISED: a handler bug must not wedge the stream or replay the same event
      forever, so the failure is logged and the event counts as handled.
    - ``on_state(state)`` - on every change of :class:`LinkState`.

    Every connection asks for ``since=<last handled id>`` when there is one, at start-up too, so
    orders paid while the PC was off are announced. A rejected token (handshake 401/403, close
    4401) or an unusable address parks the stream until :meth:`reconnect` or :meth:`update`;
    anything else (network errors, close 1001/4408, timeouts) is retried with ``backoff``.
    Malformed, unknown-type and binary frames are logged and skipped.
    """

    def __init__(
        self,
        url: str,
        token: str,
        cursor: Cursor,
        on_event: EventHandler,
        on_state: StateHandler,
        *,
        backoff: Backoff | None = None,
        connect_timeout_s: float = 10.0,
    ) -> None:
        self._url = url
        self._token = token
        self._cursor = cursor
        self._on_event = on_event
        self._on_state = on_state
        self._backoff: Backoff = backoff or reconnect_delays
        self._connect_timeout_s = connect_timeout_s
        self._state = LinkState.DISCONNECTED
        self._dedup = EventDeduplicator(None)
        self._asked_since: int | None = None  # since= of the current connection, until 1st event
        self._save_handle: asyncio.TimerHandle | None = None
        self._wake = asyncio.Event()  # reconnect(), update() or stop() wants attention
        self._stopping = False
        self._running = False
        self._up_for_s = 0.0
        self._last_delay_s = CAP_S
        self.last_connected_at: datetime | None = None
        self.last_error: str | None = None

    @property
    def state(self) -> LinkState:
        """The current link state."""
        return self._state

    @property
    def last_event_id(self) -> int | None:
        """The highest event id handled (the cursor), or None before the first one."""
        return self._dedup.last_id

    def reconnect(self) -> None:
        """Drop the current connection (if any) and connect again now, token rejected or not."""
        self._wake.set()

    def update(self, url: str, token: str) -> None:
        """Use a new address and token from now on, reconnecting at once.

        Event ids belong to one server's log: a new address starts without ``since=`` (the
        waiting-orders reload covers what happened meanwhile) instead of replaying or skipping
        on the strength of another server's ids.
        """
        if url != self._url:
            self._dedup = EventDeduplicator(None)
        self._url = url
        self._token = token
        self._wake.set()

    def stop(self) -> None:
        """Make :meth:`run` close the socket and return."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Connect, deliver events and reconnect until :meth:`stop`."""
        if self._running:
            raise RuntimeError("this EventStream is already running")
        self._running = True
        self._dedup = EventDeduplicator(self._load_cursor())
        delays = self._backoff()
        self._set_state(LinkState.CONNECTING)
        try:
            while not self._stopping:
                if self._wake.is_set():
                    self._wake.clear()
                    delays = self._backoff()
                    self._set_state(LinkState.CONNECTING)
                failure = await self._attempt()
                if self._stopping or self._wake.is_set():
                    continue
                self._set_state(failure)
                if failure is not LinkState.DISCONNECTED:
                    await self._wake.wait()  # parked: only new settings or "Reconnect" help
                    continue
                if self._up_for_s >= STABLE_AFTER_S:
                    delays = self._backoff()
                delay = self._next_delay(delays)
                log.info("reconnecting in %.1f s", delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
        finally:
            if self._save_handle is not None:
                self._save_handle.cancel()
                self._flush_cursor()
            self._running = False
            self._stopping = False
            self._wake.clear()
            self._set_state(LinkState.DISCONNECTED)

    async def _attempt(self) -> LinkState:
        """One connection, from handshake to close; the state to move to when it is over."""
        self._up_for_s = 0.0
        self._asked_since = self._dedup.last_id
        url = with_since(self._url, self._asked_since)
        try:
            parse_uri(url)
        except InvalidURI as exc:
            return self._failed(
                LinkState.MISCONFIGURED,
                f"The server address {redacted(self._url)!r} is not usable ({exc}). "
                "Check it in Settings.",
            )
        if not (self._token.isascii() and self._token.isprintable()):
            return self._failed(
                LinkState.TOKEN_REJECTED,
                "The device token contains characters no token has. Enter it again in Settings.",
            )
        try:
            ws = await self._open(url)
            if ws is None:
                return LinkState.DISCONNECTED  # interrupted by reconnect(), update() or stop()
            return await self._listen(ws)
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status in TOKEN_REJECTED_STATUSES:
                return self._token_rejected()
            return self._failed(
                LinkState.DISCONNECTED, f"The server refused the event stream (HTTP {status})."
            )
        except InvalidURI as exc:
            return self._failed(LinkState.MISCONFIGURED, f"The server address is not usable: {exc}")
        except TimeoutError:
            return self._failed(
                LinkState.DISCONNECTED,
                f"The server did not answer within {self._connect_timeout_s:g} s.",
            )
        except OSError as exc:
            return self._failed(LinkState.DISCONNECTED, f"Cannot reach the server: {exc}")
        except Exception as exc:
            # A broken handshake, a proxy error, a library surprise: log it and keep trying.
            log.warning("event stream failed", exc_info=True)
            return self._failed(LinkState.DISCONNECTED, f"The event stream failed: {exc}")

    async def _open(self, url: str) -> ClientConnection | None:
        """The open connection, or None if woken first; connection errors propagate."""
        log.info("connecting to %s (since=%s)", redacted(url), self._dedup.last_id)
        opening = asyncio.create_task(self._handshake(url))
        woken = asyncio.create_task(self._wake.wait())
        try:
            await asyncio.wait({opening, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            if not opening.done():
                opening.cancel()
                await asyncio.wait({opening})
        if opening.cancelled():
            return None
        return opening.result()

    async def _handshake(self, url: str) -> ClientConnection:
        return await connect(
            url,
            additional_headers={"Authorization": f"Bearer {self._token}"},
            compression=None,  # the server turns permessage-deflate off: events are tiny
            open_timeout=self._connect_timeout_s,
            ping_interval=PING_INTERVAL_S,
            ping_timeout=PING_TIMEOUT_S,
            close_timeout=CLOSE_TIMEOUT_S,
            max_size=MAX_FRAME_BYTES,
        )

    async def _listen(self, ws: ClientConnection) -> LinkState:
        """Deliver frames until the connection closes or :meth:`reconnect` closes it."""
        loop = asyncio.get_running_loop()
        opened_at = loop.time()
        self.last_connected_at = datetime.now(UTC)
        self.last_error = None
        self._set_state(LinkState.CONNECTED)
        closer = asyncio.create_task(self._close_when_woken(ws))
        try:
            while True:
                await self._deliver(await ws.recv())
        except ConnectionClosed as exc:
            return self._closed(exc)
        finally:
            self._up_for_s = loop.time() - opened_at
            closer.cancel()
            await ws.close()
            await asyncio.wait({closer})

    async def _close_when_woken(self, ws: ClientConnection) -> None:
        await self._wake.wait()
        # The receive loop then sees the close and returns; errors surface there, not here.
        with contextlib.suppress(Exception):
            await ws.close()

    def _closed(self, exc: ConnectionClosed) -> LinkState:
        if self._wake.is_set():
            return LinkState.DISCONNECTED  # we closed it on purpose
        code = exc.rcvd.code if exc.rcvd is not None else None
        if code == CLOSE_BAD_TOKEN:
            return self._token_rejected()
        if code == CLOSE_GOING_AWAY:
            reason = "The server is restarting."
        elif code == CLOSE_TOO_SLOW:
            reason = "The server dropped this PC for reading events too slowly."
        elif code is None:
            reason = "The connection to the server was lost."
        else:
            reason = f"The server closed the connection (code {code})."
        return self._failed(LinkState.DISCONNECTED, reason)

    async def _deliver(self, frame: str | bytes) -> None:
        """Decode one frame and hand it on if it is new; nothing here may end the stream."""
        if isinstance(frame, bytes):
            log.warning("ignoring a binary frame of %d bytes", len(frame))
            return
        try:
            event = decode_event(frame)
        except UnknownEventType as exc:
            log.info("skipping an event this version does not know: %s", exc)
            return
        except ProtocolError as exc:
            log.warning("skipping a malformed frame (%s): %.*r", exc, FRAME_LOG_CHARS, frame)
            return
        except Exception as exc:
            # decode_event should only raise ProtocolError, but hostile input finds the gaps
            # (deeply nested JSON -> RecursionError, a missing 'status' -> KeyError in 0.1.0).
            log.warning(
                "skipping a malformed frame (%s: %s): %.*r",
                type(exc).__name__,
                exc,
                FRAME_LOG_CHARS,
                frame,
            )
            return
        asked, self._asked_since = self._asked_since, None
        if asked is not None and event.id <= asked:
            # A server never sends an id at or below since=: its event log was reset (restored
            # from a backup, a new database). Its ids start again, and so must ours.
            log.warning(
                "event %d is not after since=%d: the server's event log restarted; "
                "resetting the cursor",
                event.id,
                asked,
            )
            self._dedup = EventDeduplicator(None)
        if not self._dedup.accept(event.id):
            log.debug("event %d was handled before; skipped", event.id)
            return
        try:
            result = self._on_event(event)
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.exception(
                "handling event %d (order %s) failed; it counts as handled",
                event.id,
                event.order_number,
            )
        self._save_cursor(event.id)

    def _load_cursor(self) -> int | None:
        try:
            return self._cursor.load()
        except Exception:
            log.exception("cannot read the event cursor; starting without since=")
            return None

    def _save_cursor(self, event_id: int) -> None:
        """Save soon, not now: a catch-up burst costs one disk write, not one fsync per event."""
        if self._save_handle is None:
            loop = asyncio.get_running_loop()
            self._save_handle = loop.call_later(CURSOR_SAVE_DELAY_S, self._flush_cursor)

    def _flush_cursor(self) -> None:
        self._save_handle = None
        last = self._dedup.last_id
        if last is None:
            return
        try:
            self._cursor.save(last)
        except Exception:
            # Alerts keep working; only a restart may repeat some announcements.
            log.exception("cannot save the event cursor at %d", last)

    def _next_delay(self, delays: Iterator[float]) -> float:
        # A finite backoff keeps its last delay once it runs out.
        with contextlib.suppress(StopIteration):
            self._last_delay_s = max(0.0, next(delays))
        return self._last_delay_s

    def _token_rejected(self) -> LinkState:
        return self._failed(
            LinkState.TOKEN_REJECTED,
            "The server rejected this PC's device token. Open Settings and enter a valid one.",
        )

    def _failed(self, state: LinkState, message: str) -> LinkState:
        self.last_error = message
        log.warning("event stream: %s", message)
        return state

    def _set_state(self, state: LinkState) -> None:
        if state is self._state:
            return
        log.info("link %s -> %s", self._state.value, state.value)
        self._state = state
        try:
            self._on_state(state)
        except Exception:
            log.exception("the link state handler failed")
