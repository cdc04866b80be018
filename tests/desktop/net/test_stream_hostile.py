"""The event stream against a fake server: hostile frames, close codes, reconnect and stop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from http import HTTPStatus

import pytest
from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from desktop.core.cursor import CursorStore
from desktop.net import EventStream, LinkState
from orderbell_protocol import Event, encode_event
from tests.desktop.net.helpers import (
    CountingBackoff,
    Recorder,
    fake_server,
    make_stream,
    running,
    wire_event,
)

NO_RETRY_WINDOW_S = 0.5


@contextlib.asynccontextmanager
async def silent_server() -> AsyncIterator[str]:
    """A TCP server that accepts connections and never says a word; yields a ws:// URL."""
    writers: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    try:
        yield f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/ws/counter"
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


def garbage_frames() -> list[str | bytes]:
    """Frames a broken or hostile server might send, none of them a usable event."""
    unknown_type = json.loads(encode_event(wire_event(1)))
    unknown_type["type"] = 9
    return [
        "not json at all",
        "[1, 2, 3]",
        json.dumps(unknown_type),
        json.dumps({"type": 1, "id": 2}),
        json.dumps({**json.loads(encode_event(wire_event(3))), "id": True}),
        "[" * 100_000,
        b"\x00\x01binary",
    ]


class Connections:
    """Records each handshake the fake server sees."""

    def __init__(self) -> None:
        self.requests: list[Request] = []

    def note(self, connection: ServerConnection) -> None:
        assert connection.request is not None
        self.requests.append(connection.request)

    def sinces(self) -> list[str | None]:
        return [
            dict(pair.split("=", 1) for pair in r.path.partition("?")[2].split("&") if pair).get(
                "since"
            )
            for r in self.requests
        ]


