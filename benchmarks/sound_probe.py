"""Times the first sound a person hears: payment callback -> first audible sample at the player.

Run as ``python -m benchmarks.sound_probe --server URL --token T --kit DIR --orders N --burst M``
with ``QT_QPA_PLATFORM=offscreen`` and the ``aplay`` stand-in of
:mod:`benchmarks.player_standin` first on PATH; prints one JSON object. It builds the real
``DesktopApp`` with the real speech worker, the bundled chime and the default player (so the
stand-in receives exactly what a counter's speakers would), pays orders one at a time through
signed callbacks, each its own alert, then ``M`` orders at once, and reads back from the
stand-in which sound was handed over when.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import qasync
from PySide6.QtWidgets import QApplication

from backend.devkit import load_kit
from backend.simulator import SimulatedOrder, Simulator
from benchmarks.desktop_probe import connected, instrument
from benchmarks.player_standin import LOG_ENV, Played, read_played
from desktop.app import DesktopApp
from desktop.config import DesktopSettings, MemoryKeyring, SettingsStore
from desktop.core.alerts import AlertBoard
from desktop.resources import chime_path
from desktop.speech.worker import SpeechWorker

WAIT_S = 20.0
POLL_S = 0.005
CHIME = "chime"
SPEECH = "speech"


class Heard:
    """What the speech worker started and ended saying, played or failed (its callbacks run on
    its thread)."""

    def __init__(self) -> None:
        self.started: list[tuple[float, str]] = []
        self.finished: list[str] = []

    def attach(self, speaker: SpeechWorker) -> None:
        """Listen to ``speaker``'s callbacks."""
        speaker.on_started = lambda text: self.started.append((time.monotonic(), text))
        speaker.on_finished = self.finished.append
        # An utterance that failed has ended too: the probe waits for it no longer.
        speaker.on_failed = lambda text, error: self.finished.append(text)

    @property
    def quiet(self) -> bool:
        """Every utterance begun has ended (played or not)."""
        return len(self.finished) >= len(self.started)


async def probe(
    qapp: QApplication,
    server: str,
    token: str,
    kit_dir: Path,
    orders: int,
    burst: int,
    played_dir: Path,
) -> dict[str, Any]:
    """Pay ``orders`` orders one by one, then ``burst`` at once; when was each first heard?"""
    arrived: dict[str, float] = {}
    shown: dict[str, float] = {}
    heard = Heard()
    chime = chime_path()
    speaker = SpeechWorker(chime=chime)
    heard.attach(speaker)
    with tempfile.TemporaryDirectory(prefix="orderbell-sound-probe-") as tmp:
        store = SettingsStore(Path(tmp) / "config", MemoryKeyring())
        store.save(DesktopSettings(server_url=server))
        store.save_token(token, server)
        app = DesktopApp(qapp, store, speaker, Path(tmp) / "state")
        instrument(app, arrived, shown)
        board = app.counter.board
        app.start(run_self_check=False)
        await connected(app)
        singles = []
        async with httpx.AsyncClient(base_url=server, timeout=10) as client:
            simulator = Simulator(load_kit(kit_dir), client)
            for _ in range(orders):
                singles.append(await _single(app, simulator, heard, shown, arrived, played_dir))
            burst_result = await _burst(
                app, simulator, burst, heard, shown, played_dir, chime, board.gather_s
            )
        app.quit.set()
        await app.shutdown()
    return {
        "orders": singles,
        "burst": burst_result,
        "speech": speaker.status.problem or "available",
        "gather_s": board.gather_s,
        "coalesce_window_s": board.coalesce_window_s,
    }


async def _single(
    app: DesktopApp,
    simulator: Simulator,
    heard: Heard,
    shown: dict[str, float],
    arrived: dict[str, float],
    played_dir: Path,
) -> dict[str, Any]:
    """Pay one order and wait until it was announced; when was it first heard, and by what?"""
    order = await simulator.submit(shop_id=1)
    said = len(heard.finished)
    sent_wall, sent = time.time(), time.monotonic()
    await simulator.pay(order)
    await _until(lambda: order.number in shown and len(heard.finished) > said, sent)
    sounds = _sounds_since(played_dir, sent_wall, app.speaker.chime)
    await _accept(app, [order])
    # The next order must be an alert of its own: past this one's coalescing window.
    await _until(lambda: heard.quiet and _window_closed(heard, app.counter.board), sent)
    return {
        "arrived_ms": _ms(arrived.get(order.number), sent),
        "card_ms": _ms(shown.get(order.number), sent),
        **_first_heard(sounds, sent_wall),
    }


