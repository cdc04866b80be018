"""D2 the first audible sample: payment callback -> the first sound a person can hear."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from typing import Any

from benchmarks.context import Context
from benchmarks.machine import Cores
from benchmarks.markdown import table
from benchmarks.player_standin import AUDIBLE, install
from benchmarks.results import Section, Verdict
from benchmarks.seeding import add_tokens, prepare
from benchmarks.servers import HOST, free_port, launch, orderbell_command
from benchmarks.stats import ms, percentile

KEY = "D2"
TITLE = "D2 the first audible sample"
TARGET_P95_MS = 150.0
PROBE_TIMEOUT_S = 60.0
PROBE_S_PER_ORDER = 15.0


async def run(ctx: Context) -> Section:
    """Pay orders to a real server; time the real counter app's first audible sample of each."""
    profile = ctx.profile
    # As in D1: the app gets the server core to itself; its backend runs with the load.
    cores = Cores(server=ctx.cores.load, load=ctx.cores.server) if ctx.cores.pinned else ctx.cores
    deployment = await prepare(ctx.scratch("d2"))
    (token,) = await add_tokens(deployment, [1])
    port = free_port()
    server = await launch(
        "OrderBell",
        orderbell_command(deployment.env_file, port),
        port=port,
        cores=cores,
        log_path=deployment.directory / "server.log",
        env=deployment.env(),
    )
    try:
        standin = install(ctx.scratch("d2-player"))
        process = await asyncio.create_subprocess_exec(
            *ctx.cores.server_prefix(),
            sys.executable,
            "-m",
            "benchmarks.sound_probe",
            "--server",
            f"http://{HOST}:{port}",
            "--token",
            token,
            "--kit",
            str(deployment.directory / "kit"),
            "--orders",
            str(profile.sound_orders),
            "--burst",
            str(profile.sound_burst),
            env={**os.environ, **standin, "QT_QPA_PLATFORM": "offscreen"},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        limit = PROBE_TIMEOUT_S + PROBE_S_PER_ORDER * (profile.sound_orders + 1)
        out, _ = await asyncio.wait_for(process.communicate(), limit)
    finally:
        await server.stop()
    lines = out.decode().strip().splitlines()
    if not lines:
        raise RuntimeError("the sound probe printed nothing")
    return section(profile.name, json.loads(lines[-1]))


def first_heard(orders: list[dict[str, Any]]) -> list[float]:
    """Each order's first audible sample in ms, sorted; ``inf`` for an order never heard."""
    return sorted(
        float("inf") if order.get("first_ms") is None else float(order["first_ms"])
        for order in orders
    )


def section(profile: str, result: dict[str, Any]) -> Section:
    """The report's part for one probe run."""
    orders: list[dict[str, Any]] = result["orders"]
    heard = first_heard(orders)
    p50, p95 = percentile(heard, 0.50), percentile(heard, 0.95)
    worst = heard[-1] if heard else float("inf")
    firsts = Counter(order.get("first_sound") or "nothing" for order in orders)
    first_text = ", ".join(f"{kind} {count}×" for kind, count in firsts.most_common())
    verdicts = [
        Verdict(
            f"callback -> first audible sample <= {TARGET_P95_MS:g} ms (p95 over {len(heard)} "
            "orders)",
            f"{ms(p95)} ms (p50 {ms(p50)}, max {ms(worst)}; first: {first_text})",
            bool(heard) and p95 <= TARGET_P95_MS,
        )
    ]
    rows = [
        [
            label,
            ms(percentile(values, 0.50)),
            ms(percentile(values, 0.95)),
            ms(values[-1]) if values else "–",
        ]
        for label, values in (
            ("event arrived", _sorted(orders, "arrived_ms")),
            ("card shown", _sorted(orders, "card_ms")),
            ("**first audible sample**", heard),
            ("chime's first audible sample", _sorted(orders, "chime_ms")),
            ("speech's first audible sample", _sorted(orders, "speech_ms")),
        )
    ]
    burst = result.get("burst") or {}
    sounds = burst.get("sounds", [])
    said = burst.get("said", [])
    sound_rows = [[entry["sound"], ms(float(entry["heard_ms"]))] for entry in sounds]
    said_rows = [[entry["text"], ms(float(entry["started_ms"]))] for entry in said]
    chimes = [float(entry["heard_ms"]) for entry in sounds if entry["sound"] == "chime"]
    verdicts.append(
        Verdict(
            f"a burst of {burst.get('orders', 0)} orders: the chime at once (<= "
            f"{TARGET_P95_MS:g} ms), one sentence after the gathering pause",
            f"{len(chimes)} chime(s), first at {ms(min(chimes, default=float('inf')))} ms; "
            f"{len(said)} sentence(s)",
            bool(sounds)
            and sounds[0]["sound"] == "chime"
            and min(chimes) <= TARGET_P95_MS
            and len(said) == 1,
        )
    )
    cards = [float(value) for value in burst.get("cards_ms", []) if value is not None]
    text = [
        "`benchmarks/sound_probe.py` runs the real `DesktopApp` (offscreen Qt, event stream, "
        "alert board, speech worker with the bundled chime, espeak-ng) against a real "
        "`orderbell-server serve`, and pays orders through signed callbacks. The app plays "
        "through its default player, `aplay`; a stand-in `aplay` first on PATH "
        "(`benchmarks/player_standin.py`) reads the wall clock the moment it starts (bash's "
        "`$EPOCHREALTIME`, before any interpreter starts), keeps a copy of the WAV file it was "
        "given and lasts as long as the sound, as aplay does. The first audible sample is the "
        f"first sample of at least {AUDIBLE} (about -30 dBFS, the app's own threshold for "
        "sound); it is due at the stand-in's start plus its offset in the file, the player "
        "starting at once. Times are from the moment the callback was sent.",
        "",
        f"{len(orders)} orders, one at a time, each its own alert: the next is paid once the "
        "previous one was announced, accepted, and its coalescing window "
        f"({result.get('coalesce_window_s', '?')} s) was over. First heard: {first_text}.",
        "",
        table(["from the callback to", "p50 ms", "p95 ms", "max ms"], rows),
        "",
        "The chime rings as soon as the order's event arrives; the spoken sentence waits for "
        f"the gathering pause ({result.get('gather_s', '?')} s) and then for the chime to end, "
        "as the speech worker plays one sound at a time.",
        "",
        f"A burst: {burst.get('orders', 0)} orders paid at once (callbacks sent together; "
        f"cards shown within {ms(max(cards, default=float('nan')))} ms). What the speakers "
        "were given, in order:",
        "",
        table(["sound", "first audible sample ms"], sound_rows) if sound_rows else "(nothing)",
        "",
        "What was said:",
        "",
        table(["sentence", "started ms"], said_rows) if said_rows else "(nothing)",
        "",
        f"{len(chimes)} chime(s) and {len(said)} sentence(s) for {burst.get('orders', 0)} orders.",
        "",
        f"Speech engine: {result.get('speech', '?')}.",
    ]
    data = {"orders": orders, "burst": burst}
    return Section(KEY, TITLE, profile, "\n".join(text), verdicts, data)


def _sorted(orders: list[dict[str, Any]], key: str) -> list[float]:
    return sorted(float(order[key]) for order in orders if order.get(key) is not None)
