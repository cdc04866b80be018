"""The HTTP edge: slow or silent clients time out, huge heads are refused, connections capped
(counters' streams to their share, so plain HTTP always has room)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest
from sqlalchemy import func, select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from backend.httpedge import MAX_HEAD_BYTES, MAX_URL_BYTES
from backend.store import OrderRow
from tests.backend.rawhttp import (
    Raw,
    connect_raw,
    error_code_of,
    get,
    header_of,
    loopback_source,
    raw,
    status_of,
)
from tests.conftest import LiveServer

TIMEOUT_S = 0.5
PER_CLIENT = 3
TOTAL = 12
# The counters' share of a small total: COUNTER_SHARE streams, RESERVED more for plain HTTP.
COUNTER_SHARE = 4
RESERVED = 2
# The cap tests hold connections open between requests: far longer than those tests last, so
# that no place is freed by a timeout however slowly the machine runs them.
HOLD_S = 120.0


@pytest.fixture
def live_overrides() -> dict[str, str]:
    """Timeouts short enough to watch them fire."""
    return {
        "ORDERBELL_HTTP_HEADER_TIMEOUT_S": str(TIMEOUT_S),
        "ORDERBELL_HTTP_BODY_TIMEOUT_S": str(TIMEOUT_S),
        "ORDERBELL_HTTP_IDLE_TIMEOUT_S": str(TIMEOUT_S),
    }


# Small caps, and connections that stay open as long as the test holds them.
caps = pytest.mark.parametrize(
    "live_overrides",
    [
        {
            "ORDERBELL_HTTP_HEADER_TIMEOUT_S": str(HOLD_S),
            "ORDERBELL_HTTP_BODY_TIMEOUT_S": str(HOLD_S),
            "ORDERBELL_HTTP_IDLE_TIMEOUT_S": str(HOLD_S),
            "ORDERBELL_MAX_CONNECTIONS_PER_CLIENT": str(PER_CLIENT),
            "ORDERBELL_MAX_CONNECTIONS": str(TOTAL),
        }
    ],
    ids=["caps"],
)

# Counters may hold COUNTER_SHARE streams; plain HTTP the whole total.
reserve = pytest.mark.parametrize(
    "live_overrides",
    [
        {
            "ORDERBELL_HTTP_HEADER_TIMEOUT_S": str(HOLD_S),
            "ORDERBELL_HTTP_BODY_TIMEOUT_S": str(HOLD_S),
            "ORDERBELL_HTTP_IDLE_TIMEOUT_S": str(HOLD_S),
            "ORDERBELL_MAX_CONNECTIONS": str(COUNTER_SHARE + RESERVED),
            "ORDERBELL_HTTP_RESERVED_CONNECTIONS": str(RESERVED),
        }
    ],
    ids=["reserve"],
)


def port_of(live: LiveServer) -> int:
    return int(live.base_url.rsplit(":", 1)[1])


async def order_count(live: LiveServer) -> int:
    count = select(func.count()).select_from(OrderRow)
    return await live.db.read(lambda connection: connection.execute(count).scalar_one())


async def admitted(port: int, source: str) -> Raw | None:
    """A connection from ``source`` that the server took (it answers a request), or None."""
    client = await connect_raw(port, source)
    client.send(get("/healthz"))
    if status_of(await client.response()) == 200:
        return client
    client.close()
    return None


async def hold(port: int, source: str, count: int) -> list[Raw]:
    """``count`` connections from ``source``, each admitted (asked a question and answered)."""
    held = []
    for _ in range(count):
        client = await admitted(port, source)
        assert client is not None
        held.append(client)
    return held


# --- timeouts ---------------------------------------------------------------------------------


async def test_a_request_head_that_stops_halfway_gets_408_and_is_closed(live: LiveServer) -> None:
    """A client that sends half a request head hears 408 and is let go."""
    async with raw(port_of(live)) as client:
        client.send(b"GET /healthz HTTP/1.1\r\nHost: orderbe")
        answer = await client.until_closed()
    assert status_of(answer) == 408
    assert error_code_of(answer) == "REQUEST_TIMEOUT"


async def test_a_connection_that_sends_nothing_is_closed(live: LiveServer) -> None:
    """A connection that never sends a byte is closed quietly after the header timeout."""
    async with raw(port_of(live)) as client:
        assert await client.until_closed() == b""


async def test_a_body_that_stops_halfway_gets_408_and_changes_nothing(live: LiveServer) -> None:
    """An order whose body never completes: 408, the connection closed, no order stored."""
    head = (
        "POST /user/order/submit HTTP/1.1\r\nHost: orderbell.test\r\n"
        "Content-Type: application/json\r\nContent-Length: 500\r\n"
        f"authentication: {live.customer()['authentication']}\r\n\r\n"
    )
    async with raw(port_of(live)) as client:
        client.send(head.encode() + b'{"shopId": 1, "items": [')
        answer = await client.until_closed()
    assert status_of(answer) == 408
    assert await order_count(live) == 0


async def test_an_idle_keep_alive_connection_is_closed(live: LiveServer) -> None:
    """After its answer, a keep-alive connection that asks nothing more is closed."""
    async with raw(port_of(live)) as client:
        client.send(get("/healthz"))
        answer = await client.until_closed()
    assert status_of(answer) == 200


async def test_blank_lines_do_not_keep_a_connection_open(live: LiveServer) -> None:
    """Bytes that begin no request (blank lines, faster than any timeout) still time out."""
    async with raw(port_of(live)) as client:
        client.send(get("/healthz"))
        assert status_of(await client.response()) == 200

        async def trickle() -> None:
            while True:
                client.send(b"\r\n")
                await asyncio.sleep(TIMEOUT_S / 5)

        trickling = asyncio.create_task(trickle())
        try:
            await client.until_closed(limit_s=10 * TIMEOUT_S)
        finally:
            trickling.cancel()


async def test_a_timed_out_request_head_is_logged(
    live: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The operator hears of a client cut off for a slow head, with its address."""
    caplog.set_level(logging.WARNING, logger="backend.edge")
    async with raw(port_of(live)) as client:
        client.send(b"GET /")
        await client.until_closed()
    (line,) = [r.getMessage() for r in caplog.records if r.name == "backend.edge"]
    assert "no complete request head" in line
    assert "127.0.0.1" in line


