"""The counter app end to end: real widgets, real stream and REST client, a real demo server."""

from __future__ import annotations

import contextlib
import stat
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import keyring.errors
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from backend.demo import DemoBackend, demo_backend
from backend.simulator import SimulatedOrder, Simulator
from desktop.app import NOTICE_TOKEN_STORAGE, READY_NOTICE_MS, DesktopApp
from desktop.autostart import XdgAutostart
from desktop.config import DesktopSettings, MemoryKeyring, SettingsStore
from desktop.core import phrasing
from desktop.token_store import TOKEN_FILE
from desktop.ui.icons import TrayState
from desktop.ui.notice import NoticeLevel
from orderbell_protocol import OrderStatus
from tests.desktop.app.conftest import RecordingSpeaker, until

Run = Callable[[Coroutine[Any, Any, Any]], Any]


@dataclass
class Running:
    app: DesktopApp
    backend: DemoBackend
    speaker: RecordingSpeaker
    store: SettingsStore
    http: httpx.AsyncClient

    async def paid_order(self) -> SimulatedOrder:
        sim = Simulator(self.backend.kit, self.http)
        return await sim.pay(await sim.submit())

    def has_status(self, order_id: int, status: OrderStatus) -> Callable[[], Awaitable[bool]]:
        """A check for ``until``: does the server have the order in ``status``?"""

        async def check() -> bool:
            return await self.status_of(order_id) == status

        return check

    async def status_of(self, order_id: int) -> int:
        answer = await self.http.get(
            f"/admin/orders/{order_id}",
            headers={"Authorization": f"Bearer {self.backend.token}"},
        )
        status: int = answer.json()["status"]
        return status


@contextlib.asynccontextmanager
async def running_app(
    qapp: QApplication,
    directory: Path,
    *,
    configured: bool = True,
    token: str | None = None,
    installed: bool = False,
    output: str | None = None,
    keyring_backend: MemoryKeyring | None = None,
) -> AsyncIterator[Running]:
    async with demo_backend() as backend, httpx.AsyncClient(base_url=backend.base_url) as http:
        store = SettingsStore(directory / "config", keyring_backend or MemoryKeyring())
        if configured:
            store.save(DesktopSettings(server_url=backend.base_url, repeat_interval_s=30))
            store.save_token(token or backend.token, backend.base_url)
        speaker = RecordingSpeaker(output=output)
        login = XdgAutostart(directory / "autostart" / "orderbell.desktop")
        app = DesktopApp(
            qapp,
            store,
            speaker,  # type: ignore[arg-type]
            directory / "state",
            login=login,
            installed=installed,
        )
        app.start(run_self_check=False)
        try:
            yield Running(app, backend, speaker, store, http)
        finally:
            await app.shutdown()


def test_paid_order_shows_a_card_and_speaks(qapp: QApplication, qloop: Run, tmp_path: Path) -> None:
    """A paid order appears as an always-on-top card and its tail number is spoken."""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path) as run:
            order = await run.paid_order()
            assert order.id is not None
            await until(lambda: run.app.cards.card(order.id) is not None, "the card")
            card = run.app.cards.card(order.id)
            assert card is not None
            assert card.isVisible()
            assert card.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
            await until(lambda: bool(run.speaker.said), "speech")
            said_tail = phrasing.spoken_tail(order.number[-4:], run.app.language)
            assert said_tail in run.speaker.said[0]

    qloop(scenario())


def test_card_accept_button_accepts_on_the_server(
    qapp: QApplication, qloop: Run, tmp_path: Path, qtbot: Any
) -> None:
    """Clicking Accept on the card moves the order to status 3 and the card goes away."""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path) as run:
            order = await run.paid_order()
            assert order.id is not None
            await until(lambda: run.app.cards.card(order.id) is not None, "the card")
            card = run.app.cards.card(order.id)
            assert card is not None
            qtbot.mouseClick(card.accept_button, Qt.MouseButton.LeftButton)
            await until(run.has_status(order.id, OrderStatus.CONFIRMED), "status 3")
            await until(lambda: run.app.cards.card(order.id) is None, "the card to close")

    qloop(scenario())


