"""``/ws/{sid}``: the authenticated event stream, with gap-free replay through ``since=``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from backend.accesslog import logfmt
from backend.auth import bearer_token
from backend.hub import Frame, Subscriber, frames_of
from backend.routes.common import Services, error, services
from backend.store import events_after, last_event_id, replay_is_partial
from backend.store.errors import describe_failure
from backend.validation import INT64_MAX, BadInput, query_int
from backend.wsconnection import CounterSocket, counter_socket
from orderbell_protocol import CLOSE_BAD_TOKEN, CLOSE_TOO_SLOW

log = logging.getLogger(__name__)
access = logging.getLogger("backend.access")

LEGACY_SHOP = 1
REPLAY_PAGE = 500
CLOSE_NORMAL = 1000
CLOSE_TIMEOUT_S = 2.0
BACKLOG_HEADER = b"orderbell-backlog"


ANONYMOUS = "(no token)"


async def _shop_for(websocket: WebSocket, svc: Services) -> tuple[int, int | None, str] | None:
    """(shop, device token id, device name) of the caller, or None when it may not listen."""
    token = bearer_token(websocket.headers) or websocket.query_params.get("token")
    if token:
        device = await svc.devices.authenticate(token, svc.now())
        return (device.shop_id, device.id, device.name) if device else None
    return (LEGACY_SHOP, None, ANONYMOUS) if svc.settings.ws_allow_anonymous else None


def log_opened(shop_id: int, device: str) -> None:
    access.info("%s", logfmt(ws="open", route="/ws/{sid}", shop=shop_id, device=device))


def _ended(svc: Services, subscriber: Subscriber, device: str) -> None:
    """Count and log one stream's end (the counter's own doing when no code was set)."""
    code = subscriber.close_code
    svc.metrics.stream_closed(code)
    access.info(
        "%s",
        logfmt(
            ws="close",
            route="/ws/{sid}",
            shop=subscriber.shop_id,
            device=device,
            code=code if code is not None else "peer",
        ),
    )


async def stream(websocket: WebSocket) -> None:
    """Authenticate, subscribe before the handshake completes, replay, then go live."""
    svc = services(websocket)
    try:
        caller = await _shop_for(websocket, svc)
        if caller is None:
            access.info("%s", logfmt(ws="refused", route="/ws/{sid}", code=CLOSE_BAD_TOKEN))
            # Before accept this becomes an HTTP 403 on the handshake: whatever else the
            # request holds, a caller without a valid token learns nothing more.
            await websocket.close(code=CLOSE_BAD_TOKEN)
            return
        since = query_int(websocket.query_params, "since", low=0, high=INT64_MAX)
        shop_id, device_id, device = caller
        headers = await _backlog_headers(svc, shop_id, since)
    except BadInput as exc:
        await _deny(websocket, 400, "BAD_REQUEST", str(exc))
        return
    except Exception as exc:
        failure = describe_failure(exc)
        if failure is None:
            raise
        # Never a 403: the counter would take its token for revoked. It retries a 503.
        log.warning("WebSocket handshake failed: database unavailable (%s)", failure)
        await _deny(websocket, 503, "UNAVAILABLE", "the database is unavailable; retry shortly")
        return
    socket = counter_socket(websocket)
    subscriber = svc.hub.add(shop_id, device_id=device_id)
    if socket is None:
        await _stream_asgi(websocket, svc, subscriber, since, headers, device)
    else:
        await _stream_detached(websocket, socket, svc, subscriber, since, headers, device)


async def _deny(websocket: WebSocket, status: int, code: str, message: str) -> None:
    """Refuse the handshake with an HTTP answer, as the protocol says for this case."""
    await websocket.send_denial_response(error(status, code, message))


async def _stream_detached(
    websocket: WebSocket,
    socket: CounterSocket,
    svc: Services,
    subscriber: Subscriber,
    since: int | None,
    headers: list[tuple[bytes, bytes]],
    device: str,
) -> None:
    """Send the backlog, then leave the connection to the hub and its socket, and return.

    An idle counter then costs its socket and its mailbox, and no task: the socket writes what
    the hub offers, calls the mailbox back when it drains, and unregisters it when it ends.
    """
    hub = svc.hub
    detached = False
    try:
        await websocket.accept(headers=headers)
        log_opened(subscriber.shop_id, device)
        socket.listen_only(lambda: let_go(svc, subscriber, device))
        if since is not None:
            await _replay(socket, svc, subscriber, since)
        if subscriber.close_code is None and not socket.lost:
            socket.detach(subscriber.flush, subscriber.blocked)
            subscriber.hand_over(socket, svc.settings.ws_send_timeout_s)
            hub.went_live(subscriber, svc.clock())
            detached = True
    except (WebSocketDisconnect, OSError):
        pass
    except TimeoutError:
        _too_slow(subscriber)
    finally:
        if not detached:
            hub.remove(subscriber)
            # Once listen_only was called, the socket's end calls let_go, which logs it.
            await _close(websocket, socket, subscriber.close_code or CLOSE_NORMAL)


async def _stream_asgi(
    websocket: WebSocket,
    svc: Services,
    subscriber: Subscriber,
    since: int | None,
    headers: list[tuple[bytes, bytes]],
    device: str,
) -> None:
    """Plain ASGI: a writer for the connection's whole life, and a reader to notice its end."""
    reader = None
    outlet = AsgiOutlet(websocket)
    opened = False
    try:
        await websocket.accept(headers=headers)
        log_opened(subscriber.shop_id, device)
        opened = True
        reader = asyncio.create_task(_watch_peer(websocket, subscriber))
        if since is not None:
            await _replay(outlet, svc, subscriber, since)
        svc.hub.went_live(subscriber, svc.clock())
        await _write_live(outlet, svc, subscriber)
    except (WebSocketDisconnect, OSError):
        pass
    except TimeoutError:
        _too_slow(subscriber)
    finally:
        if reader is not None:
            reader.cancel()
        svc.hub.remove(subscriber)
        await _close(websocket, None, subscriber.close_code or CLOSE_NORMAL)
        if opened:
            _ended(svc, subscriber, device)


