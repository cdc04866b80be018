"""B3 fan-out: one shop with many subscribers; messages per server core and last-subscriber p99."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

from benchmarks import plots
from benchmarks.context import Context
from benchmarks.fanout import (
    NODE,
    ORDERBELL,
    RAW,
    SERVERS,
    Step,
    available,
    pooled,
    run_step,
    start_fleet,
)
from benchmarks.markdown import figure, number, ratio, table
from benchmarks.profiles import Profile
from benchmarks.results import Section, Verdict
from benchmarks.stats import ms

KEY = "B3"
TITLE = "B3 fan-out: one shop, many subscribers"
SATURATED_P99_MS = 1_000.0
# Discarded traffic on a freshly started server, at a rate every server sustains: the first
# windows after connecting ran ~10% slower than later ones (see B4).
WARMUP_S = 10.0
WARMUP_RATE = 20


async def run(ctx: Context) -> Section:
    """Run every server through the same rate steps, the servers taking turns.

    Each repetition starts every server afresh and runs it through the rates, one server after
    the other, in an order that rotates from one repetition to the next; so slow changes of a
    shared machine, and going first or last, fall on every server alike.
    """
    profile = ctx.profile
    log_dir = ctx.scratch("b3")
    steps: dict[str, list[Step]] = {}
    skipped: dict[str, str] = {}
    for name in SERVERS:
        reason = available(name)
        if reason:
            skipped[name] = reason
        else:
            steps[name] = []
    names = list(steps)
    for repetition in range(1, profile.fanout_repeats + 1):
        shift = (repetition - 1) % max(1, len(names))
        for name in names[shift:] + names[:shift]:
            runs = steps[name]
            ctx.say(
                f"B3 {name} (repetition {repetition}): connecting "
                f"{profile.fanout_subscribers} subscribers"
            )
            runs.extend(await _rates(ctx, name, log_dir))
    for runs in steps.values():
        runs.sort(key=lambda step: step.rate)  # stable: repetitions stay in order
    return _section(ctx, steps, skipped)


async def _rates(ctx: Context, name: str, log_dir: Path) -> list[Step]:
    """One fresh server through the rates, up to the first it cannot sustain."""
    profile = ctx.profile
    fleet = await start_fleet(ctx, name, profile.fanout_subscribers, log_dir)
    runs: list[Step] = []
    try:
        await run_step(fleet, WARMUP_RATE, WARMUP_S)  # warm-up, discarded
        for rate in profile.fanout_rates:
            step = await run_step(fleet, rate, window_s(profile, rate))
            runs.append(step)
            ctx.say(
                f"B3 {name} {rate} ev/s: {step.delivered}/{step.expected} delivered, "
                f"{step.per_core:,.0f} msgs/core-s, last p99 {ms(step.last.p99)} ms"
            )
            if step.last.p99 > SATURATED_P99_MS:
                break
    finally:
        await fleet.close()
    return runs


def window_s(profile: Profile, rate: int) -> float:
    """How long a step at ``rate`` lasts: the profile's window, longer if it had too few events."""
    return max(profile.fanout_window_s, profile.fanout_min_events / rate)


def pools_by_rate(steps: list[Step]) -> dict[int, Step]:
    """Per rate run, every repetition as one window: its p99 is over all their events."""
    by_rate: dict[int, list[Step]] = {}
    for step in steps:
        by_rate.setdefault(step.rate, []).append(step)
    return {rate: pooled(at_rate) for rate, at_rate in sorted(by_rate.items())}


def _sustained(step: Step | None) -> bool:
    return step is not None and step.complete and step.last.p99 < SATURATED_P99_MS


