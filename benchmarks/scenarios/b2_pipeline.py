"""B2 the real pipeline: signed, encrypted payment callbacks open loop -> events at the counters."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from benchmarks import plots, procfs, pyspy
from benchmarks.callbacks import sign_all
from benchmarks.clients import ClientPool
from benchmarks.context import Context
from benchmarks.httpload import OpenLoopSender, Reply
from benchmarks.markdown import figure, number, table
from benchmarks.marker import marker
from benchmarks.pgprobe import STATS_FLUSH_S, PgProbe, PgStep, server_cores
from benchmarks.quiet import frozen_heap
from benchmarks.results import Section, Verdict
from benchmarks.seeding import (
    HTTP_RESERVED_CONNECTIONS,
    MAX_CONNECTIONS,
    Deployment,
    add_orders,
    add_tokens,
    prepare,
)
from benchmarks.servers import HOST, Server, free_port, launch, orderbell_command
from benchmarks.stats import Latency, ms, summarize_ns

KEY = "B2"
TITLE = "B2 the real pipeline: payment callback to counter"
TARGET_P99_MS = 20.0
TARGET_RATE = 500
CLIENT_PROCESSES = 4
DRAIN_S = 10.0
GIVE_UP_P99_MS = 1_000.0
RETRIES = 2
# The background step: a neighbour busy this share of every 10 ms on the server core.
BACKGROUND_DUTY = 0.25
# The PostgreSQL deployment should cost at most twice SQLite's CPU per callback.
TARGET_SQLITE_SHARE = 0.5


@dataclass
class RateStep:
    """One rate held for a warm-up and a measured window."""

    rate: int
    callbacks: int
    expected: int
    delivered: int
    failed_callbacks: int
    server_cpu_s: float
    window_s: float
    event: Latency
    callback: Latency
    load_average: float = math.nan
    background: float = 0.0
    background_cpu_s: float = 0.0
    pg: PgStep | None = None

    @property
    def pg_cpu_s(self) -> float:
        """PostgreSQL's CPU seconds in the step (NaN when not measured)."""
        if self.pg is None or self.pg.cpu_s is None:
            return math.nan
        return self.pg.cpu_s

    @property
    def per_core_total(self) -> float:
        """Callbacks per second of CPU of the servers and PostgreSQL together."""
        spent = self.server_cpu_s + (0.0 if self.pg is None else self.pg_cpu_s)
        return self.callbacks / spent if spent else math.nan

    @property
    def complete(self) -> bool:
        """Every callback answered 204 and every counter of the shop got its event."""
        return self.failed_callbacks == 0 and self.delivered == self.expected

    @property
    def per_core(self) -> float:
        """Callbacks handled per second of server CPU."""
        return self.callbacks / self.server_cpu_s if self.server_cpu_s else math.nan

    @property
    def meets(self) -> bool:
        """Complete and within the latency target."""
        return self.complete and self.event.p99 <= TARGET_P99_MS


