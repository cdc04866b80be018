"""D1 the counter app: cold start to tray ready, idle cost, and event -> card -> speech."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from benchmarks import procfs
from benchmarks.context import Context
from benchmarks.desktop_keyring import ENV as KEYRING_ENV
from benchmarks.desktop_keyring import FileKeyring
from benchmarks.machine import Cores
from benchmarks.markdown import table
from benchmarks.results import Section, Verdict
from benchmarks.seeding import add_tokens, prepare
from benchmarks.servers import HOST, free_port, launch, orderbell_command
from desktop.config import DesktopSettings, SettingsStore

KEY = "D1"
TITLE = "D1 the counter app"
ROOT = Path(__file__).resolve().parents[2]
FROZEN = ROOT / "dist" / "OrderBell" / "OrderBell"
READY_LINE = " started"
START_TIMEOUT_S = 30.0
TARGET_START_S = 1.5
TARGET_RSS_MB = 150.0
TARGET_CPU = 1.0
TARGET_CARD_MS = 100.0
TARGET_SPEECH_MS = 500.0
TARGET_STALL_MS = 100.0


@dataclass
class Starts:
    """Cold starts of one build."""

    build: str
    seconds: list[float] = field(default_factory=list)
    note: str = ""


async def run(ctx: Context) -> Section:
    """Start the app a few times, let it idle, then time alerts with the in-process probe."""
    profile = ctx.profile
    # The app gets the server core to itself; its backend runs with the load.
    cores = Cores(server=ctx.cores.load, load=ctx.cores.server) if ctx.cores.pinned else ctx.cores
    deployment = await prepare(ctx.scratch("d1"))
    tokens = await add_tokens(deployment, [1, 1])
    port = free_port()
    server = await launch(
        "OrderBell",
        orderbell_command(deployment.env_file, port),
        port=port,
        cores=cores,
        log_path=deployment.directory / "server.log",
        env=deployment.env(),
    )
    url = f"http://{HOST}:{port}"
    try:
        source = Starts("from source (`python -m desktop`)")
        idle: tuple[float, float] | None = None
        for attempt in range(profile.desktop_starts):
            last = attempt == profile.desktop_starts - 1
            seconds, measured = await _cold_start(
                ctx,
                [sys.executable, "-m", "desktop"],
                url,
                tokens[0],
                idle_s=profile.desktop_idle_s if last else 0,
            )
            source.seconds.append(seconds)
            idle = measured or idle
        frozen = Starts("frozen (`dist/OrderBell/OrderBell`)")
        if FROZEN.exists():
            frozen.note = (
                "first run: no token (the benchmark's file keyring cannot be loaded into the "
                "frozen app), so the settings dialog opens too"
            )
            for _ in range(profile.desktop_starts):
                seconds, _ = await _cold_start(ctx, [str(FROZEN)], url, None, idle_s=0)
                frozen.seconds.append(seconds)
        else:
            frozen.note = "not built (no dist/OrderBell)"
        alerts = await _probe(
            ctx, url, tokens[1], deployment.directory / "kit", deployment.database_url
        )
    finally:
        await server.stop()
    return _section(ctx, source, frozen, idle, alerts)


async def _cold_start(
    ctx: Context, argv: list[str], url: str, token: str | None, *, idle_s: float
) -> tuple[float, tuple[float, float] | None]:
    """Seconds from spawn to the app's "started" log line; with idle_s, (RSS MB, CPU %) idle."""
    home = ctx.scratch("d1-home")
    config = home / ".config" / "OrderBell"
    keyring_file = home / "keyring.json"
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "TMPDIR": str(home),
        "QT_QPA_PLATFORM": "offscreen",
    }
    store = SettingsStore(config, FileKeyring())
    store.save(DesktopSettings(server_url=url))
    if token is not None:
        # The app from source reads the token through the benchmark's file keyring (this
        # machine has no system keyring); a frozen app cannot import it and starts without one.
        env["PYTHON_KEYRING_BACKEND"] = "benchmarks.desktop_keyring.FileKeyring"
        env[KEYRING_ENV] = str(keyring_file)
        os.environ[KEYRING_ENV] = str(keyring_file)
        store.save_token(token, url)
    log_file = home / ".local" / "state" / "OrderBell" / "log" / "orderbell.log"
    began = time.time()
    process = await asyncio.create_subprocess_exec(
        *ctx.cores.server_prefix(),
        *argv,
        env=env,
        cwd=ROOT,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        ready = await _ready_at(log_file, process)
        measured = None
        if idle_s:
            await asyncio.sleep(5.0)
            before = procfs.usage(process.pid)
            await asyncio.sleep(idle_s)
            after = procfs.usage(process.pid)
            measured = (after.rss_kib / 1024, 100 * (after.cpu_s - before.cpu_s) / idle_s)
        return ready - began, measured
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 5)
        except TimeoutError:
            process.kill()
            await process.wait()


