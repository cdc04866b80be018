"""Times the counter app in-process: payment callback -> event -> card shown -> speech started.

Run as ``python -m benchmarks.desktop_probe --server URL --token T --kit DIR --events N
[--database URL]`` with ``QT_QPA_PLATFORM=offscreen``; prints one JSON object. It builds the
real ``DesktopApp`` (real stream, conductor, Qt widgets and espeak-ng speech worker) against a
running server, pays orders through signed callbacks and records when each step happened. With
the server's database it also pays an order whose remark was made 600,000 characters long in the
database (the server refuses such a remark at submission, but an order stored before that check
may hold one) and records how long the app's event loop was blocked while it handled it.
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
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from backend.devkit import load_kit
from backend.simulator import Simulator
from desktop.app import DesktopApp
from desktop.config import DesktopSettings, MemoryKeyring, SettingsStore
from desktop.core.cards import Alert
from desktop.speech.worker import SpeechWorker
from desktop.ui.rows import OrderRow
from orderbell_protocol import Event, OrderStatus

GAP_S = 4.0  # longer than one spoken announcement, so each event's speech starts afresh
HUGE_REMARK = "备" * 600_000
BEAT_MS = 5
SETTLE_S = 1.0


async def probe(
    qapp: QApplication,
    server: str,
    token: str,
    kit_dir: Path,
    events: int,
    database: str | None = None,
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
        instrument(app, arrived, shown)
        gather_s = app.counter.board.gather_s
        app.start(run_self_check=False)
        await connected(app)
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
            huge = None
            if database is not None:
                huge = await _huge_remark(app, simulator, database, shown)
        app.quit.set()
        await app.shutdown()
    return {
        "events": results,
        "speech": speaker.status.problem or "available",
        "gather_s": gather_s,
        "huge_remark": huge,
    }


async def _huge_remark(
    app: DesktopApp, simulator: Simulator, database: str, shown: dict[str, float]
) -> dict[str, Any]:
    """Pay an order holding a 600,000-character remark; how long was the event loop blocked?"""
    order = await simulator.submit(shop_id=1)
    engine = create_async_engine(database)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE orders SET remark = :remark WHERE number = :number"),
                {"remark": HUGE_REMARK, "number": order.number},
            )
    finally:
        await engine.dispose()
    gaps: list[float] = []
    last = [time.monotonic()]

    def beat() -> None:
        now = time.monotonic()
        gaps.append(now - last[0])
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setInterval(BEAT_MS)
    heartbeat.timeout.connect(beat)
    heartbeat.start()
    sent = time.monotonic()
    await simulator.pay(order)
    # Polling, as for the timed events: the card has no awaitable, and this waits once.
    while order.number not in shown and time.monotonic() - sent < 10:  # noqa: ASYNC110
        await asyncio.sleep(0.001)
    await asyncio.sleep(SETTLE_S)  # the Orders window's refresh and the speech follow
    heartbeat.stop()
    row = OrderRow(
        order_id=order.id or 0,
        number=order.number,
        status=OrderStatus.TO_BE_CONFIRMED,
        amount_fen=order.amount_fen,
        remark=HUGE_REMARK,
    )
    began = time.monotonic()
    app.orders.details.show_order(row)
    QApplication.processEvents()
    details_ms = 1000 * (time.monotonic() - began)
    app.orders.details.close()
    return {
        "chars": len(HUGE_REMARK),
        "card_ms": _ms(shown.get(order.number), sent),
        "worst_stall_ms": 1000 * max(gaps, default=float("inf")),
        "details_ms": details_ms,
        "link": app.counter.link.value,
    }


def instrument(app: DesktopApp, arrived: dict[str, float], shown: dict[str, float]) -> None:
    """Note when each order's event arrived and its card was shown (monotonic, by number)."""
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


async def connected(app: DesktopApp) -> None:
    """Wait until the app's event stream is connected and its first refresh has settled."""
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
    parser.add_argument("--database", help="the server's database URL: adds the huge remark")
    args = parser.parse_args()
    qapp = QApplication(sys.argv[:1])
    result = qasync.run(probe(qapp, args.server, args.token, args.kit, args.events, args.database))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
