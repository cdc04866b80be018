"""B4 a stalled subscriber: healthy ones keep their pace, it is dropped, memory stays bounded."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

from backend.settings import Settings
from benchmarks import plots, procfs
from benchmarks.context import Context
from benchmarks.fanout import (
    NAIVE,
    NODE,
    ORDERBELL,
    Fleet,
    Step,
    available,
    pooled,
    run_step,
    start_fleet,
)
from benchmarks.markdown import figure, table
from benchmarks.results import Section, Verdict
from benchmarks.stats import ms

KEY = "B4"
TITLE = "B4 a stalled subscriber among many"
STALLED = 0  # the first counter to connect stops reading
TARGET_CHANGE = 0.10
TARGET_DROP_S = 30.0
SAMPLE_S = 0.2
# The first windows after connecting ran ~10% slower than later ones on every server.
WARMUP_S = 15.0
# After the stalled PC is switched off, discarded: what a server still owes from the stall
# (queued publishes, late frames) must not count as the no-stall baseline.
SETTLE_S = 5.0
RCVBUF = 4096
MSS = 1460


@dataclass(frozen=True)
class Drop:
    """When and why the server said it let go of a counter (its own log line)."""

    after_s: float
    reason: str


@dataclass
class StallRun:
    """One server without a stalled subscriber, with one, and without again."""

    name: str
    before: Step
    stalled: Step
    after: Step
    dropped_after_s: float | None
    rss_before_kib: int
    rss_samples_kib: list[int] = field(default_factory=list)
    server_drop: Drop | None = None

    @cached_property
    def baseline(self) -> Step:
        """The windows without a stall, before and after it, as one."""
        return pooled([self.before, self.after])

    @property
    def change(self) -> float:
        """Relative change of the healthy subscribers' last-arrival p99."""
        return self.stalled.last.p99 / self.baseline.last.p99 - 1

    @property
    def drift(self) -> float:
        """How far the two windows without a stall differ: the noise the change is read against."""
        return self.after.last.p99 / self.before.last.p99 - 1

    @property
    def rss_growth_mib(self) -> float:
        """Largest RSS during the stall minus RSS before it."""
        return (max(self.rss_samples_kib, default=self.rss_before_kib) - self.rss_before_kib) / 1024


async def run(ctx: Context) -> Section:
    """Each server: a window without a stall, one with a subscriber frozen, one without again."""
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
    half = profile.stall_baseline_s / 2
    await run_step(fleet, profile.stall_rate, WARMUP_S)
    before = await run_step(fleet, profile.stall_rate, half)
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
    gone = frozenset({STALLED})
    try:
        stalled = await run_step(fleet, profile.stall_rate, profile.stall_window_s, exclude=gone)
    finally:
        sampler.cancel()
    # The frozen PC is switched off, so the last window has no stalled subscriber on any server
    # (a server that never dropped it would otherwise still carry it).
    await stalled_process.call({"cmd": "end_stall"})
    await run_step(fleet, profile.stall_rate, SETTLE_S, exclude=gone)
    after = await run_step(fleet, profile.stall_rate, half, exclude=gone)
    return StallRun(
        fleet.name,
        before,
        stalled,
        after,
        closed[0] if closed else None,
        rss_before,
        samples,
        server_drop=logged_drop(fleet.server.log_path, wall),
    )


def _first_drop(item: StallRun) -> float | None:
    """The earliest sign the server let go of the stalled subscriber (its log or the socket)."""
    logged = item.server_drop.after_s if item.server_drop is not None else None
    known = [t for t in (logged, item.dropped_after_s) if t is not None]
    return min(known) if known else None


def _logged_text(drop: Drop | None) -> str:
    return "–" if drop is None else f"{drop.after_s:.1f} s ({drop.reason})"


def _drop_text(item: StallRun) -> str:
    sock = "never" if item.dropped_after_s is None else f"{item.dropped_after_s:.1f} s"
    return (
        f"server log: {_logged_text(item.server_drop)}; socket closed: {sock} "
        f"(window {WINDOW_TEXT})"
    )


