"""B4 a stalled subscriber: healthy ones keep their pace, it is dropped, memory stays bounded."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from benchmarks import plots, procfs
from benchmarks.context import Context
from benchmarks.fanout import NAIVE, NODE, ORDERBELL, Fleet, Step, available, run_step, start_fleet
from benchmarks.markdown import figure, table
from benchmarks.results import Section, Verdict
from benchmarks.stats import ms

KEY = "B4"
TITLE = "B4 a stalled subscriber among many"
STALLED = 0  # the first counter to connect stops reading
TARGET_CHANGE = 0.10
TARGET_DROP_S = 30.0
SAMPLE_S = 0.2
RCVBUF = 4096
MSS = 1460


@dataclass
class StallRun:
    """One server with and without a stalled subscriber."""

    name: str
    baseline: Step
    stalled: Step
    dropped_after_s: float | None
    rss_before_kib: int
    rss_samples_kib: list[int] = field(default_factory=list)
    hub_dropped_after_s: float | None = None

    @property
    def change(self) -> float:
        """Relative change of the healthy subscribers' last-arrival p99."""
        return self.stalled.last.p99 / self.baseline.last.p99 - 1

    @property
    def rss_growth_mib(self) -> float:
        """Largest RSS during the stall minus RSS before it."""
        return (max(self.rss_samples_kib, default=self.rss_before_kib) - self.rss_before_kib) / 1024


async def run(ctx: Context) -> Section:
    """Each server: a baseline window, then the same load with one subscriber frozen."""
    runs: list[StallRun] = []
    skipped: dict[str, str] = {}
    log_dir = ctx.scratch("b4")
    for name in (ORDERBELL, NAIVE, NODE):
        reason = available(name)
        if reason:
            skipped[name] = reason
            continue
        fleet = await start_fleet(ctx, name, ctx.profile.stall_subscribers, log_dir, mss=MSS)
        try:
            runs.append(await _stall(ctx, fleet))
        finally:
            await fleet.close()
        last = runs[-1]
        ctx.say(
            f"B4 {name}: healthy last p99 {ms(last.baseline.last.p99)} -> "
            f"{ms(last.stalled.last.p99)} ms, delivered {last.stalled.delivered}/"
            f"{last.stalled.expected}, dropped after {last.dropped_after_s}"
        )
    return _section(ctx, runs, skipped)