def _section(ctx: Context, steps: dict[str, list[Step]], skipped: dict[str, str]) -> Section:
    profile = ctx.profile
    rates = list(profile.fanout_rates)
    rows = []
    for name, runs in steps.items():
        for step in runs:
            rows.append(
                [
                    name,
                    str(step.rate),
                    f"{step.delivered:,}/{step.expected:,}",
                    number(step.throughput),
                    f"{100 * step.server_cpu_s / step.elapsed_s:.0f}%",
                    f"{100 * step.load_cpu_s / step.elapsed_s:.0f}%",
                    f"**{number(step.per_core)}**",
                    *step.last.row(),
                    ms(step.each.p99),
                ]
            )
    pools = {name: pools_by_rate(runs) for name, runs in steps.items()}
    ours = pools.get(ORDERBELL, {})
    compare_rows, per_core_ratios, latency_ratios = _compare(ours, pools.get(NODE, {}), rates)
    limit_rows, limit_ratios, _ = _compare(ours, pools.get(RAW, {}), rates)
    core_ratio = statistics.median(per_core_ratios) if per_core_ratios else math.nan
    lat_ratio = max(latency_ratios) if latency_ratios else math.nan
    limit_ratio = statistics.median(limit_ratios) if limit_ratios else math.nan
    verdicts = [
        Verdict(
            "messages/s per server core >= 0.8x Node ws",
            ratio(core_ratio),
            None if math.isnan(core_ratio) else core_ratio >= 0.8,
        ),
        Verdict(
            "p99 last-subscriber latency <= 1.2x Node ws",
            f"{ratio(lat_ratio)} (worst sustained rate)",
            None if math.isnan(lat_ratio) else lat_ratio <= 1.2,
        ),
        Verdict(
            "messages/s per server core >= 0.7x the raw uvloop limit",
            ratio(limit_ratio),
            None if math.isnan(limit_ratio) else limit_ratio >= 0.7,
        ),
    ]
    plot_core = plots.grouped_bars(
        ctx.plots_dir / "b3_per_core.png",
        "B3 delivered messages per second of server CPU (repetitions pooled)",
        "messages / CPU-second",
        [f"{rate} ev/s" for rate in rates],
        {
            name: [by_rate.get(rate, _nan_step()).per_core for rate in rates]
            for name, by_rate in pools.items()
        },
    )
    plot_latency = plots.lines(
        ctx.plots_dir / "b3_last_p99.png",
        "B3 last-subscriber latency, p99 (repetitions pooled)",
        "events per second (x subscribers = messages/s)",
        "ms (log)",
        {
            name: (list(by_rate), [pool.last.p99 for pool in by_rate.values()])
            for name, by_rate in pools.items()
        },
        log=True,
    )
    subscribers = profile.fanout_subscribers
    text = [
        f"{subscribers:,} subscribers of one shop; each event is a real wire-protocol frame "
        f"({_frame_size()} bytes) published by `POST /publish` open loop at the given rate for "
        f"{profile.fanout_window_s:g} s, or longer to send at least {profile.fanout_min_events} "
        "events; every subscriber times every event from its intended "
        f"send time. {profile.fanout_repeats} repetitions, the servers taking turns in an order "
        "that rotates: each repetition starts each server afresh, sends "
        f"{WARMUP_RATE} events/s for {WARMUP_S:g} s (discarded), then runs it through the rates "
        f"up to the first it cannot sustain (p99 over {SATURATED_P99_MS / 1000:g} s), so a "
        "shared machine's slow changes fall on all servers alike. **OrderBell here is "
        "`benchmarks/fanout_app.py`**: the real app, `/ws/{sid}` route, device-token auth, "
        "Hub writing each frame straight to the sockets, served by "
        "`backend.server.make_server` (`CounterProtocol` on uvloop, no permessage-deflate); "
        "only the trigger is a raw publish straight into `Hub.publish` instead of the event "
        "log. The naive peer runs on the same uvicorn settings; Node `ws` "
        "with `perMessageDeflate: false`; the raw uvloop broadcaster is the limit (what "
        "writing one frame to N transports costs with nothing else).",
        "",
        "*msgs/core-s* = delivered messages / server CPU seconds (user+system, all threads) — "
        "the throughput one fully busy core would give. *load CPU* = the load clients' and the "
        "harness's CPU (they share the load core; the clients run on uvloop), as a share of "
        "one core: near 100% they would queue frames themselves and the latencies would "
        "measure them as much as the server. *last* = when the last of the subscribers got "
        "the event.",
        "",
        table(
            [
                "server",
                "events/s",
                "delivered/expected",
                "msgs/s",
                "server CPU",
                "load CPU",
                "msgs/core-s",
                "last p50 ms",
                "last p99 ms",
                "last p99.9 ms",
                "last max ms",
                "each p99 ms",
            ],
            rows,
        ),
        "",
        "OrderBell against Node `ws`, each rate's repetitions pooled (events together, CPU "
        "together), so a p99 is taken over every event sent at that rate:",
        "",
        _compare_table("Node", compare_rows),
        "",
        "OrderBell against the raw limit (`benchmarks/peers/raw_uvloop.py`: one pre-encoded "
        "frame written to every subscriber's transport, no framework, no authentication, no "
        "per-shop routing), pooled the same way:",
        "",
        _compare_table("limit", limit_rows),
        "",
        figure(plot_core, "B3 messages per core"),
        figure(plot_latency, "B3 last-subscriber p99"),
    ]
    for name, reason in skipped.items():
        text.append(f"\n{name} was not run: {reason}.")
    data = {
        name: [
            {
                "rate": s.rate,
                "delivered": s.delivered,
                "expected": s.expected,
                "per_core": s.per_core,
                "throughput": s.throughput,
                "server_cpu_s": s.server_cpu_s,
                "load_cpu_s": s.load_cpu_s,
                "elapsed_s": s.elapsed_s,
                "last_p99_ms": s.last.p99,
                "each_p99_ms": s.each.p99,
            }
            for s in runs
        ]
        for name, runs in steps.items()
    }
    return Section(KEY, TITLE, profile.name, "\n".join(text), verdicts, data)


def _compare(
    ours: dict[int, Step], theirs: dict[int, Step], rates: list[int]
) -> tuple[list[list[str]], list[float], list[float]]:
    """Per rate both ran: a table row; and the per-core and p99 ratios where both sustained."""
    rows = []
    per_core_ratios = []
    latency_ratios = []
    for rate in rates:
        mine, other = ours.get(rate), theirs.get(rate)
        if mine is None or other is None:
            continue
        core_ratio = mine.per_core / other.per_core
        lat_ratio = mine.last.p99 / other.last.p99
        both = _sustained(mine) and _sustained(other)
        if both:
            per_core_ratios.append(core_ratio)
            latency_ratios.append(lat_ratio)
        rows.append(
            [
                str(rate),
                f"{mine.last.count:,} / {other.last.count:,}",
                f"{number(mine.per_core)} / {number(other.per_core)}",
                ratio(core_ratio),
                f"{ms(mine.last.p99)} / {ms(other.last.p99)}",
                ratio(lat_ratio),
                "yes" if both else "no (one saturated)",
            ]
        )
    return rows, per_core_ratios, latency_ratios


def _compare_table(other: str, rows: list[list[str]]) -> str:
    return table(
        [
            "events/s",
            f"events (OrderBell / {other})",
            "msgs/core-s",
            "ratio",
            "last p99 ms",
            "ratio",
            "both sustained",
        ],
        rows,
    )


def _frame_size() -> int:
    from benchmarks.marker import fanout_frame

    return len(fanout_frame(1, 1, 0).encode())


def _nan_step() -> Step:
    from benchmarks.stats import EMPTY

    return Step(0, 0, 0, 0, 0.0, 0.0, 0.0, 0, EMPTY, EMPTY, 0, 0)