def let_go(svc: Services, subscriber: Subscriber, device: str) -> None:
    """The connection ended: out of the hub, counted and logged."""
    svc.hub.remove(subscriber)
    _ended(svc, subscriber, device)
    subscriber.close(CLOSE_NORMAL)


def _too_slow(subscriber: Subscriber) -> None:
    log.warning(
        "counter of shop %s stopped reading: dropped (close %s)", subscriber.shop_id, CLOSE_TOO_SLOW
    )
    subscriber.close(CLOSE_TOO_SLOW)


class Outlet(Protocol):
    """Where the route writes frames, waiting for room: a :class:`CounterSocket` or plain ASGI."""

    async def send(self, frame: Frame) -> None:
        """Write one frame, waiting while the connection is backed up."""
        ...


class AsgiOutlet:
    """Plain ASGI sends, for servers without the ``orderbell.socket`` extension."""

    __slots__ = ("_websocket",)

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket

    async def send(self, frame: Frame) -> None:
        """Send the frame's text as one message."""
        await self._websocket.send_text(frame.text)


async def _backlog_headers(
    svc: Services, shop_id: int, since: int | None
) -> list[tuple[bytes, bytes]]:
    """``OrderBell-Backlog: partial`` when events after ``since`` were already pruned."""
    recent = svc.dispatcher.recent
    if since is None or (recent is not None and recent.covers(since)):
        return []  # nothing asked, or everything after the cursor is in memory
    if not await replay_is_partial(svc.db, since):
        return []
    # The counter gets what is left, and reloads its waiting orders on connect anyway.
    log.warning(
        "shop %s: events after since=%s were already pruned from the log; replaying what is left",
        shop_id,
        since,
    )
    return [(BACKLOG_HEADER, b"partial")]


async def _replay(outlet: Outlet, svc: Services, subscriber: Subscriber, since: int) -> None:
    """Send the shop's events after ``since``; live ones already queued are skipped by id."""
    # The dispatcher's position is the log's end as far as anyone was told; only a cursor ahead
    # of it is worth a query (a reconnect storm must not cost one per counter).
    newest = svc.dispatcher.last_id
    if since > newest:
        newest = await last_event_id(svc.db)
    if since > newest:
        # A cursor from another database (say, the server's was reset): send everything new.
        log.warning(
            "shop %s: since=%s is ahead of the event log (%s)", subscriber.shop_id, since, newest
        )
        return
    subscriber.floor = since
    recent = svc.dispatcher.recent
    if recent is not None and recent.covers(since):
        # Everything after the cursor up to ``newest`` was published lately and is in memory;
        # what comes later is live (the connection subscribed before ``newest`` was read).
        # A reconnect storm after a restart mostly ends here, without a query per counter.
        events = recent.after(subscriber.shop_id, since)
        await _send(outlet, frames_of(events), svc.settings.ws_send_timeout_s)
        if events:
            subscriber.floor = events[-1].id
        return
    # Until a page comes back empty: a page may be short of rows the log could not read.
    while events := await events_after(svc.db, subscriber.shop_id, subscriber.floor, REPLAY_PAGE):
        await _send(outlet, frames_of(events), svc.settings.ws_send_timeout_s)
        subscriber.floor = events[-1].id


async def _write_live(outlet: Outlet, svc: Services, subscriber: Subscriber) -> None:
    """Write what the hub queued (while the socket was backed up or the backlog was going out)."""
    while True:
        frames = await subscriber.next_frames()
        if not frames:
            return
        await _send(outlet, frames, svc.settings.ws_send_timeout_s)


async def _send(outlet: Outlet, frames: list[Frame], timeout_s: float) -> None:
    """Send frames in order; any one taking over ``timeout_s`` raises TimeoutError.

    One timeout context per batch, moved along per frame: ``wait_for`` would start a task for
    every frame, which costs more than the send itself on a busy fan-out.
    """
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(None) as deadline:
        for frame in frames:
            deadline.reschedule(loop.time() + timeout_s)
            await outlet.send(frame)


async def _watch_peer(websocket: WebSocket, subscriber: Subscriber) -> None:
    """Read (and ignore) what the client sends, to notice when it goes away."""
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
    except Exception:  # noqa: S110 - any failure here means the peer is gone
        pass
    subscriber.close(CLOSE_NORMAL)


async def _close(websocket: WebSocket, socket: CounterSocket | None, code: int) -> None:
    if socket is not None and not socket.ready():
        # Backed up or already gone: a close frame would wait behind unread data. Let go.
        socket.abort()
        return
    if (
        websocket.application_state is WebSocketState.CONNECTED
        and websocket.client_state is WebSocketState.CONNECTED
    ):
        # A peer that stopped reading cannot take a close frame either: do not wait forever.
        with contextlib.suppress(RuntimeError, OSError, TimeoutError):
            await asyncio.wait_for(websocket.close(code=code), CLOSE_TIMEOUT_S)
