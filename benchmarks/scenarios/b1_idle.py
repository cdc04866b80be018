"""B1 idle connections: server memory per authenticated counter, and handshakes per second."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import plots
from benchmarks.clients import ClientPool
from benchmarks.context import Context
from benchmarks.fanout import NAIVE, NODE, ORDERBELL, available
from benchmarks.markdown import figure, number, ratio, table
from benchmarks.results import Section, Verdict
from benchmarks.seeding import CAPS, add_tokens, prepare
from benchmarks.servers import (
    HOST,
    Server,
    free_port,
    launch,
    naive_command,
    node_command,
    orderbell_command,
)
from benchmarks.stats import Latency, ms, summarize_ns

KEY = "B1"
TITLE = "B1 idle connections: memory per counter and handshake rate"
WARMUP_CONNECTIONS = 50
CONCURRENCY = 256
CLIENT_PROCESSES = 4
TARGET_KIB = 20.0
TARGET_HANDSHAKES = 2_000.0


@dataclass
class Level:
    """The server holding ``connections`` idle counters."""

    connections: int
    opened: int
    failed: int
    handshakes_per_s: float
    handshake: Latency
    rss_kib: int
    per_connection_kib: float
    idle_cpu_percent: float


async def run(ctx: Context) -> Section:
    """Each server: warm up, then grow to each size and measure."""
    levels: dict[str, list[Level]] = {}
    skipped: dict[str, str] = {}
    log_dir = ctx.scratch("b1")
    for name in (ORDERBELL, NODE, NAIVE):
        reason = available(name)
        if reason:
            skipped[name] = reason
            continue
        levels[name] = await _measure(ctx, name, log_dir)
    return _section(ctx, levels, skipped)


async def _start(
    ctx: Context, name: str, total: int, log_dir: Path
) -> tuple[Server, list[str | None]]:
    port = free_port()
    if name == ORDERBELL:
        deployment = await prepare(ctx.scratch("b1-orderbell"))
        # Two counters per shop, every counter with its own device token.
        tokens: list[str | None] = list(
            await add_tokens(deployment, [1 + i // 2 for i in range(total)])
        )
        server = await launch(
            name,
            orderbell_command(deployment.env_file, port),
            port=port,
            cores=ctx.cores,
            log_path=log_dir / "orderbell.log",
            env=deployment.env(),
        )
        return server, tokens
    argv = node_command(port) if name == NODE else naive_command(port)
    # The naive peer is served by OrderBell's server configuration, connection cap included.
    server = await launch(
        name, argv, port=port, cores=ctx.cores, log_path=log_dir / f"{name}.log", env=CAPS
    )
    return server, [None] * total


async def _measure(ctx: Context, name: str, log_dir: Path) -> list[Level]:
    sizes = ctx.profile.idle_sizes
    total = WARMUP_CONNECTIONS + sizes[-1]
    server, tokens = await _start(ctx, name, total, log_dir)
    pool = await ClientPool.start(HOST, server.port, CLIENT_PROCESSES, ctx.cores)
    conns = [{"path": f"/ws/c{index}", "token": token} for index, token in enumerate(tokens)]
    levels = []
    try:
        await pool.open(conns[:WARMUP_CONNECTIONS], concurrency=CLIENT_PROCESSES, mode="count")
        await asyncio.sleep(ctx.profile.idle_settle_s)
        base_rss = server.usage().rss_kib
        done = WARMUP_CONNECTIONS
        for size in sizes:
            batch = conns[done : WARMUP_CONNECTIONS + size]
            began = time.monotonic()
            answers = await pool.open(batch, concurrency=CONCURRENCY, mode="count")
            elapsed = time.monotonic() - began
            done = WARMUP_CONNECTIONS + size
            opened = sum(answer["opened"] for answer in answers)
            failed = sum(answer["failed"] for answer in answers)
            handshakes = [value for answer in answers for value in answer["handshake_ns"]]
            await asyncio.sleep(ctx.profile.idle_settle_s)
            before = server.usage()
            await asyncio.sleep(ctx.profile.idle_settle_s)
            after = server.usage()
            idle_cpu = 100 * (after.cpu_s - before.cpu_s) / ctx.profile.idle_settle_s
            counted = await pool.broadcast({"cmd": "count"})
            still_open = sum(answer["open"] for answer in counted) - WARMUP_CONNECTIONS
            levels.append(
                Level(
                    connections=size,
                    opened=still_open,
                    failed=failed,
                    handshakes_per_s=opened / elapsed if elapsed else math.nan,
                    handshake=summarize_ns(handshakes),
                    rss_kib=after.rss_kib,
                    per_connection_kib=(after.rss_kib - base_rss) / size,
                    idle_cpu_percent=idle_cpu,
                )
            )
            ctx.say(
                f"B1 {name} {size}: {still_open} open, {failed} failed, "
                f"{levels[-1].handshakes_per_s:,.0f} handshakes/s, "
                f"{levels[-1].per_connection_kib:.1f} KiB/conn"
            )
    finally:
        await pool.close()
        await server.stop()
    return levels


CLIENT_BOUND_SHARE = 0.8  # a rate this close to the clients' best may be the clients' limit


def client_note(levels: dict[str, list[Level]]) -> str:
    """What the run shows of the load clients' own ceiling, and whose rates it may have capped.

    The clients opened connections at least as fast as the fastest server took them, so a
    server well under that rate was not held back by them; one near it may have been.
    """
    rates = {
        (name, level.connections): level.handshakes_per_s
        for name, runs in levels.items()
        for level in runs
        if not math.isnan(level.handshakes_per_s)
    }
    if not rates:
        return "No handshake rate was measured."
    (fastest, size), best = max(rates.items(), key=lambda item: item[1])
    capped = sorted(
        f"{name} at {connections:,}"
        for (name, connections), rate in rates.items()
        if rate >= CLIENT_BOUND_SHARE * best
    )
    return (
        f"The same {CLIENT_PROCESSES} load-client processes opened {number(best)} handshakes/s "
        f"against {fastest} at {size:,} counters, so they can drive at least that rate; a rate "
        f"under {CLIENT_BOUND_SHARE:.0%} of it is the server's own limit. Within "
        f"{CLIENT_BOUND_SHARE:.0%} of it, and so possibly held back by the clients: "
        f"{', '.join(capped)}."
    )


def _section(ctx: Context, levels: dict[str, list[Level]], skipped: dict[str, str]) -> Section:
    rows = []
    for name, runs in levels.items():
        for level in runs:
            rows.append(
                [
                    name,
                    f"{level.connections:,}",
                    f"{level.opened:,}" + (f" ({level.failed} failed)" if level.failed else ""),
                    f"**{level.per_connection_kib:.1f}**",
                    number(level.rss_kib / 1024, 1),
                    f"**{number(level.handshakes_per_s)}**",
                    ms(level.handshake.p50),
                    ms(level.handshake.p99),
                    ms(level.handshake.max),
                    f"{level.idle_cpu_percent:.1f}%",
                ]
            )
    ours = levels.get(ORDERBELL, [])
    node = {level.connections: level for level in levels.get(NODE, [])}
    largest = ours[-1] if ours else None
    worst_kib = max((level.per_connection_kib for level in ours), default=math.nan)
    slowest = min((level.handshakes_per_s for level in ours), default=math.nan)
    complete = all(level.opened == level.connections and not level.failed for level in ours)
    compare = []
    for level in ours:
        peer = node.get(level.connections)
        if peer is not None:
            compare.append(
                [
                    f"{level.connections:,}",
                    ratio(level.per_connection_kib / peer.per_connection_kib),
                    ratio(level.handshakes_per_s / peer.handshakes_per_s),
                ]
            )
    verdicts = [
        Verdict(
            f"server memory <= {TARGET_KIB:g} KiB per idle counter",
            f"{worst_kib:.1f} KiB (worst size)",
            None if math.isnan(worst_kib) else worst_kib <= TARGET_KIB,
        ),
        Verdict(
            f"handshakes >= {TARGET_HANDSHAKES:,.0f}/s (authenticated)",
            f"{slowest:,.0f}/s (slowest size)",
            None if math.isnan(slowest) else slowest >= TARGET_HANDSHAKES,
        ),
        Verdict(
            f"all {largest.connections if largest else 0:,} counters connected and held",
            "yes" if complete else "no",
            None if largest is None else complete,
        ),
    ]
    sizes = [f"{size:,}" for size in ctx.profile.idle_sizes]
    plot_mem = plots.grouped_bars(
        ctx.plots_dir / "b1_memory.png",
        "B1 server memory per idle connection",
        "KiB per connection",
        sizes,
        {name: [level.per_connection_kib for level in runs] for name, runs in levels.items()},
    )
    plot_rate = plots.grouped_bars(
        ctx.plots_dir / "b1_handshakes.png",
        "B1 handshakes per second",
        "handshakes / s",
        sizes,
        {name: [level.handshakes_per_s for level in runs] for name, runs in levels.items()},
    )
    text = [
        "Counters connect in growing batches (warm-up of "
        f"{WARMUP_CONNECTIONS}, then to each size) from {CLIENT_PROCESSES} client processes with "
        f"{CONCURRENCY} handshakes in flight; then they sit idle. **OrderBell is the production "
        "server** (`orderbell-server serve`, SQLite): every counter has its own device token, "
        "sent as `Authorization: Bearer`, checked against the database on each handshake "
        "(the first use of a token also records `last_seen_at`, a write). The peers accept "
        "anyone. Memory per connection = (RSS at the size - RSS after warm-up) / size. Idle "
        "CPU is measured over "
        f"{ctx.profile.idle_settle_s:g} s with everyone connected. The load clients (Python, "
        "on the other core) are the same for every server. "
        + client_note(levels)
        + " V8 reserves heap up front, so Node's per-connection figure from RSS differences is "
        "a lower bound.",
        "",
        table(
            [
                "server",
                "counters",
                "held open",
                "KiB/conn",
                "RSS MiB",
                "handshakes/s",
                "handshake p50 ms",
                "p99 ms",
                "max ms",
                "idle CPU",
            ],
            rows,
        ),
        "",
        "OrderBell / Node `ws` (memory: lower is better; handshakes: higher is better):",
        "",
        table(["counters", "KiB/conn ratio", "handshakes/s ratio"], compare),
        "",
        figure(plot_mem, "B1 memory per connection"),
        figure(plot_rate, "B1 handshakes per second"),
    ]
    for name, reason in skipped.items():
        text.append(f"\n{name} was not run: {reason}.")
    data = {
        name: [
            {
                "connections": level.connections,
                "per_connection_kib": level.per_connection_kib,
                "handshakes_per_s": level.handshakes_per_s,
                "rss_kib": level.rss_kib,
            }
            for level in runs
        ]
        for name, runs in levels.items()
    }
    return Section(KEY, TITLE, ctx.profile.name, "\n".join(text), verdicts, data)