# --- heads too large --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        ["X-Padding: " + "a" * (MAX_HEAD_BYTES + 1)],
        ["X-Many: b"] * (MAX_HEAD_BYTES // 10 + 1),
        ["X-Endless: " + "a" * (4 * MAX_HEAD_BYTES)],
    ],
    ids=["one-long-header", "many-short-headers", "headers-never-ending"],
)
async def test_a_request_head_over_the_limit_gets_431(live: LiveServer, headers: list[str]) -> None:
    """Request headers over 16 KiB: 431, and the connection closed."""
    request = get("/healthz", *headers)
    if headers[0].startswith("X-Endless"):
        request = request[:-4]  # the head never ends: refused while it is still coming
    async with raw(port_of(live)) as client:
        client.send(request)
        answer = await client.until_closed()
    assert status_of(answer) == 431
    assert error_code_of(answer) == "HEADERS_TOO_LARGE"


async def test_a_url_over_the_limit_gets_414(live: LiveServer) -> None:
    """A URL over 8 KiB: 414."""
    async with raw(port_of(live)) as client:
        client.send(get("/healthz?" + "a" * MAX_URL_BYTES))
        answer = await client.until_closed()
    assert status_of(answer) == 414


# --- connection caps --------------------------------------------------------------------------


@caps
async def test_a_client_over_its_connection_cap_is_answered_503(live: LiveServer) -> None:
    """One address holding its share of connections: the next one hears 503, Retry-After."""
    client = loopback_source("127.0.0.2")
    held = await hold(port_of(live), client, PER_CLIENT)
    try:
        async with raw(port_of(live), client) as refused:
            answer = await refused.until_closed()
    finally:
        for connection in held:
            connection.close()
    assert status_of(answer) == 503
    assert error_code_of(answer) == "TOO_MANY_CONNECTIONS"
    assert header_of(answer, "retry-after") is not None