def test_reject_through_the_dialog_sends_the_reason(
    qapp: QApplication, qloop: Run, tmp_path: Path, qtbot: Any
) -> None:
    """Reject… opens the reason dialog; a preset reason rejects the order with that text."""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path) as run:
            order = await run.paid_order()
            assert order.id is not None
            await until(lambda: run.app.cards.card(order.id) is not None, "the card")
            card = run.app.cards.card(order.id)
            assert card is not None
            qtbot.mouseClick(card.reject_button, Qt.MouseButton.LeftButton)
            dialog = run.app.reject_dialog
            assert dialog.isVisible()
            dialog.preset_buttons[1].setChecked(True)
            qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
            await until(run.has_status(order.id, OrderStatus.CANCELLED), "status 6")
            answer = await run.http.get(
                f"/admin/orders/{order.id}",
                headers={"Authorization": f"Bearer {run.backend.token}"},
            )
            assert answer.json()["rejectedReason"] == "菜品已销售完，暂时无法接单"

    qloop(scenario())


def test_reject_dialog_opens_on_top_beside_its_card(
    qapp: QApplication, qloop: Run, tmp_path: Path, qtbot: Any
) -> None:
    """Reject… opens the dialog above the cards, beside its card, on screen, never covering it.

    (Clear of every card on a counter-sized screen: see the stack geometry tests.)"""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path) as run:
            first, second = await run.paid_order(), await run.paid_order()
            cards = run.app.cards
            await until(
                lambda: cards.shows_in_full(first.id or 0) and cards.shows_in_full(second.id or 0),
                "both cards",
            )
            card = cards.card(second.id or 0)
            assert card is not None
            qtbot.mouseClick(card.reject_button, Qt.MouseButton.LeftButton)
            dialog = run.app.reject_dialog
            assert dialog.isVisible()
            assert dialog.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
            frame = dialog.frameGeometry()
            assert dialog.screen().availableGeometry().contains(frame)
            assert not frame.intersects(card.frameGeometry())

    qloop(scenario())


def test_reject_dialog_closes_when_the_order_is_handled_elsewhere(
    qapp: QApplication, qloop: Run, tmp_path: Path, qtbot: Any
) -> None:
    """Another counter accepts the order while the dialog is open: the dialog goes with the card."""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path) as run:
            order = await run.paid_order()
            await until(lambda: run.app.cards.card(order.id or 0) is not None, "the card")
            card = run.app.cards.card(order.id or 0)
            assert card is not None
            qtbot.mouseClick(card.reject_button, Qt.MouseButton.LeftButton)
            assert run.app.reject_dialog.isVisible()
            await run.http.put(
                f"/admin/orders/{order.id}/accept",
                headers={"Authorization": f"Bearer {run.backend.token}"},
            )
            await until(lambda: not run.app.reject_dialog.isVisible(), "the dialog to close")

    qloop(scenario())


def test_no_balloon_over_a_card_showing_the_order(
    qapp: QApplication, qloop: Run, tmp_path: Path
) -> None:
    """A paid order with its card on screen gets no desktop notification; a test alert does."""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path) as run:
            balloons: list[str] = []
            run.app.tray.notify = lambda title, text: balloons.append(title) or True  # type: ignore[method-assign]
            order = await run.paid_order()
            await until(lambda: run.app.cards.shows_in_full(order.id or 0), "the card")
            await until(lambda: bool(run.speaker.said), "speech")
            assert balloons == []
            run.app.tray.action("test_alert").trigger()
            assert len(balloons) == 1

    qloop(scenario())


def test_tray_mute_keeps_cards_but_silences_speech(
    qapp: QApplication, qloop: Run, tmp_path: Path
) -> None:
    """Mute 15 minutes from the tray: the card still appears, nothing is spoken."""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path) as run:
            run.app.tray.action("mute_15").trigger()
            order = await run.paid_order()
            await until(lambda: run.app.cards.card(order.id or 0) is not None, "the card")
            assert run.app.counter.board.muted_until is not None
            assert run.speaker.said == []
            run.app.tray.action("unmute").trigger()
            run.app.tray.action("test_alert").trigger()
            assert run.speaker.said

    qloop(scenario())


def test_tray_orders_opens_the_waiting_list(qapp: QApplication, qloop: Run, tmp_path: Path) -> None:
    """Tray > Orders shows the orders window with the waiting order listed."""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path) as run:
            order = await run.paid_order()
            await until(lambda: run.app.cards.card(order.id or 0) is not None, "the card")
            run.app.tray.action("orders").trigger()
            window = run.app.orders
            await until(
                lambda: window.findChild(object, f"accept_{order.id}") is not None,
                "the order's row",
            )
            assert window.isVisible()

    qloop(scenario())


