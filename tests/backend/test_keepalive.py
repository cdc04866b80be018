"""The keepalive rota: each counter pinged once per interval, spread evenly, with a passed clock."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import socket
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.asyncio.client import connect
from websockets.frames import Frame, Opcode

from backend.devkit import MerchantKit
from backend.hub import Hub
from backend.keepalive import Keepalive, PingRota, keepalive_of, round_payload, slots_for
from backend.server import bound_port, running_server
from backend.wsframes import ping_frame
from benchmarks.wsclient import OP_PING, OP_PONG, client_frame
from tests.backend.test_wsconnection import open_protocols
from tests.conftest import LiveServer, kit_settings
from tests.e2e.helpers import stalled_counter, wait_for_connections

INTERVAL_S = 10.0
SLOTS = 100


def sweep(rota: PingRota[int], start: float, visits: int) -> list[list[int]]:
    """Visit ``visits`` slots, each at the moment it is due; the members of each visit."""
    rota.due_at = start
    seen = []
    for _ in range(visits):
        seen.append(rota.visit(rota.due_at).members)
    return seen


def test_each_member_is_visited_once_per_interval_in_slices_within_one_of_each_other() -> None:
    """1,234 counters over 100 slots: one interval visits each once, 12 or 13 at a time."""
    rota: PingRota[int] = PingRota(INTERVAL_S, SLOTS)
    for member in range(1234):
        rota.add(member)
    slices = sweep(rota, 0.0, SLOTS)
    assert Counter(m for s in slices for m in s) == Counter(range(1234))
    assert {len(s) for s in slices} == {12, 13}
    assert rota.due_at == pytest.approx(INTERVAL_S)


def test_the_next_interval_visits_everyone_again_in_the_same_order() -> None:
    """A second sweep repeats the first: every counter's pings are one interval apart."""
    rota: PingRota[int] = PingRota(INTERVAL_S, SLOTS)
    for member in range(250):
        rota.add(member)
    first = sweep(rota, 0.0, SLOTS)
    second = [rota.visit(rota.due_at).members for _ in range(SLOTS)]
    assert second == first


def test_slices_are_even_however_the_members_arrive() -> None:
    """A fleet connecting in one burst is still pinged in even slices, not in a burst."""
    rota: PingRota[int] = PingRota(INTERVAL_S, SLOTS)
    rota.due_at = 0.0
    rota.visit(0.0)  # the schedule is already running when the burst arrives
    for member in range(500):
        rota.add(member)
    slices = [rota.visit(rota.due_at).members for _ in range(SLOTS)]
    assert {len(s) for s in slices} == {5}


