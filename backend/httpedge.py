"""uvicorn's httptools protocol with the edge policy: caps, timeouts, a bounded request head.

uvicorn alone waits forever for a request head that never completes, for a body that trickles,
and buffers a head of any size; a keep-alive connection is timed only between two requests.
Here each connection is first admitted (or answered 503 and closed at once, so a flood costs
no file descriptors), then has one timer at a time, only while the client owes the server
something: the head (from connecting, or from the next request's first byte), then the body.
The app's own work is not timed. A connection upgraded to a WebSocket leaves with no timer of
this protocol's; the WebSocket protocol takes over its admission, if the counters' share of the
connections has room for it (else the upgrade is answered 503 and closed).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from backend.edge import Edge, edge_of

# websockets refuses a handshake header line over 8 KiB itself; a whole HTTP head may hold two.
MAX_URL_BYTES = 8 * 1024
MAX_HEAD_BYTES = 16 * 1024
RETRY_AFTER_S = 5

# What the client is sending (the parser's side; the app's work is not a phase).
_BETWEEN = 0  # nothing of a request yet: a new connection, or between keep-alive requests
_HEAD = 1
_BODY = 2
_DONE = 3  # answered and closing, or handed over to the WebSocket protocol: nothing more is read


class EdgeHttpProtocol(HttpToolsProtocol):
    """One HTTP/1.1 connection, held to the server's :class:`~backend.edge.Edge` policy."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        edge = edge_of(config)
        if edge is None:
            raise TypeError("EdgeHttpProtocol needs the config built by backend.server")
        self.edge: Edge = edge
        # uvicorn declares it an int; any number of seconds works.
        self.timeout_keep_alive = edge.idle_timeout_s  # type: ignore[assignment]
        self._phase = _BETWEEN
        self._timer: asyncio.TimerHandle | None = None
        self._admitted = False
        self._url_bytes = 0
        self._head_bytes = 0  # of the head's complete parts (URL, headers)
        self._head_read = 0  # bytes read while the head stayed incomplete

    @property
    def _host(self) -> str | None:
        return self.client[0] if self.client else None

    # --- connection -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if not self.edge.admit(self._host, self.loop.time()):
            self._answer(
                503,
                "TOO_MANY_CONNECTIONS",
                "the server has too many connections open; try again shortly",
                retry_after=True,
            )
            return
        self._admitted = True
        self._arm(self.edge.header_timeout_s, self._head_timed_out)

    def connection_lost(self, exc: Exception | None) -> None:
        self._phase = _DONE
        self._disarm()
        if self._admitted:
            self._admitted = False
            self.edge.release(self._host)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._phase == _DONE:
            return  # answered and closing: the rest of the request is not wanted
        # Read between requests or within a head, all of it belongs to the head if that is
        # still incomplete; read after a body, part of it may be the body's (not counted).
        head_only = self._phase in (_BETWEEN, _HEAD)
        super().data_received(data)
        if self._phase == _HEAD:
            if head_only:
                self._head_read += len(data)
                if self._head_read > MAX_HEAD_BYTES:
                    self._refuse_head(431)
        elif self._phase == _BETWEEN and self._timer is None and self._nothing_in_flight():
            # Bytes that begin no request (blank lines between requests) still owe one.
            self._arm(self.edge.header_timeout_s, self._head_timed_out)

    def handle_websocket_upgrade(self) -> None:
        if self._phase == _DONE:
            return  # the upgrade's head was refused
        if not self.edge.upgrade(self._host, self.loop.time()):
            # Still a plain HTTP connection: the answer closes it and releases its admission.
            self._answer(
                503,
                "TOO_MANY_COUNTERS",
                "counters have reached this server's limit; try again shortly",
                retry_after=True,
            )
            return
        self._phase = _DONE
        self._disarm()
        # The WebSocket protocol owns the connection now and releases its admission at the end.
        self._admitted = False
        super().handle_websocket_upgrade()

    def send_400_response(self, msg: str) -> None:
        self._phase = _DONE
        self._disarm()
        super().send_400_response(msg)

    def timeout_keep_alive_handler(self) -> None:
        if not self.transport.is_closing():
            self._close()

    # --- parser callbacks ----------------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self._phase == _DONE:
            return
        self._phase = _HEAD
        self._url_bytes = self._head_bytes = self._head_read = 0
        if self._timer is None:  # the first request's head is timed from connecting
            self._arm(self.edge.header_timeout_s, self._head_timed_out)
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        if self._phase == _DONE:
            return
        self._url_bytes += len(url)
        self._head_bytes += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._phase == _DONE:
            return
        self._head_bytes += len(name) + len(value) + 4  # ': ' and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self._phase == _DONE:
            return
        self._disarm()
        if self._url_bytes > MAX_URL_BYTES:
            self._refuse_head(414)
            return
        if self._head_bytes > MAX_HEAD_BYTES:
            self._refuse_head(431)
            return
        self._phase = _BODY
        if not (self.parser.should_upgrade() and self._should_upgrade()):
            self._arm(self.edge.body_timeout_s, self._body_timed_out)
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if self._phase == _DONE:
            return
        super().on_body(body)

    def on_message_complete(self) -> None:
        if self._phase == _DONE:
            return
        self._disarm()
        self._phase = _BETWEEN
        super().on_message_complete()

    # --- timeouts ------------------------------------------------------------------------------

    def _arm(self, delay_s: float, callback: Any) -> None:
        self._disarm()
        self._timer = self.loop.call_later(delay_s, callback)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _head_timed_out(self) -> None:
        self._timer = None
        if self._phase == _DONE:
            return
        self.edge.incident(
            f"closed: no complete request head within {self.edge.header_timeout_s:g} s",
            self._host,
            self.loop.time(),
        )
        if self._phase == _HEAD and self._nothing_in_flight():
            self._answer(408, "REQUEST_TIMEOUT", "the request's headers took too long to arrive")
        else:
            self._close()  # never sent a byte (or an answer is on its way): just close

    def _body_timed_out(self) -> None:
        self._timer = None
        if self._phase == _DONE:
            return
        self.edge.incident(
            f"closed: request body not complete within {self.edge.body_timeout_s:g} s",
            self._host,
            self.loop.time(),
        )
        cycle = self.cycle
        if cycle is None or cycle.response_started or self.pipeline:
            self._close()  # an answer is under way (this one's, or one pipelined before it)
            return
        # The app sees the client gone (its receive returns a disconnect, its answer goes
        # nowhere), and the client hears why.
        cycle.disconnected = True
        cycle.message_event.set()
        self._answer(408, "REQUEST_TIMEOUT", "the request's body took too long to arrive")

    # --- answers -------------------------------------------------------------------------------

    def _nothing_in_flight(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _refuse_head(self, status: int) -> None:
        self.edge.incident(
            f"refused: request head over {MAX_HEAD_BYTES // 1024} KiB ({status})",
            self._host,
            self.loop.time(),
        )
        if status == 414:
            self._answer(414, "URI_TOO_LONG", f"the URL is over {MAX_URL_BYTES} bytes")
        else:
            self._answer(
                431,
                "HEADERS_TOO_LARGE",
                f"the request's headers are over {MAX_HEAD_BYTES} bytes",
            )

    def _answer(self, status: int, code: str, message: str, *, retry_after: bool = False) -> None:
        """Answer with an OrderBell error and close; only when no other answer is under way."""
        if self.transport.get_write_buffer_size():
            self._close()  # the client is not reading what it was sent: no use writing more
            return
        body = json.dumps({"code": code, "message": message}).encode()
        head = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        if retry_after:
            head.append(b"retry-after: %d\r\n" % RETRY_AFTER_S)
        head += [
            b"content-type: application/json\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
            body,
        ]
        self.transport.write(b"".join(head))
        self._phase = _DONE
        self._disarm()
        self.transport.close()  # once the answer is out

    def _close(self) -> None:
        self._phase = _DONE
        self._disarm()
        if self.transport.get_write_buffer_size():
            # Closing would wait for a peer that does not read; let go of it instead.
            self.transport.abort()
        else:
            self.transport.close()