def test_tray_quit_asks_then_ends_the_app(
    qapp: QApplication, qloop: Run, tmp_path: Path, qtbot: Any
) -> None:
    """Tray > Quit asks first, naming the waiting orders; only confirming ends the app."""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path) as run:
            first, second = await run.paid_order(), await run.paid_order()
            await until(
                lambda: {first.id, second.id} <= set(run.app.cards.order_ids()), "both cards"
            )
            run.app.tray.action("quit").trigger()
            dialog = run.app.quit_dialog
            assert dialog.isVisible()
            assert dialog.text() == "2 orders are still waiting to be accepted."
            assert not run.app.quit.is_set()
            qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
            assert not run.app.quit.is_set()
            run.app.tray.action("quit").trigger()
            qtbot.mouseClick(dialog.quit_button, Qt.MouseButton.LeftButton)
            assert run.app.quit.is_set()

    qloop(scenario())


def test_connecting_shows_a_short_ready_card(
    qapp: QApplication, qloop: Run, tmp_path: Path
) -> None:
    """Once connected, a green card says the PC is taking orders, and goes by itself."""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path) as run:
            await until(lambda: "ready" in run.app.notices.kinds(), "the ready card")
            assert run.app.notices.level("ready") is NoticeLevel.INFO
            assert run.app.notices.isVisible()
            hides_in = run.app.notices.hides_in("ready")
            assert hides_in is not None
            # Qt's timers are coarse: a few per cent either side of the interval.
            assert READY_NOTICE_MS * 0.9 < hides_in < READY_NOTICE_MS * 1.1

    qloop(scenario())


def test_first_run_opens_settings_and_saving_connects(
    qapp: QApplication, qloop: Run, tmp_path: Path, qtbot: Any
) -> None:
    """No settings yet: the dialog opens; saving stores URL and token (keyring) and connects."""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path, configured=False) as run:
            dialog = run.app.settings_dialog
            assert dialog is not None
            assert dialog.isVisible()
            dialog.url_edit.setText(run.backend.base_url)
            dialog.token_edit.setText(run.backend.token)
            dialog.repeat_spin.setValue(45)
            qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
            saved = run.store.load()
            assert saved.server_url == run.backend.base_url
            assert saved.repeat_interval_s == 45
            assert run.store.load_token(run.backend.base_url) == run.backend.token
            assert not (tmp_path / "config" / "settings.json").read_text().count(run.backend.token)
            assert run.app.counter.board.repeat_interval_s == 45
            await until(lambda: run.app.counter.link.value == "connected", "the connection")

    qloop(scenario())


def test_rejected_token_says_so_and_opens_settings(
    qapp: QApplication, qloop: Run, tmp_path: Path
) -> None:
    """A token the server refuses: a notice says so and the settings dialog opens."""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path, token="obt_not-a-real-token") as run:
            await until(lambda: "token" in run.app.notices.kinds(), "the token notice")
            assert run.app.settings_dialog is not None
            assert run.app.settings_dialog.isVisible()

    qloop(scenario())


def test_installed_app_offers_start_at_login_on_first_run(
    qapp: QApplication, qloop: Run, tmp_path: Path, qtbot: Any
) -> None:
    """The installed app's first run ticks start-at-login and says why; saving sets it up."""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path, configured=False, installed=True) as run:
            dialog = run.app.settings_dialog
            assert dialog is not None
            assert dialog.login_check.isChecked()
            assert dialog.login_advice.isVisible()
            dialog.url_edit.setText(run.backend.base_url)
            dialog.token_edit.setText(run.backend.token)
            qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
            assert run.store.load().start_at_login
            entry = tmp_path / "autostart" / "orderbell.desktop"
            assert "Exec=" in entry.read_text()

    qloop(scenario())


def test_source_checkout_does_not_start_at_login_by_itself(
    qapp: QApplication, qloop: Run, tmp_path: Path
) -> None:
    """Run from a checkout, the first run leaves start-at-login off and says nothing."""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path, configured=False, installed=False) as run:
            dialog = run.app.settings_dialog
            assert dialog is not None
            assert not dialog.login_check.isChecked()
            assert not dialog.login_advice.isVisible()

    qloop(scenario())


def test_test_voice_shows_playing_then_clears(
    qapp: QApplication, qloop: Run, tmp_path: Path
) -> None:
    """Test voice says "Playing…" while the sample plays, and nothing once it was heard."""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path) as run:
            run.app.open_settings()
            dialog = run.app.settings_dialog
            assert dialog is not None
            dialog.test_voice_button.click()
            assert dialog.voice_status.text() == "Playing…"
            await until(lambda: dialog.voice_status.isHidden(), "the status to clear")
            assert run.speaker.said[-1] == phrasing.new_order("0000", run.app.language)

    qloop(scenario())