async def _ready_at(log_file: Path, process: asyncio.subprocess.Process) -> float:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise RuntimeError(f"the app exited ({process.returncode}) before it was ready")
        with contextlib.suppress(OSError):
            text = await asyncio.to_thread(log_file.read_text, encoding="utf-8")
            for line in text.splitlines():
                if "OrderBell" in line and line.rstrip().endswith(READY_LINE):
                    return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
        await asyncio.sleep(0.01)
    raise RuntimeError("the app logged no start-up line in time")


async def _probe(ctx: Context, url: str, token: str, kit: Path, database: str) -> dict[str, object]:
    process = await asyncio.create_subprocess_exec(
        *ctx.cores.server_prefix(),
        sys.executable,
        "-m",
        "benchmarks.desktop_probe",
        "--server",
        url,
        "--token",
        token,
        "--kit",
        str(kit),
        "--events",
        str(ctx.profile.desktop_events),
        "--database",
        database,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    lines = out.decode().strip().splitlines()
    if not lines:
        raise RuntimeError("the desktop probe printed nothing")
    result: dict[str, object] = json.loads(lines[-1])
    return result


def _worst(values: list[float | None]) -> float:
    known = [value for value in values if value is not None]
    return max(known) if len(known) == len(values) and known else float("inf")


def _section(
    ctx: Context,
    source: Starts,
    frozen: Starts,
    idle: tuple[float, float] | None,
    alerts: dict[str, object],
) -> Section:
    profile = ctx.profile
    events = alerts.get("events", [])
    assert isinstance(events, list)
    card = _worst([event["card_ms"] for event in events])
    card_after = _worst([event["card_after_arrival_ms"] for event in events])
    speech = _worst([event["speech_ms"] for event in events])
    start = statistics.median(source.seconds) if source.seconds else float("inf")
    rss, cpu = idle if idle else (float("inf"), float("inf"))
    huge = alerts.get("huge_remark")
    if not isinstance(huge, dict):
        huge = {}
    stall = float(huge.get("worst_stall_ms") or float("inf"))
    verdicts = [
        Verdict(
            f"cold start to tray ready <= {TARGET_START_S:g} s (from source, median)",
            f"{start:.2f} s",
            start <= TARGET_START_S,
        ),
        Verdict(f"idle RSS <= {TARGET_RSS_MB:g} MB", f"{rss:.0f} MB", rss <= TARGET_RSS_MB),
        Verdict(
            f"idle CPU <= {TARGET_CPU:g}% over {profile.desktop_idle_s:g} s",
            f"{cpu:.2f}%",
            cpu <= TARGET_CPU,
        ),
        Verdict(
            f"event -> card shown <= {TARGET_CARD_MS:g} ms (worst)",
            f"{card:.0f} ms from the callback ({card_after:.0f} ms from arrival)",
            card <= TARGET_CARD_MS,
        ),
        Verdict(
            f"event -> speech started <= {TARGET_SPEECH_MS:g} ms (worst)",
            f"{speech:.0f} ms",
            speech <= TARGET_SPEECH_MS,
        ),
        Verdict(
            f"a 600,000-character remark blocks the app <= {TARGET_STALL_MS:g} ms (longest stall)",
            f"{stall:.0f} ms (card shown {_cell(huge.get('card_ms'))} ms after the callback)",
            stall <= TARGET_STALL_MS,
        ),
    ]
    if frozen.seconds:
        frozen_start = statistics.median(frozen.seconds)
        verdicts.insert(
            1,
            Verdict(
                f"cold start <= {TARGET_START_S:g} s (frozen, median)",
                f"{frozen_start:.2f} s",
                frozen_start <= TARGET_START_S,
            ),
        )
    start_rows = [
        [
            build.build,
            ", ".join(f"{value:.2f}" for value in build.seconds) or "–",
            f"{statistics.median(build.seconds):.2f}" if build.seconds else "–",
            build.note,
        ]
        for build in (source, frozen)
    ]
    event_rows = [
        [
            str(index + 1),
            _cell(event["arrived_ms"]),
            _cell(event["card_ms"]),
            _cell(event["card_after_arrival_ms"]),
            _cell(event["speech_ms"]),
            _cell(event.get("speech_after_gather_ms")),
        ]
        for index, event in enumerate(events)
    ]
    text = [
        "The real `orderbell` command starts with `QT_QPA_PLATFORM=offscreen` in a fresh home "
        "folder, provisioned with a server address and a device token (a plain-file keyring "
        "stands in for the OS keyring, which this machine lacks), connected to a real "
        "`orderbell-server serve`. *Tray ready* is the app's own `OrderBell … started` log line, "
        "written right after the tray is shown, measured from the moment the process was "
        "spawned. The app runs alone on one core; idle RSS and CPU are read from `/proc` after "
        f"5 s of settling, over {profile.desktop_idle_s:g} s, connected.",
        "",
        table(["build", "start-up runs (s)", "median (s)", "note"], start_rows),
        "",
        f"Idle, connected: RSS **{rss:.0f} MB**, CPU **{cpu:.2f}%**.",
        "",
        "Alerts: `benchmarks/desktop_probe.py` runs the real `DesktopApp` (event stream, "
        "conductor, Qt cards, espeak-ng speech worker) and pays orders through signed callbacks "
        f"one at a time ({GAP_S_TEXT}). Times are from the moment the callback was sent.",
        "",
        table(
            [
                "order",
                "event arrived ms",
                "card shown ms",
                "card after arrival ms",
                "speech started ms",
                "speech after the gathering pause ms",
            ],
            event_rows,
        ),
        "",
        "A new order's announcement waits a short gathering pause ("
        f"{alerts.get('gather_s', '?')} s from its arrival, `AlertBoard.gather_s`), so that "
        "orders arriving together, such as a catch-up after a reconnect, are announced in one "
        'utterance ("您有5个新订单"); the last column is the speech path alone (board, speech '
        "worker, espeak-ng) after that pause. Orders arriving within 3 s of an announcement "
        "(`AlertBoard.coalesce_window_s`) wait for that window and are announced together, so "
        "these orders are paid 4 s apart.",
        "",
        f"Speech engine: {alerts.get('speech', '?')}.",
        "",
        "A huge remark: the probe then pays an order whose remark it made 600,000 characters "
        "long in the database (a 1.8 MB event; the server refuses such a remark at submission, "
        "an order stored before that check may hold one). A 5 ms timer in the app's event loop "
        "records the longest gap from the callback to 1 s after the card showed: "
        f"**{stall:.0f} ms**; the card showed {_cell(huge.get('card_ms'))} ms after the "
        f"callback, and the order's details opened in {_cell(huge.get('details_ms'))} ms.",
    ]
    data = {
        "start_s": source.seconds,
        "frozen_start_s": frozen.seconds,
        "idle": idle,
        "alerts": events,
        "huge_remark": huge,
    }
    return Section(KEY, TITLE, profile.name, "\n".join(text), verdicts, data)


GAP_S_TEXT = "4 s apart, each accepted after its card, so each announcement starts afresh"


def _cell(value: object) -> str:
    return "–" if value is None else f"{float(str(value)):.1f}"
