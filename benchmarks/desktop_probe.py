"""Times the counter app in-process: payment callback -> event -> card shown -> speech started.

Run as ``python -m benchmarks.desktop_probe --server URL --token T --kit DIR --events N`` with
``QT_QPA_PLATFORM=offscreen``; prints one JSON object. It builds the real ``DesktopApp`` (real
stream, conductor, Qt widgets and espeak-ng speech worker) against a running server, pays orders
through signed callbacks and records when each step happened.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import qasync
from PySide6.QtWidgets import QApplication

from backend.devkit import load_kit
from backend.simulator import Simulator
from desktop.app import DesktopApp
from desktop.config import DesktopSettings, MemoryKeyring, SettingsStore
from desktop.core.cards import Alert
from desktop.speech.worker import SpeechWorker
from orderbell_protocol import Event

GAP_S = 4.0  # longer than one spoken announcement, so each event's speech starts afresh


async def probe(
    qapp: QApplication, server: str, token: str, kit_dir: Path, events: int
) -> dict[str, Any]:
    """Pay ``events`` orders one by one and time what the counter app does with each."""
    arrived: dict[str, float] = {}
    shown: dict[str, float] = {}
    spoken: list[float] = []
    speaker = SpeechWorker()
    speaker.on_started = lambda text: spoken.append(time.monotonic())
    with tempfile.TemporaryDirectory(prefix="orderbell-probe-") as tmp:
        store = SettingsStore(Path(tmp) / "config", MemoryKeyring())
        store.save(DesktopSettings(server_url=server))
        store.save_token(token, server)
        app = DesktopApp(qapp, store, speaker, Path(tmp) / "state")
        _instrument(app, arrived, shown)
        gather_s = app.counter.board.gather_s
        app.start(run_self_check=False)
        await _connected(app)
        results = []
        async with httpx.AsyncClient(base_url=server, timeout=10) as client:
            simulator = Simulator(load_kit(kit_dir), client)
            for _ in range(events):
                order = await simulator.submit(shop_id=1)
                spoken_before = len(spoken)
                sent = time.monotonic()
                await simulator.pay(order)
                while order.number not in shown or len(spoken) == spoken_before:
                    if time.monotonic() - sent > 10:
                        break
                    await asyncio.sleep(0.001)
                results.append(
                    {
                        "arrived_ms": _ms(arrived.get(order.number), sent),
                        "card_ms": _ms(shown.get(order.number), sent),
                        "card_after_arrival_ms": _ms(
                            shown.get(order.number), arrived.get(order.number)
                        ),
                        "speech_ms": _ms(
                            spoken[spoken_before] if len(spoken) > spoken_before else None, sent
                        ),
                        # The board holds a new order's announcement for `gather_s`, so orders
                        # arriving together are said in one utterance; what follows is the
                        # speech path.
                        "speech_after_gather_ms": _ms(
                            spoken[spoken_before] if len(spoken) > spoken_before else None,
                            arrived[order.number] + gather_s if order.number in arrived else None,
                        ),
                    }
                )
                if order.id is not None:
                    await app.counter.accept(order.id)
                await asyncio.sleep(GAP_S)
        app.quit.set()
        await app.shutdown()
    return {
        "events": results,
        "speech": speaker.status.problem or "available",
        "gather_s": gather_s,
    }


def _instrument(app: DesktopApp, arrived: dict[str, float], shown: dict[str, float]) -> None:
    on_event = app.counter.on_event
    show = app.view.show_alerts

    async def timed_event(event: Event) -> None:
        arrived.setdefault(event.order_number, time.monotonic())
        await on_event(event)

    def timed_show(alerts: Sequence[Alert], now: datetime) -> None:
        show(alerts, now)
        stamp = time.monotonic()
        for alert in alerts:
            shown.setdefault(alert.order_number, stamp)

    app.counter.on_event = timed_event  # type: ignore[method-assign]
    app.view.show_alerts = timed_show  # type: ignore[method-assign]


async def _connected(app: DesktopApp) -> None:
    deadline = time.monotonic() + 15
    # Polling is fine here: the link state has no awaitable, and this waits once.
    while app.counter.link.value != "connected" and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)  # let the first orders refresh settle


def _ms(end: float | None, start: float | None) -> float | None:
    return None if end is None or start is None else 1000 * (end - start)


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--kit", type=Path, required=True)
    parser.add_argument("--events", type=int, default=3)
    args = parser.parse_args()
    qapp = QApplication(sys.argv[:1])
    result = qasync.run(probe(qapp, args.server, args.token, args.kit, args.events))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
