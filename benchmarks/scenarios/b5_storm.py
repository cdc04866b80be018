"""B5 reconnect storm: restart the server under many counters; all back, caught up, exactly once."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from backend.settings import Settings
from backend.store import Database, EventRow, PaymentFacts, record_payment
from benchmarks import plots
from benchmarks.callbacks import sign_all
from benchmarks.clients import ClientPool
from benchmarks.context import Context
from benchmarks.httpload import OpenLoopSender
from benchmarks.markdown import figure, table
from benchmarks.results import Section, Verdict
from benchmarks.seeding import Deployment, PendingOrder, add_orders, add_tokens, prepare
from benchmarks.servers import HOST, Server, free_port, launch, orderbell_command

KEY = "B5"
TITLE = "B5 reconnect storm: server restart under connected counters"
TARGET_S = 10.0
LIVE_RATE = 50
LIVE_EVENTS = 100
CLIENT_PROCESSES = 4
SETTLE_TIMEOUT_S = 90.0


@dataclass
class Storm:
    """Timings (seconds) and the exactly-once check of one restart."""

    counters: int
    stop_s: float
    backlog_s: float
    start_s: float
    back_s: float
    caught_up_s: float
    events: int
    checked: int
    missing: int
    repeated: int
    out_of_order: int
    reconnects: list[float]


async def run(ctx: Context) -> Section:
    """Connect, pay, restart with a backlog, pay during the storm, then check every counter."""
    profile = ctx.profile
    counters, shops = profile.storm_counters, profile.storm_shops
    per_shop = counters // shops
    rng = random.Random(5)
    deployment = await prepare(ctx.scratch("b5"), ctx.database_url)
    shop_of = [1 + index % shops for index in range(counters)]
    tokens = await add_tokens(deployment, shop_of)
    phases = {"before": LIVE_EVENTS, "backlog": profile.storm_backlog, "during": LIVE_EVENTS}
    orders: dict[str, list[PendingOrder]] = {}
    for phase, count in phases.items():
        orders[phase] = await add_orders(
            deployment,
            [
                (f"S{phase[:2]}{index:08d}{rng.randrange(10**8):08d}", rng.randint(1, shops), "")
                for index in range(count)
            ],
        )
    port = free_port()
    server = await _start(ctx, deployment, port, "server-1.log")
    requests = {
        phase: sign_all(deployment.directory / "kit", orders[phase], HOST, port)
        for phase in ("before", "during")
    }
    pool = await ClientPool.start(HOST, port, CLIENT_PROCESSES, ctx.cores)
    try:
        conns = [
            {"path": f"/ws/c{index}", "token": tokens[index], "since": 0}
            for index in range(counters)
        ]
        answers = await pool.open(conns, concurrency=256, mode="ids", reconnect=True)
        if sum(answer["failed"] for answer in answers):
            raise RuntimeError(f"counters could not connect: {answers[0]['failures']}")
        await _send(port, requests["before"])
        await _wait_frames(pool, LIVE_EVENTS * per_shop, 30.0)
        ctx.say(f"B5: {counters} counters connected and holding cursors; restarting the server")
        stopped_at = time.monotonic_ns()
        await server.stop()
        stop_s = (time.monotonic_ns() - stopped_at) / 1e9
        backlog_began = time.monotonic()
        await _pay_directly(deployment, orders["backlog"])
        backlog_s = time.monotonic() - backlog_began
        launched_at = time.monotonic_ns()
        server = await _start(ctx, deployment, port, "server-2.log")
        ready_at = time.monotonic_ns()
        await _send(port, requests["during"])
        total = sum(phases.values())
        await _wait_frames(pool, total * per_shop, SETTLE_TIMEOUT_S)
        history = [await client.call({"cmd": "history"}) for client in pool.clients]
        storm = await _check(
            deployment,
            history,
            shop_of,
            stopped_at,
            launched_at,
            ready_at,
            stop_s,
            backlog_s,
            total,
        )
    finally:
        await pool.close()
        await server.stop()
    ctx.say(
        f"B5: back in {storm.back_s:.1f} s, caught up in {storm.caught_up_s:.1f} s after the new "
        f"server started; missing {storm.missing}, repeated {storm.repeated}"
    )
    return _section(ctx, storm)


async def _start(ctx: Context, deployment: Deployment, port: int, log_name: str) -> Server:
    return await launch(
        "OrderBell",
        orderbell_command(deployment.env_file, port),
        port=port,
        cores=ctx.cores,
        log_path=deployment.directory / log_name,
        env=deployment.env(),
    )


async def _send(port: int, requests: list[bytes]) -> None:
    sender = OpenLoopSender(port, max_connections=64)
    offsets = [int(index * 1e9 / LIVE_RATE) for index in range(len(requests))]
    replies = await sender.run(requests, time.monotonic_ns(), offsets)
    await sender.close()
    failed = [reply.status for reply in replies if reply.status != 204]
    if failed:
        raise RuntimeError(
            f"{len(failed)} payment callbacks failed (statuses {sorted(set(failed))})"
        )


async def _wait_frames(pool: ClientPool, expected: int, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        answers = await pool.broadcast({"cmd": "count"})
        if sum(answer["frames"] for answer in answers) >= expected:
            return
        await asyncio.sleep(0.1)


async def _pay_directly(deployment: Deployment, orders: list[PendingOrder]) -> None:
    """Payments committed while the server is down (as another instance would): the backlog."""
    db = Database(deployment.database_url)
    try:
        for order in orders:
            now = datetime.now(UTC)
            facts = PaymentFacts(
                order.number, "4200" + order.number[-24:].rjust(24, "0"), order.amount_fen, now
            )
            await record_payment(db, facts, now, zone=Settings().zone)
    finally:
        await db.dispose()


async def _check(
    deployment: Deployment,
    history: list[dict[str, list[list[int]]]],
    shop_of: list[int],
    stopped_at: int,
    launched_at: int,
    ready_at: int,
    stop_s: float,
    backlog_s: float,
    total: int,
) -> Storm:
    db = Database(deployment.database_url)
    try:
        query = select(EventRow.id, EventRow.shop_id).order_by(EventRow.id)
        rows = await db.read(lambda connection: connection.execute(query).all())
    finally:
        await db.dispose()
    by_shop: dict[int, list[int]] = defaultdict(list)
    for event_id, shop in rows:
        by_shop[shop].append(event_id)
    newest_before_restart = max(
        (event_id for event_id, _ in rows[: total - LIVE_EVENTS]), default=0
    )
    processes = len(history)
    missing = repeated = disorder = checked = 0
    back: list[float] = []
    caught: list[float] = []
    for index, shop in enumerate(shop_of):
        part = history[index % processes]
        local = index // processes
        ids, times, opens = part["ids"][local], part["id_times"][local], part["opens"][local]
        expected = by_shop.get(shop, [])
        checked += 1
        seen = set(ids)
        missing += len([event_id for event_id in expected if event_id not in seen])
        repeated += len(ids) - len(seen)
        disorder += sum(1 for a, b in itertools.pairwise(ids) if b <= a)
        reopened = [stamp for stamp in opens if stamp > stopped_at]
        if reopened:
            back.append((reopened[0] - launched_at) / 1e9)
        backlog_times = [
            stamp
            for event_id, stamp in zip(ids, times, strict=True)
            if event_id <= newest_before_restart
        ]
        done = max([*backlog_times[-1:], *reopened[:1]], default=launched_at)
        caught.append((done - launched_at) / 1e9)
    return Storm(
        counters=len(shop_of),
        stop_s=stop_s,
        backlog_s=backlog_s,
        start_s=(ready_at - launched_at) / 1e9,
        back_s=max(back, default=float("nan")) if len(back) == len(shop_of) else float("inf"),
        caught_up_s=max(caught, default=float("nan"))
        if len(back) == len(shop_of)
        else float("inf"),
        events=len(rows),
        checked=checked,
        missing=missing,
        repeated=repeated,
        out_of_order=disorder,
        reconnects=sorted(back),
    )


def _section(ctx: Context, storm: Storm) -> Section:
    profile = ctx.profile
    exact = storm.missing == 0 and storm.repeated == 0 and storm.out_of_order == 0
    verdicts = [
        Verdict(
            f"all {storm.counters:,} back and caught up <= {TARGET_S:g} s after the restart",
            f"{storm.caught_up_s:.1f} s",
            storm.caught_up_s <= TARGET_S,
        ),
        Verdict(
            "zero events missed or repeated",
            f"{storm.missing} missed, {storm.repeated} repeated, {storm.out_of_order} out of order",
            exact,
        ),
    ]
    rows = [
        ["old server stops (graceful, close 1001)", f"{storm.stop_s:.2f} s"],
        [
            f"backlog of {profile.storm_backlog} payments committed while down",
            f"{storm.backlog_s:.2f} s",
        ],
        ["new server process started -> answering /healthz", f"{storm.start_s:.2f} s"],
        ["new server started -> last counter reconnected", f"{storm.back_s:.2f} s"],
        [
            "new server started -> last counter caught up on the backlog",
            f"**{storm.caught_up_s:.2f} s**",
        ],
    ]
    fraction = [(index + 1) / len(storm.reconnects) for index in range(len(storm.reconnects))]
    plot = plots.lines(
        ctx.plots_dir / "b5_reconnects.png",
        "B5 counters reconnected after the restart",
        "seconds after the new server process started",
        "fraction of counters back",
        {"OrderBell": (storm.reconnects, fraction)},
    )
    text = [
        f"{storm.counters:,} counters across {profile.storm_shops:,} shops are connected to the "
        "production server (`orderbell-server serve`, SQLite) with `since=` cursors, using the "
        "desktop app's own reconnect policy (`desktop.net.backoff.reconnect_delays`: 1 s twelve "
        f"times, then x2 up to 30 s, jitter [0.5, 1)). {LIVE_EVENTS} payments arrive through "
        "signed callbacks; then the "
        f"server is stopped (SIGTERM), {profile.storm_backlog} payments are committed to the "
        "database while it is down (`backend.store.record_payment`, as another instance would), "
        f"the server is started again on the same port, and {LIVE_EVENTS} more callbacks arrive "
        f"at {LIVE_RATE}/s while the counters storm back. Afterwards every counter's received "
        "ids are compared with its shop's events in the database.",
        "",
        table(["phase", "time"], rows),
        "",
        f"Exactly-once check: {storm.checked:,} counters, {storm.events:,} events in the log; "
        f"{storm.missing} missed, {storm.repeated} repeated, {storm.out_of_order} out of order.",
        "",
        figure(plot, "B5 reconnect curve"),
    ]
    data = {
        "back_s": storm.back_s,
        "caught_up_s": storm.caught_up_s,
        "start_s": storm.start_s,
        "missing": storm.missing,
        "repeated": storm.repeated,
    }
    return Section(KEY, TITLE, profile.name, "\n".join(text), verdicts, data)