@caps
async def test_another_client_is_served_while_one_is_at_its_cap(live: LiveServer) -> None:
    """A client at its cap does not keep another address out."""
    port = port_of(live)
    held = await hold(port, loopback_source("127.0.0.2"), PER_CLIENT)
    try:
        other = await admitted(port, loopback_source("127.0.0.3"))
        assert other is not None
        other.close()
    finally:
        for connection in held:
            connection.close()


@caps
async def test_a_closed_connection_frees_its_place(live: LiveServer) -> None:
    """Once a client closes a connection, it may open another."""
    port = port_of(live)
    client = loopback_source("127.0.0.2")
    held = await hold(port, client, PER_CLIENT)
    held.pop().close()
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while (again := await admitted(port, client)) is None:  # the server sees the close soon
            assert loop.time() < deadline, "the closed connection's place was not freed"
        again.close()
    finally:
        for connection in held:
            connection.close()


@caps
async def test_a_trusted_proxy_is_not_held_to_the_per_client_cap(live: LiveServer) -> None:
    """127.0.0.1, trusted as a proxy by default, carries many clients: only the total caps it."""
    held = await hold(port_of(live), "127.0.0.1", PER_CLIENT + 2)
    for connection in held:
        connection.close()


@caps
async def test_the_total_cap_answers_503_to_everyone(live: LiveServer) -> None:
    """With every connection in use, a new one (a trusted proxy's too) hears 503."""
    held = await hold(port_of(live), "127.0.0.1", TOTAL)
    try:
        async with raw(port_of(live)) as refused:
            answer = await refused.until_closed()
    finally:
        for connection in held:
            connection.close()
    assert status_of(answer) == 503


