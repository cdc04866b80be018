"""uvicorn's WebSocket protocol with what a counter stream needs beyond ASGI.

ASGI hands an app ``send`` and ``receive`` and nothing else, which leaves three gaps for a
server that rings thousands of counters:

- a fan-out would await ``send`` once per counter, a task switch and a copy for every frame;
  :class:`CounterSocket` writes an event's frame, encoded once for its whole shop, straight to
  each socket that is not backed up;
- a counter that stops reading cannot be let go: closing a socket waits for its unsent data,
  which never drains. Here a peer that misses a keepalive pong, or that the app drops, is
  aborted, and the kernel frees its buffers;
- noticing a disconnect needs a task per connection blocked in ``receive``. Here the app is
  called back instead, and what a counter sends (nothing, by the protocol) is discarded;
- an ASGI app that returns ends its connection, so an idle counter would keep its whole call
  chain (middleware frames, the task, the scope) alive for hours. Here the app may
  :meth:`CounterSocket.detach` the connection and return: the hub keeps the socket, which calls
  back when its send buffer drains.

The socket reaches the app through the scope: ``scope["extensions"]["orderbell.socket"]``.
Under any other ASGI server the extension is absent and the app uses plain ASGI. A counter
whose stream needs nothing but memory may not reach the app at all: the server's direct
stream (``backend.wsfast``) lets the protocol write its 101 and open the stream itself.

The protocol also does its share of the server's edge (``backend.httpedge`` hands it the
connection, admitted): a handshake the server does not answer in time is dropped (one timer,
gone once the 101 is out), a request websockets itself refuses (a header line over 8 KiB) gets
its 431 written, which uvicorn leaves unsent, and the connection's admission is released when
it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import quote, unquote

from starlette.websockets import WebSocket
from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState
from websockets.http11 import Request

from backend.edge import edge_of
from backend.hub import Frame
from backend.keepalive import keepalive_of
from backend.lean import LeanEvent, LeanQueue

log = logging.getLogger(__name__)

EXTENSION = "orderbell.socket"
SWITCHING_PROTOCOLS = 101
CLOSE_TIMEOUT_S = 2.0  # for the peer to answer a close frame


class Opening(Protocol):
    """A stream to open without the app (``backend.wsfast``): its client, and how to open it."""

    @property
    def client(self) -> tuple[str, int] | None:
        """The client as the app would see it (behind a trusted proxy, the one it names)."""
        ...

    def open(self, socket: CounterSocket) -> None:
        """Subscribe the socket to its shop's events, right after its 101 is written."""
        ...


class DirectStream(Protocol):
    """Which upgrades the protocol may answer itself (``backend.wsfast.DirectStream``)."""

    def opening(
        self, served: object, client: tuple[str, int] | None, request: Request
    ) -> Opening | None:
        """The stream to open for this request, or None to leave it to the app."""
        ...


def direct_stream_of(config: Any) -> DirectStream | None:
    """The direct stream a server built by ``backend.server`` carries on its config, if any."""
    direct: DirectStream | None = getattr(config, "direct_stream", None)
    return direct