async def run(ctx: Context) -> Section:
    """Connect the counters, then raise the callback rate step by step."""
    profile = ctx.profile
    if ctx.instances > 1 and importlib.util.find_spec("backend.doorbell") is None:
        key, title = variant(ctx)
        return Section(
            key,
            title,
            profile.name,
            f"Not run with `--instances {ctx.instances}`: this backend has no cross-instance "
            "doorbell yet (`backend/doorbell.py`), so an instance would not hear about events "
            "committed by another one.",
        )
    shops = profile.pipeline_shops
    counters = profile.pipeline_counters
    per_shop = counters // shops
    deployment = await prepare(ctx.scratch("b2"), ctx.database_url)
    shop_of = [1 + index % shops for index in range(counters)]
    tokens = await add_tokens(deployment, shop_of)
    probe = await _open_probe(ctx)
    try:
        servers = await _start_servers(ctx, deployment)
    except BaseException:
        if probe is not None:
            await probe.close()
        raise
    pools: list[ClientPool] = []
    steps: list[RateStep] = []
    handshake_failures: dict[str, int] = {}
    began = time.monotonic()
    try:
        for number_, server in enumerate(servers):
            pool = await ClientPool.start(HOST, server.port, CLIENT_PROCESSES, ctx.cores)
            pools.append(pool)
            mine = [
                {"path": f"/ws/c{index}", "token": tokens[index], "timed": True}
                for index in range(number_, counters, len(servers))
            ]
            answers = await pool.open(mine, concurrency=256, mode="marker", retries=RETRIES)
            for answer in answers:
                for reason, count in answer["failures"].items():
                    handshake_failures[reason] = handshake_failures.get(reason, 0) + count
            failed = sum(answer["failed"] for answer in answers)
            if failed:
                raise RuntimeError(f"{failed} counters could not connect: {handshake_failures}")
        connect_s = time.monotonic() - began
        ctx.say(
            f"B2: {counters} counters of {shops} shops connected in {connect_s:.0f} s "
            f"(first attempts that failed and were retried: {handshake_failures or 'none'})"
        )
        rng = random.Random(2)
        step_number = 0

        async def repeat(rate: int, background: float = 0.0) -> list[RateStep]:
            nonlocal step_number
            repeats: list[RateStep] = []
            for _ in range(profile.pipeline_repeats):
                step_number += 1
                step = await _run_rate(
                    ctx,
                    deployment,
                    servers,
                    pools,
                    rng,
                    step_number,
                    rate,
                    shops,
                    per_shop,
                    probe=probe,
                    background=background,
                )
                repeats.append(step)
                _say_step(ctx, step)
                if step.event.p99 > GIVE_UP_P99_MS:
                    break
            return repeats

        for rate in profile.pipeline_rates:
            repeats = await repeat(rate)
            steps.extend(repeats)
            if not median_step(repeats).meets:
                break
        if any(step.rate == TARGET_RATE for step in steps):
            steps.extend(await repeat(TARGET_RATE, BACKGROUND_DUTY))
        step_number += 1
        spied = await _profile(
            ctx,
            steps,
            lambda started, rate: _run_rate(
                ctx,
                deployment,
                servers,
                pools,
                rng,
                step_number,
                rate,
                shops,
                per_shop,
                probe=probe,
                started=started,
            ),
            [server.pid for server in servers],
        )
    finally:
        for pool in pools:
            await pool.close()
        for server in servers:
            await server.stop()
        if probe is not None:
            await probe.close()
    return _section(ctx, steps, connect_s, handshake_failures, spied)


async def _profile(
    ctx: Context,
    steps: list[RateStep],
    run_step: Callable[[Callable[[], None], int], Awaitable[RateStep]],
    pids: list[int],
) -> str:
    """One more step, at the highest rate kept (else the first), with py-spy on the servers."""
    program = pyspy.executable()
    if program is None:
        return "py-spy is not installed (the bench dependency group: `uv sync`): nothing sampled."
    kept = [step.rate for step in _judged(steps) if step.meets]
    rate = max(kept) if kept else ctx.profile.pipeline_rates[0]
    duration = math.ceil(ctx.profile.pipeline_warmup_s + ctx.profile.pipeline_window_s + 0.5)
    tasks: list[asyncio.Task[tuple[list[str], str | None]]] = []

    def started() -> None:
        tasks.append(
            asyncio.create_task(
                pyspy.record(program, pids, duration, ctx.scratch("py-spy"), ctx.cores)
            )
        )

    await run_step(started, rate)
    stacks, problem = await tasks[0] if tasks else ([], "the step did not start")
    hot = pyspy.hottest(stacks, top=12)
    if not hot:
        return f"py-spy could not sample the servers: {problem or 'no samples'}."
    rows = [[f"`{item.function}`", f"{item.own:.0%}", f"{item.inclusive:.0%}"] for item in hot]
    return "\n".join(
        [
            f"The servers' Python time at {rate}/s, from one extra step with py-spy attached "
            f"({pyspy.RATE_HZ} samples a second of every busy thread of every server, without "
            "pausing them; the "
            "step's own figures are left out of the tables since the sampling costs CPU on "
            "the load core; moments when a server is idle are not sampled). *Running*: share "
            "of the samples in which the function itself was "
            "executing; *on the stack*: in which it or something it called was.",
            "",
            table(["function", "running", "on the stack"], rows),
        ]
    )


def _say_step(ctx: Context, step: RateStep) -> None:
    loaded = f" + {step.background:.0%} background" if step.background else ""
    line = (
        f"B2 {step.rate}/s{loaded}: {step.delivered}/{step.expected} delivered, event p99 "
        f"{ms(step.event.p99)} ms, callback p99 {ms(step.callback.p99)} ms, "
        f"{step.per_core:,.0f} callbacks/core-s"
    )
    if step.pg is not None:
        line += (
            f", PostgreSQL CPU {number(step.pg_cpu_s, 2)} s, "
            f"{number(step.per_core_total)} callbacks/core-s with it"
        )
    ctx.say(line)