async def _stall(ctx: Context, fleet: Fleet) -> StallRun:
    profile = ctx.profile
    await run_step(fleet, profile.stall_rate, 2.0)  # warm-up
    baseline = await run_step(fleet, profile.stall_rate, profile.stall_baseline_s)
    rss_before = fleet.server.usage().rss_kib
    samples: list[int] = []
    stalled_process = fleet.pool.clients[STALLED % len(fleet.pool.clients)]
    began = time.monotonic()
    wall = time.time()
    answer = await stalled_process.call(
        {"cmd": "stall", "index": STALLED // len(fleet.pool.clients), "receive_buffer": RCVBUF}
    )
    closed: list[float] = []

    async def sample() -> None:
        while True:
            samples.append(fleet.server.usage().rss_kib)
            if not closed:
                state = procfs.tcp_state(fleet.server.port, answer["port"])
                if state != procfs.TCP_ESTABLISHED:
                    closed.append(time.monotonic() - began)
            await asyncio.sleep(SAMPLE_S)

    sampler = asyncio.create_task(sample())
    try:
        stalled = await run_step(
            fleet, profile.stall_rate, profile.stall_window_s, exclude=frozenset({STALLED})
        )
    finally:
        sampler.cancel()
    return StallRun(
        fleet.name,
        baseline,
        stalled,
        closed[0] if closed else None,
        rss_before,
        samples,
        hub_dropped_after_s=_logged_drop(fleet.server.log_path, wall),
    )


def _first_drop(item: StallRun) -> float | None:
    """The earliest sign the server let go of the stalled subscriber (hub log or socket)."""
    known = [t for t in (item.hub_dropped_after_s, item.dropped_after_s) if t is not None]
    return min(known) if known else None


def _drop_text(item: StallRun) -> str:
    hub = "no" if item.hub_dropped_after_s is None else f"{item.hub_dropped_after_s:.1f} s"
    sock = "never" if item.dropped_after_s is None else f"{item.dropped_after_s:.1f} s"
    return f"dropped from the hub: {hub}; socket closed: {sock} (window {WINDOW_TEXT})"


def _logged_drop(log_path: Path, since_wall: float) -> float | None:
    """When OrderBell logged dropping a counter (4408), in seconds after ``since_wall``."""
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        if "dropped (close 4408)" not in line:
            continue
        try:
            stamp = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
        except ValueError:
            continue
        if stamp >= since_wall:
            return stamp - since_wall
    return None


def _section(ctx: Context, runs: list[StallRun], skipped: dict[str, str]) -> Section:
    profile = ctx.profile
    rows = []
    for item in runs:
        for label, step in (("no stall", item.baseline), ("one stalled", item.stalled)):
            rows.append(
                [
                    item.name,
                    label,
                    f"{step.delivered:,}/{step.expected:,}",
                    *step.last.row(),
                    ms(step.each.p99),
                    str(step.publish_errors),
                ]
            )
    effects = [
        [
            item.name,
            "froze (events never delivered)"
            if math.isinf(item.change)
            else f"{100 * item.change:+.0f}%",
            "–" if item.hub_dropped_after_s is None else f"{item.hub_dropped_after_s:.1f} s",
            "never (window ended)"
            if item.dropped_after_s is None
            else f"{item.dropped_after_s:.1f} s",
            f"{item.rss_growth_mib:+.1f} MiB",
            f"{(item.rss_samples_kib[-1] - item.rss_before_kib) / 1024:+.1f} MiB"
            if item.rss_samples_kib
            else "–",
        ]
        for item in runs
    ]
    ours = next((item for item in runs if item.name == ORDERBELL), None)
    verdicts = []
    if ours is not None:
        verdicts = [
            Verdict(
                "healthy subscribers' p99 changes <= 10% with one stalled",
                f"{100 * ours.change:+.0f}% ({ms(ours.baseline.last.p99)} -> "
                f"{ms(ours.stalled.last.p99)} ms); delivered "
                f"{ours.stalled.delivered:,}/{ours.stalled.expected:,}",
                abs(ours.change) <= TARGET_CHANGE and ours.stalled.complete,
            ),
            Verdict(
                f"stalled subscriber dropped within {TARGET_DROP_S:g} s",
                _drop_text(ours),
                _first_drop(ours) is not None and (_first_drop(ours) or 0) <= TARGET_DROP_S,
            ),
            Verdict(
                "the dropped subscriber's socket is closed (its buffers freed)",
                "never (window ended)"
                if ours.dropped_after_s is None
                else f"after {ours.dropped_after_s:.1f} s",
                ours.dropped_after_s is not None,
            ),
            Verdict(
                "server memory bounded during the stall",
                f"{ours.rss_growth_mib:+.1f} MiB at most",
                ours.rss_growth_mib < 64,
            ),
        ]
    series = {}
    for item in runs:
        step = item.stalled
        xs = [(seq - step.first_seq) / profile.stall_rate for seq in sorted(step.last_by_seq)]
        ys = [step.last_by_seq[seq] / 1e6 for seq in sorted(step.last_by_seq)]
        series[item.name] = (xs, ys)
    marks = {f"{item.name} dropped": item.dropped_after_s for item in runs if item.dropped_after_s}
    plot = plots.timeline(
        ctx.plots_dir / "b4_stall.png",
        "B4 one subscriber stops reading at t=0",
        series,
        marks={label: value for label, value in marks.items() if value is not None},
    )
    subscribers = profile.stall_subscribers
    text = [
        f"{subscribers:,} subscribers of one shop receive {profile.stall_rate} events/s "
        f"({profile.stall_rate * subscribers:,} messages/s), first {profile.stall_baseline_s:g} s "
        f"with everyone reading, then {profile.stall_window_s:g} s in which the first counter "
        "to have connected stops reading (its socket stays open, like a frozen PC; the kernel "
        "buffers fill). Latency is that of the last *healthy* subscriber to get each event "
        "(the two windows are equally long, so their p99s rest on as many events); "
        "the stalled one is excluded from the expected count. Its receive buffer is cut to "
        f"{RCVBUF} bytes as it stops, so the server side fills in seconds (with default loopback "
        "buffers a few MB would be absorbed first). *Dropped from the hub* is OrderBell's own log "
        "line (close 4408); *socket closed* is when the server's socket left ESTABLISHED "
        "(`/proc/net/tcp`). "
        "Same servers and settings as B3 (OrderBell = real `/ws` route and Hub behind a raw "
        f"publish trigger). OrderBell's limits: queue {512} events, send timeout 10 s "
        "(defaults of `ORDERBELL_WS_QUEUE_LIMIT`, `ORDERBELL_WS_SEND_TIMEOUT_S`).",
        "",
        table(
            [
                "server",
                "window",
                "healthy delivered/expected",
                "last p50 ms",
                "last p99 ms",
                "last p99.9 ms",
                "last max ms",
                "each p99 ms",
                "publish errors",
            ],
            rows,
        ),
        "",
        table(
            [
                "server",
                "healthy p99 change",
                "dropped from the hub (log)",
                "its socket closed after",
                "max RSS growth",
                "RSS growth at end",
            ],
            effects,
        ),
        "",
        figure(plot, "B4 latency while one subscriber is stalled"),
    ]
    for name, reason in skipped.items():
        text.append(f"\n{name} was not run: {reason}.")
    data = {
        item.name: {
            "baseline_p99_ms": item.baseline.last.p99,
            "stalled_p99_ms": item.stalled.last.p99,
            "delivered": item.stalled.delivered,
            "expected": item.stalled.expected,
            "dropped_after_s": item.dropped_after_s,
            "rss_growth_mib": item.rss_growth_mib,
        }
        for item in runs
    }
    return Section(KEY, TITLE, profile.name, "\n".join(text), verdicts, data)


WINDOW_TEXT = "as long as the stall window"