async def test_garbage_frames_are_skipped_and_the_stream_stays_up(
    cursor: CursorStore, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    """Malformed, unknown-type and binary frames are logged and skipped; a valid event follows."""
    caplog.set_level(logging.INFO, logger="desktop.net.stream")
    valid = wire_event(10)

    async def hostile(ws: ServerConnection) -> None:
        for frame in garbage_frames():
            await ws.send(frame)
        await ws.send(encode_event(valid))
        await ws.wait_closed()

    async with fake_server(hostile) as (_, url):
        stream = make_stream(url, "token", cursor, recorder)
        async with running(stream):
            await recorder.until_events(1)
            assert stream.state is LinkState.CONNECTED
    assert recorder.events == [valid]
    assert recorder.states[:2] == [LinkState.CONNECTING, LinkState.CONNECTED]
    assert LinkState.DISCONNECTED not in recorder.states[:-1]  # only the final stop()
    assert cursor.load() == 10
    messages = [record.getMessage() for record in caplog.records]
    assert sum("skipping a malformed frame" in message for message in messages) == 5
    assert sum("does not know" in message for message in messages) == 1
    assert sum("binary frame" in message for message in messages) == 1


async def test_an_event_with_a_huge_remark_is_delivered(
    cursor: CursorStore, recorder: Recorder
) -> None:
    """A 600,000-character remark (a 1.8 MB frame) arrives; the link is not dropped for it."""
    huge = wire_event(10)
    huge = replace(huge, order=replace(huge.order, remark="备" * 600_000))
    after = wire_event(11)

    async def server(ws: ServerConnection) -> None:
        await ws.send(encode_event(huge))
        await ws.send(encode_event(after))
        await ws.wait_closed()

    async with fake_server(server, max_size=None) as (_, url):
        stream = make_stream(url, "token", cursor, recorder)
        async with running(stream):
            await recorder.until_events(2)
    assert recorder.events == [huge, after]
    assert LinkState.DISCONNECTED not in recorder.states[:-1]  # only the final stop()


async def test_authorization_header_and_since_are_sent(
    cursor: CursorStore, recorder: Recorder
) -> None:
    """The handshake carries the Bearer token, and since= the saved cursor."""
    cursor.save(41)
    seen = Connections()

    async def note(ws: ServerConnection) -> None:
        seen.note(ws)
        await ws.wait_closed()

    async with (
        fake_server(note) as (_, url),
        running(make_stream(url, "s3cret", cursor, recorder)),
    ):
        await recorder.until_state(LinkState.CONNECTED)
    [request] = seen.requests
    assert request.headers["Authorization"] == "Bearer s3cret"
    assert seen.sinces() == ["41"]


async def test_duplicate_ids_reach_on_event_once(cursor: CursorStore, recorder: Recorder) -> None:
    """Ids seen before on this connection are not handed on again."""
    cursor.save(5)

    async def repeats(ws: ServerConnection) -> None:
        for event_id in (6, 6, 7, 6, 8, 7):
            await ws.send(encode_event(wire_event(event_id)))
        await ws.wait_closed()

    async with (
        fake_server(repeats) as (_, url),
        running(make_stream(url, "token", cursor, recorder)),
    ):
        await recorder.until_events(3)
    assert [event.id for event in recorder.events] == [6, 7, 8]
    assert cursor.load() == 8


async def test_a_failing_handler_does_not_wedge_the_stream(
    cursor: CursorStore, caplog: pytest.LogCaptureFixture
) -> None:
    """An exception in on_event is logged, the event counts as handled and the next one comes."""
    handled: list[int] = []
    done = asyncio.Event()

    def on_event(event: Event) -> None:
        handled.append(event.id)
        if event.id == 1:
            raise RuntimeError("bug in the alert board")
        done.set()

    async def two(ws: ServerConnection) -> None:
        await ws.send(encode_event(wire_event(1)))
        await ws.send(encode_event(wire_event(2)))
        await ws.wait_closed()

    async with fake_server(two) as (_, url):
        stream = EventStream(url, "token", cursor, on_event, lambda state: None)
        async with running(stream):
            await asyncio.wait_for(done.wait(), 5)
            assert stream.state is LinkState.CONNECTED
    assert handled == [1, 2]
    assert cursor.load() == 2
    failures = [r.exc_info[1] for r in caplog.records if r.exc_info and r.exc_info[1]]
    assert [str(exc) for exc in failures] == ["bug in the alert board"]


async def test_close_4401_parks_in_token_rejected(cursor: CursorStore, recorder: Recorder) -> None:
    """A server closing with 4401 (token revoked) stops the retries until reconnect()."""
    seen = Connections()
    backoff = CountingBackoff()

    async def revoke(ws: ServerConnection) -> None:
        seen.note(ws)
        await ws.close(4401, "token revoked")

    async with fake_server(revoke) as (_, url):
        stream = make_stream(url, "token", cursor, recorder, backoff=backoff)
        async with running(stream):
            await recorder.until_state(LinkState.TOKEN_REJECTED)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(backoff.asked.wait(), NO_RETRY_WINDOW_S)
            assert len(seen.requests) == 1
            stream.reconnect()
            await recorder.until_state(LinkState.TOKEN_REJECTED, occurrences=2)
            assert len(seen.requests) == 2


@pytest.mark.parametrize("code", [4408, 1001, 1011])
async def test_other_closes_reconnect_with_the_cursor(
    cursor: CursorStore, recorder: Recorder, code: int
) -> None:
    """After close 4408, 1001 or a server error the stream reconnects with since=<last id>."""
    seen = Connections()

    async def drop_first(ws: ServerConnection) -> None:
        seen.note(ws)
        if len(seen.requests) == 1:
            await ws.send(encode_event(wire_event(7)))
            await ws.close(code)
        else:
            await ws.send(encode_event(wire_event(8)))
            await ws.wait_closed()

    async with fake_server(drop_first) as (_, url):
        stream = make_stream(url, "token", cursor, recorder)
        async with running(stream):
            await recorder.until_events(2)
    assert [event.id for event in recorder.events] == [7, 8]
    assert seen.sinces() == [None, "7"]
    assert recorder.states[:4] == [
        LinkState.CONNECTING,
        LinkState.CONNECTED,
        LinkState.DISCONNECTED,
        LinkState.CONNECTED,
    ]


async def test_handshake_error_status_is_retried(cursor: CursorStore, recorder: Recorder) -> None:
    """An HTTP 503 on the handshake is a passing trouble: DISCONNECTED, then retried."""
    attempts = 0

    def unavailable_once(ws: ServerConnection, request: Request) -> Response | None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            return ws.respond(HTTPStatus.SERVICE_UNAVAILABLE, "restarting\n")
        return None

    async def hold(ws: ServerConnection) -> None:
        await ws.wait_closed()

    async with fake_server(hold, process_request=unavailable_once) as (_, url):
        stream = make_stream(url, "token", cursor, recorder)
        async with running(stream):
            await recorder.until_state(LinkState.CONNECTED)
    assert recorder.states[:3] == [
        LinkState.CONNECTING,
        LinkState.DISCONNECTED,
        LinkState.CONNECTED,
    ]
    assert attempts == 2


async def test_reconnect_drops_a_live_connection_and_connects_again(
    cursor: CursorStore, recorder: Recorder
) -> None:
    """reconnect() while connected closes the socket and opens a new one at once."""
    seen = Connections()

    async def hold(ws: ServerConnection) -> None:
        seen.note(ws)
        await ws.wait_closed()

    async with fake_server(hold) as (_, url):
        stream = make_stream(url, "token", cursor, recorder, backoff=CountingBackoff(60.0))
        async with running(stream):
            await recorder.until_state(LinkState.CONNECTED)
            stream.reconnect()
            await recorder.until_state(LinkState.CONNECTED, occurrences=2)
    assert len(seen.requests) == 2
    assert recorder.states[:4] == [
        LinkState.CONNECTING,
        LinkState.CONNECTED,
        LinkState.CONNECTING,
        LinkState.CONNECTED,
    ]


async def test_unusable_address_is_misconfigured_until_updated(
    cursor: CursorStore, recorder: Recorder
) -> None:
    """An address that is not ws:// or wss:// parks in MISCONFIGURED; update() fixes it."""

    async def hold(ws: ServerConnection) -> None:
        await ws.wait_closed()

    backoff = CountingBackoff()
    stream = make_stream("http://127.0.0.1:1/ws/counter", "token", cursor, recorder, backoff)
    async with fake_server(hold) as (_, url), running(stream):
        await recorder.until_state(LinkState.MISCONFIGURED)
        assert stream.last_error is not None
        assert backoff.requests == 0
        stream.update(url, "token")
        await recorder.until_state(LinkState.CONNECTED)


async def test_silent_server_times_out_the_handshake(
    cursor: CursorStore, recorder: Recorder
) -> None:
    """A server that accepts TCP but never answers the handshake counts as DISCONNECTED."""
    async with silent_server() as url:
        stream = make_stream(url, "token", cursor, recorder, connect_timeout_s=0.2)
        async with running(stream):
            await recorder.until_state(LinkState.DISCONNECTED)
    assert stream.last_error is not None
    assert "did not answer" in stream.last_error


async def test_stop_interrupts_a_hanging_handshake(cursor: CursorStore, recorder: Recorder) -> None:
    """stop() during a handshake that would take 30 s ends run() at once."""
    async with silent_server() as url:
        stream = make_stream(url, "token", cursor, recorder, connect_timeout_s=30.0)
        task = asyncio.create_task(stream.run())
        await recorder.until_state(LinkState.CONNECTING)
        stream.stop()
        await asyncio.wait_for(task, 2.0)
    assert recorder.states == [LinkState.CONNECTING, LinkState.DISCONNECTED]


async def test_malformed_token_is_rejected_without_connecting(
    cursor: CursorStore, recorder: Recorder
) -> None:
    """A token with a line break never reaches the wire: TOKEN_REJECTED at once."""
    seen = Connections()

    async def note(ws: ServerConnection) -> None:
        seen.note(ws)

    async with fake_server(note) as (_, url):
        stream = make_stream(url, "half\ntoken", cursor, recorder)
        async with running(stream):
            await recorder.until_state(LinkState.TOKEN_REJECTED)
    assert seen.requests == []


async def test_ids_below_since_mean_the_server_log_restarted(
    cursor: CursorStore, recorder: Recorder
) -> None:
    """A server answering since=500 with id 3 was reset: the event is announced, the cursor too."""
    cursor.save(500)

    async def reset_server(ws: ServerConnection) -> None:
        for event_id in (3, 4, 4):
            await ws.send(encode_event(wire_event(event_id)))
        await ws.wait_closed()

    async with (
        fake_server(reset_server) as (_, url),
        running(make_stream(url, "token", cursor, recorder)),
    ):
        await recorder.until_events(2)
    assert [event.id for event in recorder.events] == [3, 4]
    assert cursor.load() == 4