async def _open_probe(ctx: Context) -> PgProbe | None:
    """On PostgreSQL: the monitoring connection, with the cluster pinned to the server core."""
    if not ctx.database_url or not ctx.database_url.startswith("postgresql"):
        return None
    probe = await PgProbe.open(ctx.database_url)
    probe.pin(server_cores(ctx.cores))
    return probe


def plot_name(ctx: Context) -> str:
    """The variant's own plot file: ``b2_pipeline.png``, ``b2_pipeline_postgresql_x2.png``."""
    key, _ = variant(ctx)
    suffix = key.removeprefix(KEY).strip().replace(" ", "_")
    return f"b2_pipeline_{suffix}.png" if suffix else "b2_pipeline.png"


def variant(ctx: Context) -> tuple[str, str]:
    """Key and title: the default deployment is plain B2; others get their own section."""
    if not ctx.database_url and ctx.instances == 1:
        return KEY, TITLE
    dialect = (ctx.database_url or "sqlite").split("+", 1)[0].split(":", 1)[0]
    suffix = f"{dialect} x{ctx.instances}"
    name = "PostgreSQL" if dialect == "postgresql" else dialect
    return f"{KEY} {suffix}", f"{TITLE} ({name}, {ctx.instances} instance(s))"


async def _start_servers(ctx: Context, deployment: Deployment) -> list[Server]:
    servers = []
    for instance in range(ctx.instances):
        port = free_port()
        servers.append(
            await launch(
                f"OrderBell #{instance + 1}",
                orderbell_command(deployment.env_file, port),
                port=port,
                cores=ctx.cores,
                log_path=deployment.directory / f"server-{instance + 1}.log",
                env=deployment.env(),
            )
        )
    return servers