def test_test_voice_says_when_playback_failed(
    qapp: QApplication, qloop: Run, tmp_path: Path
) -> None:
    """A sample that was not heard shows "Playback failed" and what to check."""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path) as run:
            run.speaker.failure = "aplay failed: audio open error"
            run.app.open_settings()
            dialog = run.app.settings_dialog
            assert dialog is not None
            dialog.test_voice_button.click()
            await until(
                lambda: dialog.voice_status.text().startswith("Playback failed"), "the failure"
            )
            assert "speakers" in dialog.voice_status.text()
            assert dialog.voice_status.isVisibleTo(dialog)

    qloop(scenario())


def test_settings_test_connection_against_the_server(
    qapp: QApplication, qloop: Run, tmp_path: Path, qtbot: Any
) -> None:
    """Test connection tries the typed address and token on the real server and says how it
    went: connected with the right token, token rejected with a wrong one."""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path, configured=False) as run:
            dialog = run.app.settings_dialog
            assert dialog is not None
            dialog.url_edit.setText(run.backend.base_url.removeprefix("http://"))
            dialog.token_edit.setText(run.backend.token)
            qtbot.mouseClick(dialog.test_connection_button, Qt.MouseButton.LeftButton)
            await until(lambda: dialog.connection_result.text() == "Connected", "connected")
            dialog.token_edit.setText("obt_wrong")
            qtbot.mouseClick(dialog.test_connection_button, Qt.MouseButton.LeftButton)
            await until(
                lambda: dialog.connection_result.text() == "Token rejected", "token rejected"
            )
            assert run.store.load().server_url == ""

    qloop(scenario())


def test_a_pc_without_sound_shows_the_no_sound_card_at_start(
    qapp: QApplication, qloop: Run, tmp_path: Path
) -> None:
    """At start-up the output is checked: without sound the red card and tray alarm appear."""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path, output="aplay failed: audio open error") as run:
            await until(lambda: "sound" in run.app.notices.kinds(), "the no-sound notice")
            assert run.app.notices.level("sound") is NoticeLevel.ALARM
            await until(lambda: run.app.tray.state is TrayState.NO_SOUND, "the tray alarm")

    qloop(scenario())


class NoKeyring(MemoryKeyring):
    """A PC without a usable system keyring."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.NoKeyringError("no keyring backend")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.NoKeyringError("no keyring backend")


def test_without_a_keyring_the_token_is_kept_in_a_file_and_the_app_says_so(
    qapp: QApplication, qloop: Run, tmp_path: Path, qtbot: Any
) -> None:
    """First run on a PC without a keyring: saving works, the token lands in an owner-only file,
    a note says where, and the app connects."""

    async def scenario() -> None:
        async with running_app(
            qapp, tmp_path, configured=False, keyring_backend=NoKeyring()
        ) as run:
            dialog = run.app.settings_dialog
            assert dialog is not None
            dialog.url_edit.setText(run.backend.base_url)
            dialog.token_edit.setText(run.backend.token)
            qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
            path = tmp_path / "config" / TOKEN_FILE
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert NOTICE_TOKEN_STORAGE in run.app.notices.kinds()
            assert str(path) in run.app.notices.text_of(NOTICE_TOKEN_STORAGE)
            await until(lambda: run.app.counter.link.value == "connected", "the connection")

    qloop(scenario())


def test_cards_are_laid_out_again_when_the_screen_changes(
    qapp: QApplication, qloop: Run, tmp_path: Path
) -> None:
    """A change of the screen's available area (resolution, task bar) re-places the cards."""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path) as run:
            order = await run.paid_order()
            await until(lambda: run.app.cards.shows_in_full(order.id or 0), "the card")
            card = run.app.cards.card(order.id or 0)
            assert card is not None
            placed = card.pos()
            card.move(0, 0)
            screen = qapp.primaryScreen()
            screen.availableGeometryChanged.emit(screen.availableGeometry())
            assert card.pos() == placed

    qloop(scenario())


def test_orders_window_shows_how_many_counters_are_online(
    qapp: QApplication, qloop: Run, tmp_path: Path
) -> None:
    """Opening Orders shows this shop's connected counters: the app's own connection counts."""

    async def scenario() -> None:
        async with running_app(qapp, tmp_path) as run:
            await until(lambda: run.app.counter.link.value == "connected", "the link")
            label = run.app.orders.counters_label
            run.app.show_orders()

            def counted() -> bool:
                if label.isVisible() and label.text() == "Counters online in this shop: 1":
                    return True
                # Asked before the server had this PC live: ask again, as Refresh would.
                run.app.refresh_counters_if_shown()
                return False

            await until(counted, "the count of connected counters")

    qloop(scenario())
