"""``orderbell demo``: the backend in-process, simulated customers, and the real tray app.

With desktop.smoke, the only desktop modules that import the backend beyond its wire protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication

from backend.demo import DemoBackend, LostCallbacks, demo_backend, found_line, simulate_customers
from desktop.app import DesktopApp
from desktop.config import DesktopSettings, MemoryKeyring, SettingsStore
from desktop.core.cards import Alert
from desktop.core.marks import Message
from desktop.resources import chime_path
from desktop.speech.errors import SpeechError
from desktop.speech.worker import SpeechWorker

ACCEPT_AFTER_S = 8.0
STAFF_LOOK_S = 1.0

Narrate = Callable[[str], None]


class DemoStaff:
    """Plays the restaurant: accepts each order a few seconds after its card appeared."""

    def __init__(
        self,
        app: DesktopApp,
        narrate: Narrate,
        accept_after_s: float,
        lost: LostCallbacks | None = None,
    ) -> None:
        self._app = app
        self._narrate = narrate
        self._accept_after_s = accept_after_s
        self._lost = lost or LostCallbacks()
        self._seen: dict[int, float] = {}
        self.announced: set[int] = set()

    def card_shown(self, alerts: Sequence[Alert]) -> None:
        for alert in alerts:
            if alert.order_id not in self._seen:
                self._seen[alert.order_id] = time.monotonic()
                self._narrate(
                    f"alert card shown for order {alert.order_number} "
                    f"(tail {alert.tail}, {sum(line.quantity for line in alert.items)} items)"
                )
                found = self._lost.found(alert.order_number)
                if found is not None:
                    self._narrate(found_line(found))

    async def work(self) -> None:
        """Accept what has rung long enough; until cancelled."""
        while True:
            await asyncio.sleep(STAFF_LOOK_S)
            now = time.monotonic()
            for alert in self._app.counter.board.ringing:
                shown = self._seen.get(alert.order_id)
                if shown is None or now - shown < self._accept_after_s:
                    continue
                if not alert.awaiting_acceptance:
                    continue
                self._narrate(f"staff presses Accept on order {alert.order_number}")
                if await self._app.counter.accept(alert.order_id):
                    self._narrate(
                        f"order {alert.order_number} accepted; every counter stops ringing"
                    )
                    if self._app.tickets.prints_on("accept"):
                        self._narrate(f"kitchen ticket of order {alert.order_number} queued")


async def run_demo(
    qapp: QApplication,
    *,
    duration: float | None,
    interval: float,
    narrate: Narrate,
    speaker: SpeechWorker | None = None,
    accept_after_s: float = ACCEPT_AFTER_S,
    printer: str = "",
) -> int:
    """Run the whole loop until ``duration`` ends or Quit; 0 when at least one order was announced.

    Each announcement is narrated as it ended: "spoken:" once it was played, "not heard:" (and
    why) when it was not, e.g. on a computer without a sound card: the demo still runs there,
    shows its cards and the "no sound output" notice, and says so.
    """
    loop = asyncio.get_running_loop()
    speaker = speaker or SpeechWorker(chime=chime_path())
    heard: list[str] = []
    unheard: list[str] = []

    def on_finished(text: str) -> None:
        loop.call_soon_threadsafe(_heard, text)

    def on_failed(text: str, error: SpeechError) -> None:
        loop.call_soon_threadsafe(_unheard, text, str(error))

    def _heard(text: str) -> None:
        heard.append(text)
        narrate(f"spoken: {text}")

    def _unheard(text: str, why: str) -> None:
        unheard.append(text)
        narrate(f"not heard: {text} ({why})")

    speaker.on_finished = on_finished
    speaker.on_failed = on_failed
    with tempfile.TemporaryDirectory(prefix="orderbell-demo-desktop-") as tmp:
        async with demo_backend() as backend:
            app = _demo_app(qapp, Path(tmp), backend, speaker, printer)
            staff = DemoStaff(app, narrate, accept_after_s, backend.lost)
            _watch_cards(app, staff, narrate)
            narrate(f"demo server on {backend.base_url} (TEST merchant kit, never for real money)")
            narrate("counter app connecting with a fresh device token")
            if printer:
                narrate(f"kitchen tickets of accepted orders go to {printer}")
            app.start(run_self_check=False)
            tasks = [
                app.spawn(simulate_customers(backend, interval=interval, say=narrate)),
                app.spawn(staff.work()),
            ]
            try:
                if duration is None:
                    await app.quit.wait()
                else:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(app.quit.wait(), duration)
            finally:
                for task in tasks:
                    task.cancel()
                await app.shutdown()
    spoken = [text for text in heard if _about_orders(text)]
    lost = [text for text in unheard if _about_orders(text)]
    narrate(f"demo finished: {len(spoken)} announcements heard, {len(lost)} not heard")
    if lost and not spoken:
        narrate("this computer has no working sound output: every alert showed on screen only")
    if not spoken and not lost and not app.counter.spoken:
        narrate("no order was announced")
        return 1
    return 0


def _about_orders(text: str) -> bool:
    return "订单" in text or "order" in text.lower()


def _demo_app(
    qapp: QApplication,
    directory: Path,
    backend: DemoBackend,
    speaker: SpeechWorker,
    printer: str,
) -> DesktopApp:
    store = SettingsStore(directory / "config", MemoryKeyring())
    store.save(DesktopSettings(server_url=backend.base_url, printer=printer))
    store.save_token(backend.token, backend.base_url)
    return DesktopApp(qapp, store, speaker, directory / "state")


def _watch_cards(app: DesktopApp, staff: DemoStaff, narrate: Narrate) -> None:
    show = app.view.show_alerts
    show_notice = app.view.show_notice

    def show_and_tell(alerts: Sequence[Alert], now: datetime) -> None:
        show(alerts, now)
        staff.card_shown(alerts)

    def notice_and_tell(kind: str, title: Message, text: Message | None) -> None:
        show_notice(kind, title, text)
        narrate(f"notice card: {title}")

    app.view.show_alerts = show_and_tell  # type: ignore[method-assign]
    app.view.show_notice = notice_and_tell  # type: ignore[method-assign]