async def _run_rate(
    ctx: Context,
    deployment: Deployment,
    servers: list[Server],
    pools: list[ClientPool],
    rng: random.Random,
    step_number: int,
    rate: int,
    shops: int,
    per_shop: int,
    *,
    probe: PgProbe | None = None,
    background: float = 0.0,
    started: Callable[[], None] | None = None,
) -> RateStep:
    profile = ctx.profile
    warm = int(rate * profile.pipeline_warmup_s)
    total = warm + int(rate * profile.pipeline_window_s)
    offsets = [int(index * 1e9 / rate) for index in range(total)]
    measured_step = 2 * step_number
    orders = []
    for index, offset in enumerate(offsets):
        step = measured_step if index >= warm else measured_step - 1
        number_ = f"B{step_number:02d}{index:08d}{rng.randrange(10**6):06d}"
        orders.append((number_, rng.randint(1, shops), marker(step, index, offset // 1000)))
    pending = await add_orders(deployment, orders)
    requests: list[list[bytes]] = [[] for _ in servers]
    schedule: list[list[int]] = [[] for _ in servers]
    signed = sign_all(deployment.directory / "kit", pending, HOST, servers[0].port)
    for index, request in enumerate(signed):
        requests[index % len(servers)].append(request)
        schedule[index % len(servers)].append(offsets[index])
    senders = [OpenLoopSender(server.port, max_connections=512) for server in servers]
    load_average = os.getloadavg()[0]
    burner = await _start_burner(ctx, background) if background else None
    base = time.monotonic_ns() + 500_000_000
    if started is not None:
        started()
    for pool in pools:
        await pool.broadcast({"cmd": "base", "step": measured_step, "base_ns": base})
        await pool.broadcast({"cmd": "snapshot"})
    if probe is not None:
        await probe.begin()
    cpu_before = sum(server.usage().cpu_s for server in servers)
    burner_before = procfs.cpu_seconds(burner.pid) if burner else 0.0
    expected_frames = total * per_shop
    with frozen_heap():
        replies_by_sender = await asyncio.gather(
            *(
                sender.run(reqs, base, offs)
                for sender, reqs, offs in zip(senders, requests, schedule, strict=True)
            )
        )
        deadline = time.monotonic() + DRAIN_S
        while time.monotonic() < deadline:
            frames = 0
            for pool in pools:
                answers = await pool.broadcast({"cmd": "count"})
                frames += sum(answer["frames"] for answer in answers)
            if frames >= expected_frames:
                break
            await asyncio.sleep(0.05)
    cpu_used = sum(server.usage().cpu_s for server in servers) - cpu_before
    burner_used = procfs.cpu_seconds(burner.pid) - burner_before if burner else 0.0
    window_s = (time.monotonic_ns() - base) / 1e9
    pg = await probe.end() if probe is not None else None
    if burner is not None:
        await _stop_burner(burner)
    for sender in senders:
        await sender.close()
    latencies: list[int] = []
    delivered = 0
    for pool in pools:
        for snap in await pool.broadcast({"cmd": "snapshot"}):
            latencies.extend(snap["latency_ns"])
            delivered += sum(entry[0] for entry in snap["last"].values())
    replies: list[Reply] = [reply for group in replies_by_sender for reply in group]
    measured = [
        reply for index, reply in enumerate(_interleave(replies_by_sender)) if index >= warm
    ]
    return RateStep(
        rate=rate,
        callbacks=total,
        expected=(total - warm) * per_shop,
        delivered=delivered,
        failed_callbacks=sum(1 for reply in replies if reply.status != 204),
        server_cpu_s=cpu_used,
        window_s=window_s,
        event=summarize_ns(latencies),
        callback=summarize_ns([reply.latency_ns for reply in measured]),
        load_average=load_average,
        background=background,
        background_cpu_s=burner_used,
        pg=pg,
    )


async def _start_burner(ctx: Context, duty: float) -> asyncio.subprocess.Process:
    """The background load, on the server core."""
    return await asyncio.create_subprocess_exec(
        *ctx.cores.server_prefix(),
        sys.executable,
        "-m",
        "benchmarks.burner",
        "--duty",
        str(duty),
        stdin=asyncio.subprocess.DEVNULL,
    )


async def _stop_burner(burner: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        burner.kill()
    await burner.wait()


def median_step(repeats: list[RateStep]) -> RateStep:
    """The repetition with the median event p99 (the upper one of an even count).

    The machine is shared, so one bad run may be noise; two bad runs of three are not.
    """
    ordered = sorted(repeats, key=lambda step: step.event.p99)
    return ordered[len(ordered) // 2]


def _judged(steps: list[RateStep]) -> list[RateStep]:
    """One step per rate: the median repetition (steps without background load)."""
    plain = [step for step in steps if not step.background]
    rates = sorted({step.rate for step in plain})
    return [median_step([step for step in plain if step.rate == rate]) for rate in rates]


def _interleave(groups: list[list[Reply]]) -> list[Reply]:
    """Replies back in global request order (request i went to sender i % n)."""
    ordered = []
    longest = max((len(group) for group in groups), default=0)
    for position in range(longest):
        for group in groups:
            if position < len(group):
                ordered.append(group[position])
    return ordered


def _section(
    ctx: Context,
    steps: list[RateStep],
    connect_s: float,
    failures: dict[str, int],
    spied: str,
) -> Section:
    profile = ctx.profile
    judged = _judged(steps)
    plain = [step for step in steps if not step.background]
    loaded = [step for step in steps if step.background]
    passing = [step for step in judged if step.meets]
    best = max((step.rate for step in passing), default=0)
    at_target = next((step for step in judged if step.rate == TARGET_RATE), None)
    on_pg = any(step.pg is not None for step in steps)
    rows = [_row(step, on_pg) for step in steps]
    per_core = statistics.median([step.per_core for step in plain]) if plain else math.nan
    instances = f" with {ctx.instances} instances" if ctx.instances > 1 else ""
    verdicts = [
        Verdict(
            f"p99 callback -> event at counter <= {TARGET_P99_MS:g} ms at {TARGET_RATE}/s"
            f"{instances}",
            f"{ms(at_target.event.p99)} ms"
            if at_target
            else "rate not reached (an earlier step failed)",
            at_target.meets if at_target else False,
        ),
        _background_verdict(loaded, instances),
        Verdict(
            "highest rate with p99 <= 20 ms (and every event delivered)",
            f"{best}/s" if best else "none of the steps",
            None,
        ),
        Verdict("callbacks per server core (median of all steps)", f"{number(per_core)}/s", None),
    ]
    if on_pg:
        verdicts.append(_share_verdict(ctx, plain))
    plot = plots.lines(
        ctx.plots_dir / plot_name(ctx),
        "B2 callback -> event at counter",
        "payment callbacks per second (open loop)",
        "ms (log)",
        {
            "OrderBell p50": ([s.rate for s in judged], [s.event.p50 for s in judged]),
            "OrderBell p99": ([s.rate for s in judged], [s.event.p99 for s in judged]),
        },
        log=True,
        hline=TARGET_P99_MS,
    )
    database = "SQLite (WAL)" if not ctx.database_url else ctx.database_url.split("://", 1)[0]
    placement = (
        "all on the server core, PostgreSQL pinned there too"
        if on_pg and ctx.cores.pinned
        else "all on the server core"
    )
    text = [
        f"{profile.pipeline_counters:,} counters across {profile.pipeline_shops:,} shops "
        f"({profile.pipeline_counters // profile.pipeline_shops} per shop, own device tokens) "
        f"stay connected to **the production server** (`orderbell-server serve`, {database}, "
        f"{ctx.instances} instance(s), {placement}; `ORDERBELL_MAX_CONNECTIONS` raised to "
        f"{MAX_CONNECTIONS:,} with {HTTP_RESERVED_CONNECTIONS:,} kept for plain HTTP, as the "
        "README sizes an instance holding this many counters: of the default 10,000 counters "
        "may hold 9,000). Orders are created "
        "beforehand "
        "in the database; each "
        "carries its intended callback time in its remark, which the event's `order.remark` "
        "brings to the counter. The callbacks are signed (RSA-SHA256) and encrypted "
        "(AES-256-GCM) exactly as WeChat Pay does (`backend.devkit.payment_callback`), built "
        "before the step and sent open loop over keep-alive connections to random shops; "
        f"each rate runs {profile.pipeline_warmup_s:g} s of warm-up then "
        f"{profile.pipeline_window_s:g} s measured, {profile.pipeline_repeats} time(s); a rate "
        "counts as kept when its median repetition is complete and within target, and the "
        "ladder stops at the first rate that is not. Latency runs from the callback's intended "
        "send time to the frame's arrival at the counter, so it includes the client-side send, "
        "verification, decryption, the database transaction, the Dispatcher reading the log "
        "and the hub — an upper bound of callback-received -> event-at-counter.",
        "",
        f"**Background load.** When the ladder reached {TARGET_RATE}/s, {TARGET_RATE}/s runs "
        f"{profile.pipeline_repeats} more time(s) with a neighbour on the server core "
        f"(`benchmarks/burner.py`: busy {BACKGROUND_DUTY:.0%} of every 10 ms, pinned there, "
        "as a backup or a log shipper would be on a real machine). Its rows say "
        f"*+ {BACKGROUND_DUTY:.0%} load*; *neighbour CPU* is the share of a core it really "
        "took during the step. *load 1 min* is the machine's load average when each step "
        "began.",
        "",
        table(
            [
                "callbacks/s",
                "delivered/expected",
                "failed callbacks",
                "event p50 ms",
                "p99 ms",
                "p99.9 ms",
                "max ms",
                "204 p50 ms",
                "204 p99 ms",
                "server CPU",
                *(["PostgreSQL CPU", "callbacks/core-s (servers + PostgreSQL)"] if on_pg else []),
                "callbacks/core-s",
                "neighbour CPU",
                "load 1 min",
                "p99 <= 20 ms",
            ],
            rows,
        ),
        "",
        figure(plot, "B2 latency against rate"),
    ]
    if on_pg:
        text += ["", _breakdown(ctx, steps)]
    text += ["", "### Where the servers' Python time goes", "", spied]
    retried = ", ".join(f"{count} x {reason}" for reason, count in failures.items()) or "none"
    text.insert(
        1,
        f"\nConnecting the counters took {connect_s:.0f} s; handshakes that failed at first and "
        f"were retried (as a counter would): {retried}.",
    )
    data = {"steps": [_step_data(step) for step in steps]}
    key, title = variant(ctx)
    return Section(key, title, profile.name, "\n".join(text), verdicts, data)


def _row(step: RateStep, on_pg: bool) -> list[str]:
    loaded = f" + {step.background:.0%} load" if step.background else ""
    pg = [f"{100 * step.pg_cpu_s / step.window_s:.0f}%", f"**{number(step.per_core_total)}**"]
    neighbour = f"{100 * step.background_cpu_s / step.window_s:.0f}%" if step.background else "–"
    return [
        f"{step.rate}{loaded}",
        f"{step.delivered:,}/{step.expected:,}",
        str(step.failed_callbacks),
        *step.event.row(),
        ms(step.callback.p50),
        ms(step.callback.p99),
        f"{100 * step.server_cpu_s / step.window_s:.0f}%",
        *(pg if on_pg else []),
        number(step.per_core) if on_pg else f"**{number(step.per_core)}**",
        neighbour,
        number(step.load_average, 2),
        "yes" if step.meets else "no",
    ]


def _step_data(step: RateStep) -> dict[str, float | int | None]:
    return {
        "rate": step.rate,
        "background": step.background,
        "delivered": step.delivered,
        "expected": step.expected,
        "event_p99_ms": step.event.p99,
        "callback_p99_ms": step.callback.p99,
        "per_core": step.per_core,
        "pg_cpu_s": None if step.pg is None else step.pg.cpu_s,
        "per_core_total": step.per_core_total if step.pg is not None else None,
        "statements": None if step.pg is None else step.pg.statements,
        "transactions": None if step.pg is None else step.pg.transactions,
        "load_average": step.load_average,
    }


def _background_verdict(loaded: list[RateStep], instances: str) -> Verdict:
    target = (
        f"p99 callback -> event at counter <= {TARGET_P99_MS:g} ms at {TARGET_RATE}/s"
        f"{instances}, {BACKGROUND_DUTY:.0%} background load on the server core"
    )
    if not loaded:
        return Verdict(target, f"not run: {TARGET_RATE}/s not reached without load", False)
    step = median_step(loaded)
    took = 100 * step.background_cpu_s / step.window_s
    return Verdict(target, f"{ms(step.event.p99)} ms (neighbour took {took:.0f}%)", step.meets)


def sqlite_share(
    pg_steps: list[dict[str, float]], sqlite_steps: list[dict[str, float]]
) -> tuple[float, float, float]:
    """PostgreSQL's callbacks per core-second (servers + PostgreSQL), SQLite's at the rates
    PostgreSQL ran (all of SQLite's steps when none are shared), and their ratio; medians."""
    mine = [step["per_core_total"] for step in pg_steps]
    rates = {step["rate"] for step in pg_steps}
    common = [step["per_core"] for step in sqlite_steps if step["rate"] in rates]
    theirs = common or [step["per_core"] for step in sqlite_steps]
    if not mine or not theirs:
        return math.nan, math.nan, math.nan
    pg, sqlite = statistics.median(mine), statistics.median(theirs)
    return pg, sqlite, pg / sqlite if sqlite else math.nan


def _share_verdict(ctx: Context, plain: list[RateStep]) -> Verdict:
    target = (
        f"callbacks per core-second, servers + PostgreSQL, >= {TARGET_SQLITE_SHARE:g}x SQLite's"
    )
    earlier = ctx.earlier.get(KEY)
    sqlite_steps = [
        step
        for step in (earlier.data.get("steps", []) if earlier else [])
        if not step.get("background")
    ]
    pg_steps = [
        {"rate": step.rate, "per_core_total": step.per_core_total}
        for step in plain
        if not math.isnan(step.per_core_total) and step.pg is not None and step.pg.cpu_s
    ]
    if earlier is None or not sqlite_steps:
        return Verdict(
            target, "no SQLite B2 result to compare with (run B2 without --database)", None
        )
    if not pg_steps:
        return Verdict(target, "PostgreSQL's CPU could not be read (not on this machine)", None)
    pg, sqlite, share = sqlite_share(pg_steps, sqlite_steps)
    return Verdict(
        target,
        f"{number(pg)} against SQLite's {number(sqlite)} (B2 of {earlier.finished}): {share:.2f}x",
        share >= TARGET_SQLITE_SHARE,
    )


def _breakdown(ctx: Context, steps: list[RateStep]) -> str:
    """The PostgreSQL breakdown: where its time went, per step."""
    probed = [step for step in steps if step.pg is not None]
    rows = []
    for step in probed:
        pg = step.pg
        assert pg is not None
        seen, mean_wait, longest = pg.waits.lock_wait_summary()
        loaded = f" + {step.background:.0%} load" if step.background else ""
        rows.append(
            [
                f"{step.rate}{loaded}",
                "–" if pg.statements is None else f"{pg.statements / step.callbacks:.1f}",
                f"{pg.transactions / step.callbacks:.1f}",
                f"{pg.waits.mean_busy():.2f}",
                "<br>".join(f"{what} {share:.0%}" for what, share in pg.waits.shares(4)) or "–",
                f"{seen} / {ms(mean_wait)} / {ms(longest)}" if seen else "none seen",
                f"{1000 * step.server_cpu_s / step.callbacks:.2f}",
                "–" if pg.cpu_s is None else f"{1000 * pg.cpu_s / step.callbacks:.2f}",
            ]
        )
    # The statements of the fastest plain step that counted them (else of any step).
    counted = [step for step in probed if step.pg is not None and step.pg.statements]
    counted.sort(key=lambda step: (not step.background, step.rate))
    statements = counted[-1].pg if counted else None
    usable = len(ctx.cores.server | ctx.cores.load)
    own_core = (
        f"with {usable} usable cores it cannot have one of its own (the other is the load's)"
        if usable <= 2
        else "the servers and PostgreSQL are measured together, as the target counts them"
    )
    cores = (
        "PostgreSQL (the postmaster and every backend; new backends inherit it) is pinned to "
        f"the server core ({', '.join(map(str, sorted(ctx.cores.server)))}), beside the "
        f"servers: {own_core}."
        if ctx.cores.pinned
        else "Nothing is pinned (one usable core): servers, PostgreSQL and the load share it."
    )
    parts = [
        "### Where the PostgreSQL path spends its time",
        "",
        cores + " During each step (warm-up and measured window, until the counters have "
        "every event) the harness samples `pg_stat_activity` of the database every 10 ms from "
        "its own connection to the `postgres` database (its own backend and statements are "
        "left out of every figure):",
        "",
        "- *statements/callback*: statements PostgreSQL executed for the database per callback "
        "— each one a round trip from a server — from `pg_stat_statements` (`BEGIN`, "
        "`COMMIT`, the lock, the insert, the notify, the Dispatcher's reads, pool checks); "
        "'–' when the cluster does not preload `pg_stat_statements` "
        "(`shared_preload_libraries`).",
        "- *transactions/callback*: commits plus rollbacks from `pg_stat_database`, read "
        f"{STATS_FLUSH_S:g} s after the step since backends publish their counts at most "
        "once a second.",
        "- *busy backends*: the average number of the database's backends that were not idle "
        "in a sample; *activity*: what those backend-samples were doing — *CPU* (active, no "
        "wait event: executing or queued for the core), a wait event (`Lock:advisory` is the "
        "append lock, `LWLock`, `IO`, `Client:ClientRead` …), or *idle in transaction*: "
        "inside a transaction, waiting for the server's next statement, i.e. a round trip "
        "through a busy event loop while the transaction (and the append lock) stays open.",
        "- *append-lock waits*: waits on the advisory append lock seen by the sampler (from "
        "`pg_locks.waitstart`): how many / mean / longest seen, in ms; a wait shorter than "
        "10 ms is mostly missed, and each is a lower bound of its wait.",
        "- *server ms/callback* and *PostgreSQL ms/callback*: the CPU split — the server "
        "processes' CPU and PostgreSQL's (the postmaster, its live children and the children "
        "it reaped, read from /proc) per callback. Their sum is what the callbacks per "
        "core-second (servers + PostgreSQL) above divide by, the figure the target compares "
        "with SQLite's callbacks per server core-second (SQLite runs inside the server).",
        "",
        table(
            [
                "callbacks/s",
                "statements/callback",
                "transactions/callback",
                "busy backends",
                "activity",
                "append-lock waits",
                "server ms/callback",
                "PostgreSQL ms/callback",
            ],
            rows,
        ),
    ]
    if statements is not None and statements.top_statements:
        last = next(step for step in reversed(probed) if step.pg is statements)
        parts += [
            "",
            f"The most frequent statements at {last.rate}/s, per callback (statements that run "
            "on a timer, such as the counters' presence, are divided by the callbacks too):",
            "",
            table(
                ["per callback", "statement"],
                [
                    [f"{calls / last.callbacks:.2f}", f"`{_short(query)}`"]
                    for query, calls in statements.top_statements
                ],
            ),
        ]
    return "\n".join(parts)


def _short(query: str, limit: int = 110) -> str:
    text = query.replace("|", "\\|").replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"