@caps
async def test_many_refusals_give_one_log_line(
    live: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Twenty refused connections in a row: one warning, naming the cap and the address."""
    caplog.set_level(logging.WARNING, logger="backend.edge")
    port = port_of(live)
    client = loopback_source("127.0.0.2")
    held = await hold(port, client, PER_CLIENT)
    try:
        for _ in range(20):
            async with raw(port, client) as refused:
                assert status_of(await refused.until_closed()) == 503
    finally:
        for connection in held:
            connection.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "backend.edge"]
    assert len(lines) == 1, lines
    assert f"per-client cap of {PER_CLIENT}" in lines[0]
    assert "127.0.0.2" in lines[0]


@caps
async def test_counter_connections_count_toward_the_cap_and_free_their_place(
    live: LiveServer,
) -> None:
    """Live WebSocket streams hold a client's places; once they end, the places are free."""
    port = port_of(live)
    client = loopback_source("127.0.0.2")
    token = await live.device_token()
    headers = {"Authorization": f"Bearer {token}"}
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(PER_CLIENT):
            await stack.enter_async_context(
                connect(live.ws_url, additional_headers=headers, local_addr=(client, 0))
            )
        async with raw(port, client) as refused:
            assert status_of(await refused.until_closed()) == 503
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while (again := await admitted(port, client)) is None:  # the server sees the closes soon
        assert loop.time() < deadline, "the streams' places were not freed"
    again.close()


# --- the counters' share ------------------------------------------------------------------------


def upgrade_request(token: str) -> bytes:
    """A counter's WebSocket handshake, as raw bytes."""
    return "\r\n".join(
        [
            "GET /ws/counter HTTP/1.1",
            "Host: orderbell.test",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version: 13",
            f"Authorization: Bearer {token}",
            "",
            "",
        ]
    ).encode()


async def fill_counter_share(
    live: LiveServer, stack: contextlib.AsyncExitStack, token: str
) -> list[ClientConnection]:
    """COUNTER_SHARE live counters, held until ``stack`` closes."""
    headers = {"Authorization": f"Bearer {token}"}
    return [
        await stack.enter_async_context(connect(live.ws_url, additional_headers=headers))
        for _ in range(COUNTER_SHARE)
    ]


async def admitted_counter(
    live: LiveServer, stack: contextlib.AsyncExitStack, token: str
) -> ClientConnection | None:
    """A counter the server took (held until ``stack`` closes), or None if it answered 503."""
    headers = {"Authorization": f"Bearer {token}"}
    try:
        return await stack.enter_async_context(connect(live.ws_url, additional_headers=headers))
    except InvalidStatus as refused:
        if refused.response.status_code != 503:
            raise
        return None


@reserve
async def test_an_upgrade_past_the_counters_share_is_answered_503_and_closed(
    live: LiveServer,
) -> None:
    """Counters holding their share: the next upgrade hears 503, Retry-After and why."""
    token = await live.device_token()
    async with contextlib.AsyncExitStack() as stack:
        await fill_counter_share(live, stack, token)
        async with raw(port_of(live)) as refused:
            refused.send(upgrade_request(token))
            answer = await refused.until_closed()
    assert status_of(answer) == 503
    assert header_of(answer, "retry-after") is not None
    assert error_code_of(answer) == "TOO_MANY_COUNTERS"
    assert "counters have reached" in answer.decode()


@reserve
async def test_a_refused_upgrade_changes_no_counters_count(live: LiveServer) -> None:
    """After the refusal the server holds the same counters, and the refused one is let go."""
    token = await live.device_token()
    metrics = live.services.metrics.registry
    async with contextlib.AsyncExitStack() as stack:
        await fill_counter_share(live, stack, token)
        assert await admitted_counter(live, stack, token) is None
        assert live.hub.connection_count == COUNTER_SHARE
        assert metrics.get_sample_value("orderbell_counter_streams_open") == COUNTER_SHARE
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while metrics.get_sample_value("orderbell_connections_open") != COUNTER_SHARE:
            assert loop.time() < deadline, "the refused connection is still counted"
            await asyncio.sleep(0.02)


@reserve
async def test_plain_http_uses_the_reserve_beside_a_full_counters_share(
    live: LiveServer,
) -> None:
    """Counters at their share: RESERVED plain connections are served, the next hears 503."""
    token = await live.device_token()
    port = port_of(live)
    async with contextlib.AsyncExitStack() as stack:
        await fill_counter_share(live, stack, token)
        held = await hold(port, "127.0.0.1", RESERVED)
        try:
            async with raw(port) as refused:
                answer = await refused.until_closed()
        finally:
            for connection in held:
                connection.close()
    assert status_of(answer) == 503
    assert error_code_of(answer) == "TOO_MANY_CONNECTIONS"


@reserve
async def test_a_counter_that_leaves_makes_room_for_another(live: LiveServer) -> None:
    """One of the counters disconnects: a refused counter is admitted on its next try."""
    token = await live.device_token()
    async with contextlib.AsyncExitStack() as stack:
        counters = await fill_counter_share(live, stack, token)
        assert await admitted_counter(live, stack, token) is None
        await counters[0].close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while (newcomer := await admitted_counter(live, stack, token)) is None:
            assert loop.time() < deadline, "the departed counter's place was not freed"
        await newcomer.ping()


@reserve
async def test_refused_upgrades_are_logged_naming_the_counters_limit(
    live: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Ten refused upgrades: one warning naming the counters' limit and the reserve."""
    caplog.set_level(logging.WARNING, logger="backend.edge")
    token = await live.device_token()
    async with contextlib.AsyncExitStack() as stack:
        await fill_counter_share(live, stack, token)
        for _ in range(10):
            async with raw(port_of(live)) as refused:
                refused.send(upgrade_request(token))
                assert status_of(await refused.until_closed()) == 503
    lines = [r.getMessage() for r in caplog.records if r.name == "backend.edge"]
    assert len(lines) == 1, lines
    assert f"counters have reached their limit of {COUNTER_SHARE}" in lines[0]
    assert f"less {RESERVED} kept for plain HTTP" in lines[0]