class CounterSocket:
    """The connection under one WebSocket, as the stream route drives it.

    Once the connection is lost the socket lets go of its protocol (they refer to each other),
    and from then on it is simply closed: never ready, and closing it does nothing.
    """

    __slots__ = ("_on_full", "_on_lost", "_on_room", "_protocol")

    def __init__(self, protocol: CounterProtocol) -> None:
        self._protocol: CounterProtocol | None = protocol
        self._on_lost: Callable[[], None] | None = None
        self._on_room: Callable[[], None] | None = None
        self._on_full: Callable[[], None] | None = None

    @property
    def detached(self) -> bool:
        """The app handed the open connection over (:meth:`detach`) and it has not ended."""
        return self._on_room is not None

    @property
    def lost(self) -> bool:
        """The connection is gone (closed, aborted or dropped by the peer)."""
        return self._protocol is None or self._protocol.disconnected

    def ready(self) -> bool:
        """Open, past the handshake, not closing, and its send buffer below the high mark."""
        protocol = self._protocol
        return (
            protocol is not None
            and protocol.handshake_complete
            and not protocol.close_sent
            and not protocol.disconnected
            and protocol.writable.is_set()
            and not protocol.transport.is_closing()
        )

    def pipe(self) -> asyncio.Transport | None:
        """The transport while :meth:`ready`, for writing frames straight into; else None."""
        protocol = self._protocol
        return protocol.transport if protocol is not None and self.ready() else None

    def pong_age(self) -> float | None:
        """Seconds since the peer last answered a keepalive ping; None before its first answer."""
        protocol = self._protocol
        if protocol is None or protocol.last_pong is None:
            return None
        return protocol.loop.time() - protocol.last_pong

    def write(self, frame: Frame) -> None:
        """Write one frame as it is; only when :meth:`ready`."""
        protocol = self._protocol
        if protocol is not None:
            protocol.transport.write(frame.wire)

    async def send(self, frame: Frame) -> None:
        """Write one frame once the send buffer has room; raises if the connection ends."""
        if self._protocol is not None:
            await self._protocol.writable.wait()
        if not self.ready():
            raise ClientDisconnected
        self.write(frame)

    def listen_only(self, on_lost: Callable[[], None]) -> None:
        """Discard whatever the peer sends, and call ``on_lost`` when the connection ends.

        Only after the handshake: the scope's request headers are forgotten (emptied).
        """
        if self._protocol is None:
            on_lost()  # already gone
            return
        self._on_lost = on_lost
        self._protocol.discard_messages()

    def detach(self, on_room: Callable[[], None], on_full: Callable[[], None]) -> None:
        """Keep the connection open after the app returns.

        From now on the socket calls ``on_full`` when its send buffer fills (write nothing more
        straight to its transport) and ``on_room`` when it drains again.

        Only after :meth:`listen_only`: whoever holds the socket from now on learns of the end
        through ``on_lost``, and closes it with :meth:`close` or :meth:`abort`.
        """
        self._on_room = on_room
        self._on_full = on_full

    def close(self, code: int) -> None:
        """Send a close frame; the peer's answer ends the connection (or a timeout aborts it)."""
        if self._protocol is not None:
            self._protocol.send_close(code)

    def abort(self) -> None:
        """Drop the connection now, unsent data and all (for a peer that does not read)."""
        if self._protocol is not None:
            self._protocol.abort()

    def room(self) -> None:
        """Called by the protocol when the send buffer has drained below its low mark."""
        if self._on_room is not None:
            self._on_room()

    def full(self) -> None:
        """Called by the protocol when the send buffer has filled above its high mark."""
        if self._on_full is not None:
            self._on_full()

    def connection_lost(self) -> None:
        """Called by the protocol: tell the listener, once, and forget it and the protocol."""
        self._protocol = None
        on_lost, self._on_lost, self._on_room, self._on_full = self._on_lost, None, None, None
        if on_lost is not None:
            on_lost()


def counter_socket(websocket: WebSocket) -> CounterSocket | None:
    """The socket under this WebSocket when served by :class:`CounterProtocol`, else None."""
    extension = websocket.scope.get("extensions", {}).get(EXTENSION)
    socket = extension.get("socket") if extension else None
    return socket if isinstance(socket, CounterSocket) else None


class CounterProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol, plus a :class:`CounterSocket` for the app.

    Every attribute, uvicorn's and ours, lives in a slot: uvicorn sets some forty of them, too
    many for an instance dict with shared keys, so each connection would carry a full dict of
    its own (~1.5 KiB). The base class keeps its ``__dict__``, which stays unallocated as long
    as nothing sets an attribute not named here.
    """

    __slots__ = (
        "_discarding",
        "_handshake_timer",
        "app",
        "app_state",
        "asgi_version",
        "client",
        "close_sent",
        "close_timeout",
        "close_timer",
        "config",
        "conn",
        "connections",
        "curr_msg_data_type",
        "default_headers",
        "disconnected",
        "frames",
        "handshake_complete",
        "handshake_initiated",
        "initial_response",
        "last_ping_rtt",
        "last_pong",
        "logger",
        "loop",
        "pending_ping_payload",
        "ping_interval",
        "ping_sent_at",
        "ping_timeout",
        "ping_timer",
        "pong_timer",
        "queue",
        "read_paused",
        "request",
        "response",
        "root_path",
        "scheme",
        "scope",
        "server",
        "socket",
        "tasks",
        "transport",
        "writable",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The same interface as uvicorn's asyncio.Queue and Event, without their empty deques:
        # ~3 KiB less for every idle counter.
        self.queue = LeanQueue()  # type: ignore[assignment]
        self.writable = LeanEvent()  # type: ignore[assignment]
        self.writable.set()
        self.socket = CounterSocket(self)
        self._discarding = False
        # Runs from the upgrade's request until the server answers it, never once live.
        self._handshake_timer: asyncio.TimerHandle | None = None
        self.last_pong: float | None = None  # loop time of the last answered keepalive ping

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        edge = edge_of(self.config)
        if edge is not None:
            self._handshake_timer = self.loop.call_later(
                edge.handshake_timeout_s, self._handshake_timed_out
            )

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.handshake_exc is not None and not self.handshake_initiated:
            self._refuse_request()

    def _refuse_request(self) -> None:
        """websockets refused the request itself (a header line over 8 KiB: 431, a request
        line too long: 414, not HTTP at all): its answer is written here, as uvicorn does not."""
        if self.close_sent or self.disconnected:
            return
        self.handshake_complete = True
        self.close_sent = True
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.transport.close()

    def _handshake_timed_out(self) -> None:
        self._handshake_timer = None
        edge = edge_of(self.config)
        if edge is None or self.handshake_complete or self.disconnected:
            return
        edge.incident(
            f"dropped: WebSocket handshake not answered within {edge.handshake_timeout_s:g} s",
            self.client[0] if self.client else None,
            self.loop.time(),
        )
        # The app is stuck before accepting (its accept will find the connection gone).
        self.abort()

    def start_keepalive(self) -> None:
        # Called as the 101 goes out: the handshake is answered. Under our server the pings
        # come from its one schedule (uvicorn's own per-connection keepalive is off there).
        self._stop_handshake_timer()
        super().start_keepalive()
        keepalive = keepalive_of(self.config)
        if keepalive is not None:
            keepalive.join(self)

    def ping_unanswered(self) -> bool:
        """The last keepalive ping written has not been answered (``backend.keepalive``)."""
        return self.pending_ping_payload is not None

    def ping(self, frame: bytes, payload: bytes) -> None:
        """Write the schedule's ping frame while the socket is open past its handshake and no
        close frame is out; only a pong echoing ``payload`` answers it from now on."""
        if (
            self.handshake_complete
            and not self.close_sent
            and not self.disconnected
            and not self.transport.is_closing()
        ):
            self.transport.write(frame)
            self.pending_ping_payload = payload

    def _stop_handshake_timer(self) -> None:
        if self._handshake_timer is not None:
            self._handshake_timer.cancel()
            self._handshake_timer = None

    def handle_connect(self, event: Request) -> None:
        if self._answer_directly(event):
            event.headers.clear()  # as below: the handshake's parser frame still holds it
            return
        super().handle_connect(event)
        if self.response.status_code == SWITCHING_PROTOCOLS:
            self.scope.setdefault("extensions", {})[EXTENSION] = {"socket": self.socket}
        # The request is in the scope now; the parsed copy is only dead weight per connection.
        # Its headers are emptied in place too, since the handshake parser's frame still holds
        # the request for as long as the connection lasts (~2.5 KiB per counter).
        event.headers.clear()
        del self.request

    def _answer_directly(self, event: Request) -> bool:
        """Open the stream without the app when the server's direct stream says it may.

        The 101 is written as uvicorn writes the app's accept (its log line, the server's
        default headers); False, with nothing done, leaves the request to the app.
        """
        direct = direct_stream_of(self.config)
        if direct is None or self.root_path:  # under a root path the app's routes differ
            return False
        try:
            opening = direct.opening(self.app, self.client, event)
        except Exception:  # a fault of the shortcut must not cost the counter its stream
            log.exception("direct stream: deciding failed; the upgrade is left to the app")
            return False
        if opening is None or self.transport.is_closing():
            return False
        response = self.conn.accept(event)
        if response.status_code != SWITCHING_PROTOCOLS:
            return False  # the app's path answers the refusal, as ever
        self.handshake_initiated = True
        # uvicorn's line, from the scope the app would have had (client:port, path?query).
        path, _, query = event.path.partition("?")
        client = opening.client
        self.logger.info(
            '%s - "WebSocket %s" [accepted]',
            f"{client[0]}:{client[1]:d}" if client else "",
            quote(unquote(path)) + (f"?{query}" if query else ""),
        )
        del response.headers["Date"]
        response.headers.update(
            (name.decode("latin-1").lower(), value.decode("latin-1"))
            for name, value in self.default_headers
        )
        self.handshake_complete = True
        self.conn.send_response(response)
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.start_keepalive()
        try:
            opening.open(self.socket)
        except Exception:
            # Answered but not subscribed: drop it, so the counter connects again (and its
            # connection's admission is released) rather than listening to nothing.
            log.exception("direct stream: opening the stream failed; connection dropped")
            self.abort()
        return True

    def send_receive_event_to_app(self) -> None:
        if self._discarding:
            self.frames = []
            return
        super().send_receive_event_to_app()

    def discard_messages(self) -> None:
        """Stop queueing the peer's messages for the app (and never pause reading for them)."""
        self._discarding = True
        # The handshake is over (the app accepted and read what it needed): its response and the
        # request's headers are dead weight from now on. Emptied in place, as the app's view of
        # the headers shares the scope's list.
        with contextlib.suppress(AttributeError):
            del self.response
        with contextlib.suppress(AttributeError):  # no scope when the app was never called
            headers = self.scope["headers"]
            if isinstance(headers, list):
                headers.clear()
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()

    async def run_asgi(self) -> None:
        # As uvicorn's, except that a detached connection stays open when the app returns.
        try:
            result = await self.app(self.scope, self.receive, self.send)
        except ClientDisconnected:
            pass
        except BaseException:
            self.logger.exception("Exception in ASGI application\n")
            self.send_500_response()
        else:
            # A denial response (an HTTP answer instead of the upgrade) ends the handshake too.
            if not self.handshake_complete and not self.close_sent:
                self.logger.error("ASGI callable returned without completing handshake.")
                self.send_500_response()
            elif result is not None:
                self.logger.error("ASGI callable should return None, but returned '%s'.", result)
        if self.socket.detached:
            # Only the handshake reads the scope: from here on it is dead weight (the ASGI
            # dicts, the route's path parameters, the app state's copy), ~1.6 KiB per counter.
            del self.scope
            return
        if self.close_timer is None:
            self.transport.close()

    def pause_writing(self) -> None:
        super().pause_writing()
        self.socket.full()

    def resume_writing(self) -> None:
        super().resume_writing()
        self.socket.room()

    def send_close(self, code: int) -> None:
        """Start the closing handshake; abort if the peer has not answered in time."""
        if self.close_sent or self.disconnected:
            return
        self.socket.full()  # no data frame may follow the close frame, whoever holds the socket
        try:
            self.conn.send_close(code)
        except InvalidState:  # the peer is closing already
            self.abort()
            return
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        self.close_timer = self.loop.call_later(CLOSE_TIMEOUT_S, self.transport.abort)

    def handle_pong(self, event: Any) -> None:
        # Only a pong echoing the ping in flight answers it: not an unsolicited or stale one.
        answered = self.pending_ping_payload is not None and (
            event.data == self.pending_ping_payload
        )
        super().handle_pong(event)
        if answered:
            self.last_pong = self.loop.time()

    def keepalive_timeout(self) -> None:
        # uvicorn closes politely, which waits for a send buffer that a stalled peer never
        # drains; the peer did not answer a ping, so let go of it at once.
        super().keepalive_timeout()
        if not self.disconnected:
            log.info("counter %s did not answer a keepalive ping: connection aborted", self.client)
            self.transport.abort()

    def abort(self) -> None:
        """Drop the connection at once; ``connection_lost`` follows."""
        self.close_sent = True
        if not self.disconnected:
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_handshake_timer()
        keepalive = keepalive_of(self.config)
        if keepalive is not None:
            keepalive.leave(self)
        super().connection_lost(exc)
        edge = edge_of(self.config)
        if edge is not None:  # admitted by the HTTP protocol it was upgraded from
            edge.release(self.client[0] if self.client else None, upgraded=True)
        # The socket lets go of this protocol: without that cycle a closed connection is freed
        # at once (the server's collection policy has frozen its objects, and would keep a
        # cycle of them until its next reclaim).
        self.socket.connection_lost()