def test_a_member_removed_mid_sweep_is_never_visited_again() -> None:
    """A counter that leaves halfway through a sweep is not in any later slice."""
    rota: PingRota[int] = PingRota(INTERVAL_S, SLOTS)
    for member in range(300):
        rota.add(member)
    first_half = sweep(rota, 0.0, SLOTS // 2)
    gone = first_half[10][0]
    not_yet = next(m for m in range(300) if all(m not in s for s in first_half))
    rota.discard(gone)
    rota.discard(not_yet)
    later = [rota.visit(rota.due_at).members for _ in range(3 * SLOTS)]
    assert all(gone not in s and not_yet not in s for s in later)
    assert gone not in rota
    assert len(rota) == 298


def test_a_newcomer_fills_the_place_a_leaver_left() -> None:
    """Counters coming and going keep the slices within one of each other."""
    rota: PingRota[int] = PingRota(INTERVAL_S, SLOTS)
    for member in range(1000):
        rota.add(member)
    for member in range(0, 1000, 7):
        rota.discard(member)
    for member in range(1000, 1000 + len(range(0, 1000, 7))):
        rota.add(member)
    slices = sweep(rota, 0.0, SLOTS)
    assert {len(s) for s in slices} == {10}


def test_adding_a_member_twice_keeps_one_place() -> None:
    """Joining twice does not mean two pings per interval."""
    rota: PingRota[int] = PingRota(INTERVAL_S, SLOTS)
    rota.add(7)
    rota.add(7)
    assert len(rota) == 1
    assert sweep(rota, 0.0, 1) == [[7]]
    assert rota.due_at == pytest.approx(INTERVAL_S)


def test_a_lone_member_costs_one_visit_per_interval_not_one_per_tick() -> None:
    """Empty slots are skipped with their time: one counter wakes the schedule once per
    interval, at the same point of it."""
    rota: PingRota[int] = PingRota(INTERVAL_S, SLOTS)
    rota.add(1)
    rota.due_at = 5.0
    times = []
    for _ in range(3):
        times.append(rota.due_at)
        assert rota.visit(rota.due_at).members == [1]
    assert times == pytest.approx([5.0, 15.0, 25.0])


def test_a_late_tick_moves_the_schedule_back_instead_of_catching_up() -> None:
    """After the loop was blocked for 3 s the next slot is a tick away, not due at once: no
    counter is visited twice in quick succession (and aborted for a pong it had no time for)."""
    rota: PingRota[int] = PingRota(INTERVAL_S, SLOTS)
    for member in range(SLOTS):
        rota.add(member)
    rota.due_at = 0.0
    rota.visit(3.0)
    assert rota.due_at == pytest.approx(3.0 + INTERVAL_S / SLOTS)


def test_visits_of_one_slot_stay_an_interval_apart_when_ticks_come_late() -> None:
    """Ticks each up to a tenth of a tick late: a slot's visits are never closer than an
    interval less one tick."""
    rota: PingRota[int] = PingRota(INTERVAL_S, SLOTS)
    for member in range(SLOTS):
        rota.add(member)
    rota.due_at = 0.0
    visited: dict[int, list[float]] = {}
    for n in range(3 * SLOTS):
        now = rota.due_at + (n % 3) * 0.01
        for member in rota.visit(now).members:
            visited.setdefault(member, []).append(now)
    gaps = [b - a for times in visited.values() for a, b in itertools.pairwise(times)]
    assert min(gaps) >= INTERVAL_S - INTERVAL_S / SLOTS


def test_the_round_changes_once_every_slot_has_been_visited() -> None:
    """Each sweep of the interval is a new round, so its pings carry a new payload."""
    rota: PingRota[int] = PingRota(INTERVAL_S, SLOTS)
    for member in range(SLOTS):
        rota.add(member)
    rota.due_at = 0.0
    rounds = [rota.visit(rota.due_at).round for _ in range(2 * SLOTS)]
    assert rounds == [0] * SLOTS + [1] * SLOTS
    assert round_payload(0) != round_payload(1)


@pytest.mark.parametrize(
    ("interval_s", "slots"), [(10.0, 100), (0.3, 10), (1.0, 10), (60.0, 600), (3600.0, 1000)]
)
def test_an_interval_is_divided_into_ticks_of_a_tenth_of_a_second_within_bounds(
    interval_s: float, slots: int
) -> None:
    """10 s: 100 slots of 0.1 s; short intervals keep 10 slots, long ones at most 1,000."""
    assert slots_for(interval_s) == slots


@pytest.mark.parametrize(("interval_s", "slots"), [(0.0, 10), (-1.0, 10), (1.0, 0)])
def test_a_rota_without_time_or_slots_is_refused(interval_s: float, slots: int) -> None:
    """A zero or negative interval, or no slot at all, is an error, not a busy loop."""
    with pytest.raises(ValueError, match="positive interval"):
        PingRota(interval_s, slots)


class Peer:
    """A connection stand-in: records pings, answers them when told to."""

    def __init__(self, answers: bool) -> None:
        self.answers = answers
        self.pings: list[bytes] = []
        self.pending: bytes | None = None
        self.timed_out = asyncio.Event()
        self.pinged = asyncio.Event()

    def ping_unanswered(self) -> bool:
        return self.pending is not None

    def ping(self, frame: bytes, payload: bytes) -> None:
        self.pings.append(frame)
        self.pending = None if self.answers else payload
        self.pinged.set()

    def keepalive_timeout(self) -> None:
        self.timed_out.set()


async def test_the_schedule_pings_with_one_frame_and_drops_a_peer_that_never_answers() -> None:
    """On a real loop: both peers get the round's one ping frame; the silent one is dropped
    at its next visit, the answering one is not."""
    keepalive = Keepalive(0.1)
    silent, answering = Peer(answers=False), Peer(answers=True)
    keepalive.join(silent)
    keepalive.join(answering)
    try:
        await asyncio.wait_for(silent.timed_out.wait(), 5)
        assert silent.pings == [ping_frame(round_payload(0))]
        assert answering.pings[0] == ping_frame(round_payload(0))
        assert not answering.timed_out.is_set()
    finally:
        keepalive.stop()


async def test_a_counter_joining_an_emptied_schedule_is_pinged_at_once() -> None:
    """A shop's only counter that reconnects is pinged within a tick, not an interval later
    when the visit that was due before the rota emptied comes round."""
    keepalive = Keepalive(INTERVAL_S)
    try:
        first = Peer(answers=True)
        keepalive.join(first)
        await asyncio.wait_for(first.pinged.wait(), INTERVAL_S / 4)
        keepalive.leave(first)
        again = Peer(answers=True)
        keepalive.join(again)
        await asyncio.wait_for(again.pinged.wait(), INTERVAL_S / 4)
        assert first.pings == [ping_frame(round_payload(0))]
    finally:
        keepalive.stop()


def test_a_newcomer_on_an_emptied_rota_takes_the_slot_visited_next() -> None:
    """Once everyone left, dealing starts again where the rota stands, not at its first slot."""
    rota: PingRota[int] = PingRota(INTERVAL_S, SLOTS)
    rota.add(1)
    rota.add(2)
    sweep(rota, 0.0, 1)  # slot 0 visited: the cursor is on slot 1, member 2's
    rota.discard(1)
    rota.discard(2)
    rota.add(3)
    assert rota.visit(rota.due_at).members == [3]


class BrokenPeer(Peer):
    """A connection whose ping raises, as a bug in one protocol would."""

    def ping(self, frame: bytes, payload: bytes) -> None:
        raise RuntimeError("broken connection")


async def test_one_connection_that_fails_does_not_stop_the_others_pings(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A counter whose ping raises is logged; the others are still pinged round after round."""
    keepalive = Keepalive(0.1)
    broken, healthy = BrokenPeer(answers=True), Peer(answers=True)
    keepalive.join(broken)
    keepalive.join(healthy)
    try:
        for _ in range(3):
            healthy.pinged.clear()
            await asyncio.wait_for(healthy.pinged.wait(), 5)
        assert len(healthy.pings) >= 3
        assert "keepalive: visiting a counter failed" in caplog.text
    finally:
        keepalive.stop()


async def test_a_stopped_schedule_pings_nobody() -> None:
    """After shutdown's stop the schedule holds no timer, and a peer joining later is ignored."""
    keepalive = Keepalive(0.1)
    early = Peer(answers=True)
    keepalive.join(early)
    keepalive.stop()
    late = Peer(answers=True)
    keepalive.join(late)
    await asyncio.sleep(0)  # anything already due has run
    scheduled = getattr(asyncio.get_running_loop(), "_scheduled", None)
    assert scheduled is not None, "this check reads asyncio's own loop"
    assert [h for h in scheduled if not h.cancelled() and h._callback == keepalive._tick] == []
    assert early.pings == []
    assert late.pings == []
    assert len(keepalive) == 1  # the late one never joined


# On a live server (real sockets, a short interval) --------------------------------------------

PING_S = 0.3
TICK_S = PING_S / slots_for(PING_S)
# interval + timeout + a tick, and one more interval for a loaded machine's scheduling
DROPPED_WITHIN_S = 2 * PING_S + TICK_S + PING_S


@pytest.fixture
def live_overrides() -> dict[str, str]:
    return {"ORDERBELL_WS_PING_INTERVAL_S": str(PING_S)}


async def raw_peer(live: LiveServer) -> socket.socket:
    """A counter on a bare socket, past its handshake; it answers pings only as told."""
    return await stalled_counter(int(live.base_url.rsplit(":", 1)[1]), await live.device_token())


async def answer_pings(sock: socket.socket, answer: Callable[[bytes], bytes | None]) -> int:
    """Read the server's frames until it lets go; each ping gets the pong ``answer`` makes of
    its payload (none if None). Returns how many pings came."""
    loop = asyncio.get_running_loop()
    buffer, pings = b"", 0
    while True:
        try:
            chunk = await loop.sock_recv(sock, 65536)
        except ConnectionResetError:
            return pings
        if not chunk:
            return pings
        buffer += chunk
        while len(buffer) >= 2 and len(buffer) >= 2 + (buffer[1] & 0x7F):
            length = buffer[1] & 0x7F
            assert length < 126, "only small frames are expected here"
            opcode, payload, buffer = buffer[0] & 0x0F, buffer[2 : 2 + length], buffer[2 + length :]
            if opcode == OP_PING:
                pings += 1
                pong = answer(payload)
                if pong is not None:
                    await loop.sock_sendall(sock, client_frame(OP_PONG, pong))


async def dropped_after(sock: socket.socket, answer: Callable[[bytes], bytes | None]) -> float:
    """Seconds from now until the server lets go of this peer (bounded)."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    await asyncio.wait_for(answer_pings(sock, answer), 10 * DROPPED_WITHIN_S)
    return loop.time() - began


async def test_a_peer_that_never_answers_is_aborted_within_interval_and_timeout(
    live: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A peer that reads its pings but never answers is gone within two intervals and a tick,
    with the same log line as ever."""
    caplog.set_level(logging.INFO, logger="backend.wsconnection")
    sock = await raw_peer(live)
    try:
        elapsed = await dropped_after(sock, lambda payload: None)
        assert elapsed <= DROPPED_WITHIN_S
        await wait_for_connections(live.hub, 0)
        messages = [record.getMessage() for record in caplog.records]
        assert any("did not answer a keepalive ping: connection aborted" in m for m in messages)
    finally:
        sock.close()


async def test_a_peer_that_answers_its_pings_stays(live: LiveServer) -> None:
    """A peer echoing every ping is pinged every interval and stays; its pong age is fresh."""
    sock = await raw_peer(live)
    try:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(answer_pings(sock, lambda payload: payload), 5 * PING_S)
        assert live.hub.connection_count == 1
        [subscriber] = live.hub.live_counters()
        age = subscriber.pong_age()
        assert age is not None
        assert age < 2 * PING_S
    finally:
        sock.close()


async def test_a_peer_answering_with_the_wrong_payload_is_aborted(live: LiveServer) -> None:
    """Pongs that echo something else, and unsolicited ones, keep no one alive."""
    sock = await raw_peer(live)
    try:
        for _ in range(3):  # unsolicited, before any ping was written
            await asyncio.get_running_loop().sock_sendall(sock, client_frame(OP_PONG, b""))
        elapsed = await dropped_after(sock, lambda payload: b"nope")
        assert elapsed <= DROPPED_WITHIN_S
    finally:
        sock.close()


async def test_a_peer_repeating_an_old_pong_is_aborted(live: LiveServer) -> None:
    """A pong to an earlier round's ping does not answer this round's."""
    sock = await raw_peer(live)
    first: list[bytes] = []

    def stale(payload: bytes) -> bytes:
        first.append(payload)
        return first[0]

    try:
        elapsed = await dropped_after(sock, stale)
        assert len(first) == 2  # the first ping was answered, the second only with the old pong
        assert elapsed <= DROPPED_WITHIN_S + PING_S
    finally:
        sock.close()


async def test_an_unsolicited_pong_does_not_count_as_an_answer(live: LiveServer) -> None:
    """With no ping in flight a pong is ignored: the counter's last pong stays unknown; the
    pong echoing the ping in flight is the one that counts."""
    sock = await raw_peer(live)  # reads nothing, answers nothing
    try:
        await wait_for_connections(live.hub, 1)
        [protocol] = open_protocols()
        protocol.pending_ping_payload = None
        protocol.handle_pong(Frame(Opcode.PONG, b""))
        assert protocol.socket.pong_age() is None
        protocol.pending_ping_payload = round_payload(7)
        protocol.handle_pong(Frame(Opcode.PONG, round_payload(6)))
        assert protocol.socket.pong_age() is None
        protocol.handle_pong(Frame(Opcode.PONG, round_payload(7)))
        assert protocol.socket.pong_age() is not None
        assert not protocol.ping_unanswered()
    finally:
        sock.close()


async def test_the_server_stops_its_schedule_on_shutdown(tmp_path: Path, kit: MerchantKit) -> None:
    """The schedule rides on the server's config, takes its live counters, and ends with it."""
    accepted = asyncio.Event()

    async def hold(websocket: WebSocket) -> None:
        await websocket.accept()
        accepted.set()
        with contextlib.suppress(WebSocketDisconnect):
            await websocket.receive_text()

    app = Starlette(routes=[WebSocketRoute("/ws/{sid}", hold)])
    app.state.hub = Hub(1)
    settings = kit_settings(tmp_path, kit, ORDERBELL_WS_PING_INTERVAL_S=str(PING_S))
    async with running_server(app, settings) as server:
        keepalive = keepalive_of(server.config)
        assert keepalive is not None
        async with connect(f"ws://127.0.0.1:{bound_port(server)}/ws/one") as ws:
            await asyncio.wait_for(accepted.wait(), 5)
            assert len(keepalive) == 1
            assert not keepalive.stopped
            server.should_exit = True
            await asyncio.wait_for(ws.wait_closed(), 10)  # the shutdown has begun
            assert keepalive.stopped
    assert len(keepalive) == 0