DROP_LINES = {  # OrderBell's log lines for letting go of a counter, and what they mean
    "took nothing for": "its socket took nothing: close 4408",
    "events behind: dropped": "its queue filled: close 4408",
    "stopped reading: dropped": "its backlog stalled: close 4408",
    "did not answer a keepalive ping": "keepalive ping unanswered: aborted",
}


def logged_drop(log_path: Path, since_wall: float) -> Drop | None:
    """When the server logged letting go of a counter, in seconds after ``since_wall``."""
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        reason = next((why for text, why in DROP_LINES.items() if text in line), None)
        if reason is None:
            continue
        try:
            stamp = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
        except ValueError:
            continue
        if stamp >= since_wall:
            return Drop(stamp - since_wall, reason)
    return None


def _section(ctx: Context, runs: list[StallRun], skipped: dict[str, str]) -> Section:
    profile = ctx.profile
    rows = []
    for item in runs:
        windows = (
            ("no stall, before", item.before),
            ("one stalled", item.stalled),
            ("no stall, after", item.after),
            ("no stall, both", item.baseline),
        )
        for label, step in windows:
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
            f"{100 * item.drift:+.0f}%",
            _logged_text(item.server_drop),
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
                f"{ms(ours.stalled.last.p99)} ms; the two windows without a stall differ by "
                f"{100 * ours.drift:+.0f}%); delivered "
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
    half = profile.stall_baseline_s / 2
    limits = Settings()
    text = [
        f"{subscribers:,} subscribers of one shop receive {profile.stall_rate} events/s "
        f"({profile.stall_rate * subscribers:,} messages/s) after {WARMUP_S:g} s of warm-up: "
        f"{half:g} s with everyone reading, then {profile.stall_window_s:g} s in which the "
        "first counter to have connected stops reading (its socket stays open, like a frozen "
        f"PC), then that PC is switched off (its connection aborted) and, after {SETTLE_S:g} s "
        f"discarded, {half:g} s more with everyone left reading. The two windows without a "
        "stall, one before and one after, together are the baseline: as long as the stall "
        "window (so both p99s rest on as many events) and on both sides of it (a machine that "
        "drifts, or a first window that is still warming up, weighs on neither side alone). "
        "*Before -> after* compares the two windows without a stall with each other: how much "
        "this p99 moves with no cause at all on this machine, the resolution against which the "
        "change is read (each of the two is half as long as the stall window, so it is itself a "
        "little noisier). Latency is that of the last *healthy* subscriber to get each event; "
        "the stalled one is excluded from the expected count. Its receive buffer is cut to "
        f"{RCVBUF} bytes as it stops. *Server log* is OrderBell's own line for letting go of it "
        "(the peers' logs are not read): OrderBell pings every "
        f"{limits.ws_ping_interval_s:g} s and aborts a peer that has not answered within as "
        "long again (`ORDERBELL_WS_PING_INTERVAL_S`; the naive peer runs on OrderBell's uvicorn "
        "settings, so the same keepalive lets go of it there), and drops one whose queue "
        f"reaches {limits.ws_queue_limit} events or whose socket takes nothing for "
        f"{limits.ws_send_timeout_s:g} s (close 4408; `ORDERBELL_WS_QUEUE_LIMIT`, "
        "`ORDERBELL_WS_SEND_TIMEOUT_S`); the column says which came first. *Socket closed* is "
        "when the server's socket left ESTABLISHED (`/proc/net/tcp`). Same servers and "
        "settings as B3 (OrderBell = real `/ws` route and Hub behind a raw publish trigger).",
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
                "before -> after (no stall in either)",
                "server log",
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
            "before_p99_ms": item.before.last.p99,
            "after_p99_ms": item.after.last.p99,
            "server_log_drop": None
            if item.server_drop is None
            else {"after_s": item.server_drop.after_s, "reason": item.server_drop.reason},
            "stalled_p99_ms": item.stalled.last.p99,
            "delivered": item.stalled.delivered,
            "expected": item.stalled.expected,
            "drift": item.drift,
            "dropped_after_s": item.dropped_after_s,
            "rss_growth_mib": item.rss_growth_mib,
        }
        for item in runs
    }
    return Section(KEY, TITLE, profile.name, "\n".join(text), verdicts, data)


WINDOW_TEXT = "as long as the stall window"