async def _burst(
    app: DesktopApp,
    simulator: Simulator,
    count: int,
    heard: Heard,
    shown: dict[str, float],
    played_dir: Path,
    chime: Path,
    gather_s: float,
) -> dict[str, Any]:
    """Pay ``count`` orders at once: one chime at once, one sentence after the gathering pause."""
    orders = [await simulator.submit(shop_id=1) for _ in range(count)]
    began = len(heard.started)
    sent_wall, sent = time.time(), time.monotonic()
    await asyncio.gather(*(simulator.pay(order) for order in orders))
    board = app.counter.board
    await _until(
        lambda: (
            all(order.number in shown for order in orders)
            and len(heard.started) > began
            and heard.quiet
            and _window_closed(heard, board)
        ),
        sent,
    )
    sounds = _sounds_since(played_dir, sent_wall, chime)
    said = heard.started[began:]
    await _accept(app, orders)
    return {
        "orders": count,
        "cards_ms": [_ms(shown.get(order.number), sent) for order in orders],
        "sounds": [
            {"sound": kind, "heard_ms": 1000 * (record.heard_at - sent_wall)}
            for kind, record in sounds
            if record.heard_at is not None
        ],
        "said": [{"text": text, "started_ms": _ms(at, sent)} for at, text in said],
        "gather_s": gather_s,
    }


def _sounds_since(played_dir: Path, since: float, chime: Path | None) -> list[tuple[str, Played]]:
    """Audible sounds handed to the player since ``since`` (wall clock), named."""
    return [
        (CHIME if Path(record.source) == chime else SPEECH, record)
        for record in read_played(played_dir, since=since)
        if record.heard_at is not None
    ]


def _first_heard(sounds: list[tuple[str, Played]], sent_wall: float) -> dict[str, Any]:
    """Which sound was heard first and when, and the chime's and the speech's first audible
    sample, in ms from the callback (``sent_wall``); None for a sound not heard."""
    result: dict[str, Any] = {"first_sound": None, "first_ms": None, "chime_ms": None}
    result["speech_ms"] = None
    for kind, record in sorted(sounds, key=lambda item: item[1].heard_at or 0.0):
        if record.heard_at is None:
            continue
        heard_ms = 1000 * (record.heard_at - sent_wall)
        if result["first_sound"] is None:
            result["first_sound"], result["first_ms"] = kind, heard_ms
        if result[f"{kind}_ms"] is None:
            result[f"{kind}_ms"] = heard_ms
    return result


async def _accept(app: DesktopApp, orders: list[SimulatedOrder]) -> None:
    for order in orders:
        if order.id is not None:
            await app.counter.accept(order.id)


def _window_closed(heard: Heard, board: AlertBoard) -> bool:
    """The last announcement's coalescing window is over (the next order rings on its own)."""
    if not heard.started:
        return True
    return time.monotonic() >= heard.started[-1][0] + board.coalesce_window_s


async def _until(condition: Callable[[], bool], since: float) -> None:
    # Polling: the app offers no awaitable for "played" or "shown"; bounded by WAIT_S.
    while not condition() and time.monotonic() - since < WAIT_S:  # noqa: ASYNC110
        await asyncio.sleep(POLL_S)


def _ms(end: float | None, start: float | None) -> float | None:
    return None if end is None or start is None else 1000 * (end - start)


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--kit", type=Path, required=True)
    parser.add_argument("--orders", type=int, default=5)
    parser.add_argument("--burst", type=int, default=5)
    args = parser.parse_args()
    played_dir = Path(os.environ[LOG_ENV])
    qapp = QApplication(sys.argv[:1])
    result = qasync.run(
        probe(qapp, args.server, args.token, args.kit, args.orders, args.burst, played_dir)
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
