"""Wiring: builds the counter PC's pieces and connects them. The one place that knows them all."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import asdict, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QLocale, QTimer
from PySide6.QtGui import QScreen
from PySide6.QtWidgets import QApplication

from desktop import autostart
from desktop.checks import startup_checks
from desktop.config import DesktopSettings, SettingsStore
from desktop.core import phrasing
from desktop.core.alerts import AlertBoard
from desktop.core.cards import Alert
from desktop.core.chimes import Chimes, RingMode
from desktop.core.cursor import CursorStore
from desktop.core.linkwatch import LinkWatch
from desktop.core.marks import QT_TRANSLATE_NOOP, Message, lines, message
from desktop.core.phrasing import Language
from desktop.core.stack import Box
from desktop.core.utterance import Priority
from desktop.counter import (
    NOTICE_LINK,
    NOTICE_PRINTER,
    NOTICE_READY,
    NOTICE_TOKEN,
    PRINTER_PROBLEM_TITLES,
    Counter,
    CounterStatus,
)
from desktop.i18n import install_translator, pick_language
from desktop.net import ApiError, CounterApi, EventStream, LinkState, RemoteOrder, stream_url
from desktop.net.connection import check_connection
from desktop.net.stats import TodayFigures
from desktop.net.stream import STABLE_AFTER_S
from desktop.printing.device import PrintFailed
from desktop.printing.kitchen import KitchenTickets, PrintSettings, print_test_ticket
from desktop.printing.queue import PrintQueue
from desktop.printing.uri import PRINTER_URI_CONTEXT, PrinterUriError
from desktop.printing.worker import PrinterStatus, PrintWorker
from desktop.selfcheck import run_checks
from desktop.speech.errors import SpeechError
from desktop.speech.voices import VoiceInfo, voices_for_settings
from desktop.speech.worker import SpeechWorker
from desktop.tasks import BackgroundTasks
from desktop.token_store import TokenPlace, TokenStorageError
from desktop.ui.card_stack import CardStack, box_of, primary_area
from desktop.ui.icons import TrayState
from desktop.ui.notice import NoticeAction, NoticeCard, NoticeLevel
from desktop.ui.orders_window import OrdersWindow
from desktop.ui.quit_dialog import QuitConfirmation
from desktop.ui.reject_dialog import RejectDialog
from desktop.ui.reply_dialog import ReplyDialog
from desktop.ui.rows import OrderRow
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.settings_form import PrinterForm, SettingsForm
from desktop.ui.texts import translated
from desktop.ui.tray import Tray
from orderbell_protocol import OrderLine, OrderStatus, PayStatus

log = logging.getLogger(__name__)

NOTICE_SELF_CHECK = "selfcheck"
NOTICE_TOKEN_STORAGE = "token_storage"  # noqa: S105 - a notice kind, not a secret
READY_NOTICE_MS = 8_000
COUNTERS_CLOCK_MS = 30_000
CARD_CLOCK_MS = 30_000


def local_now() -> datetime:
    """The aware local wall time (what staff read on the cards)."""
    return datetime.now().astimezone()


# What a failed start-up check means for staff, by check name; the log has the details.
_CHECK_PROBLEMS = {
    "speech": QT_TRANSLATE_NOOP("App", "Speech does not work on this PC."),
    "server": QT_TRANSLATE_NOOP("App", "The server cannot be reached."),
    "token": QT_TRANSLATE_NOOP("App", "The server does not accept this PC's device token."),
    "tray": QT_TRANSLATE_NOOP("App", "There is no system tray: alert cards still appear."),
}
# Checks that a working link to the server proves passed.
_LINK_CHECKS = ("server", "token")
SPEECH_UNAVAILABLE = message(QT_TRANSLATE_NOOP("App", "Speech does not work on this PC."))
PLAYING = message(QT_TRANSLATE_NOOP("App", "Playing…"))
PLAYBACK_FAILED = message(
    QT_TRANSLATE_NOOP("App", "Playback failed: check the speakers and the volume.")
)


def check_problem(name: str) -> Message:
    """What a failed check called ``name`` means, for staff."""
    for known, text in _CHECK_PROBLEMS.items():
        if name == known or name.startswith(f"{known} "):
            return message(text)
    return message(QT_TRANSLATE_NOOP("App", "A self-check failed; the log says which."))


def order_row(order: RemoteOrder) -> OrderRow:
    """The orders window's line for one order."""
    return OrderRow(
        order_id=order.id,
        number=order.number,
        status=order.status,
        amount_fen=order.amount_fen,
        items=tuple(OrderLine(item.name, item.quantity) for item in order.items),
        remark=order.remark,
        paid_at=order.paid_at,
        handled_at=order.accepted_at,
        reminder_count=order.reminder_count,
        rejected_reason=order.rejected_reason,
        refunded=order.pay_status is PayStatus.REFUNDED,
        day_seq=order.day_seq,
        refunded_fen=order.refunded_fen,
    )


def tray_state(status: CounterStatus) -> tuple[TrayState, int]:
    """The tray icon for a counter status: an alarm beats orders, orders beat the rest."""
    if status.alarming or status.link is LinkState.TOKEN_REJECTED:
        return TrayState.DISCONNECTED, status.ringing
    if not status.sound_ok:
        return TrayState.NO_SOUND, status.ringing
    if status.ringing:
        return TrayState.ALERTING, status.ringing
    if status.link is not LinkState.CONNECTED:
        return TrayState.DISCONNECTED, 0
    if status.muted_until is not None:
        return TrayState.MUTED, 0
    return TrayState.CONNECTED, 0


class QtCounterView:
    """The conductor's view (:class:`desktop.counter.CounterView`) on the real widgets."""

    def __init__(
        self,
        cards: CardStack,
        notices: NoticeCard,
        tray: Tray,
        orders: OrdersWindow,
        open_settings: Callable[[], None],
        reject_dialog: RejectDialog,
    ) -> None:
        self.cards = cards
        self.reject_dialog = reject_dialog
        self.notices = notices
        self.tray = tray
        self.orders = orders
        self._open_settings = open_settings
        self.speech_problem: Message | None = None
        self._check_failures: dict[str, Message] = {}

    def show_alerts(self, alerts: Sequence[Alert], now: datetime) -> None:
        self.cards.show_alerts(alerts, now)

    def hide_alerts(self, order_ids: Sequence[int]) -> None:
        self.cards.hide_cards(order_ids)
        if self.reject_dialog.isVisible() and self.reject_dialog.order_id in order_ids:
            # Handled meanwhile (here or at another counter): nothing is left to reject.
            self.reject_dialog.reject()

    def set_card_busy(self, order_id: int, busy: bool) -> None:
        self.cards.set_busy(order_id, busy)
        self.orders.set_busy(order_id, busy)

    def show_card_error(self, order_id: int, text: Message) -> None:
        if self.cards.shows_in_full(order_id):
            self.cards.show_error(order_id, text)
        # Staff may have clicked in the Orders window, or the order has no card of its own.
        self.orders.show_error(text)

    def clear_errors(self) -> None:
        self.cards.clear_errors()
        self.orders.show_error("")
        for name in list(self._check_failures):
            if name in _LINK_CHECKS:
                del self._check_failures[name]
        self._show_check_failures()

    def set_check_failures(self, names: Sequence[str]) -> None:
        """The start-up checks that failed; the notice lists what each means."""
        self._check_failures = {name: check_problem(name) for name in names}
        self._show_check_failures()

    def _show_check_failures(self) -> None:
        if not self._check_failures:
            self.notices.clear(NOTICE_SELF_CHECK)
            return
        self.notices.show_notice(
            NOTICE_SELF_CHECK,
            message(QT_TRANSLATE_NOOP("App", "Self-check found problems")),
            lines(*self._check_failures.values()),
            NoticeLevel.WARNING,
            NoticeAction.OPEN_SETTINGS,
        )

    def update_status(self, status: CounterStatus) -> None:
        state, count = tray_state(status)
        problem = "" if self.speech_problem is None else translated(self.speech_problem)
        self.tray.set_state(state, count, status.muted_until, problem)
        self.orders.set_status_text(_link_text(status.link))

    def notify(self, order_id: int, title: str, text: str) -> None:
        if self.cards.shows_in_full(order_id):
            # The card says it all; a balloon would cover its buttons for seconds.
            log.info("no notification for order #%s: its card is on screen", order_id)
            return
        self.tray.notify(title, text)

    def show_notice(self, kind: str, title: Message, text: Message | None) -> None:
        action = {
            NOTICE_TOKEN: NoticeAction.OPEN_SETTINGS,
            NOTICE_LINK: NoticeAction.RECONNECT,
            NOTICE_PRINTER: NoticeAction.OPEN_SETTINGS,
        }.get(kind, NoticeAction.NONE)
        level = {
            NOTICE_SELF_CHECK: NoticeLevel.WARNING,
            NOTICE_TOKEN_STORAGE: NoticeLevel.WARNING,
            NOTICE_READY: NoticeLevel.INFO,
        }.get(kind, NoticeLevel.ALARM)
        hide_after = READY_NOTICE_MS if kind == NOTICE_READY else None
        self.notices.show_notice(kind, title, text or "", level, action, hide_after)

    def update_notice(self, kind: str, title: Message, text: Message) -> None:
        self.notices.update_notice(kind, title, text)

    def clear_notice(self, kind: str) -> None:
        self.notices.clear(kind)

    def token_rejected(self) -> None:
        self._open_settings()

    def counters_changed(self, count: int | None) -> None:
        self.orders.set_counters_online(count)

    def orders_changed(
        self, waiting: Sequence[RemoteOrder], handled: Sequence[RemoteOrder]
    ) -> None:
        self.orders.set_waiting([order_row(order) for order in waiting])
        self.orders.set_handled([order_row(order) for order in handled])

    def today_changed(self, figures: TodayFigures | None) -> None:
        self.orders.set_today(figures)


def _link_text(state: LinkState) -> str:
    translate = QCoreApplication.translate
    return {
        LinkState.CONNECTING: translate("App", "Connecting…"),
        LinkState.CONNECTED: translate("App", "Connected"),
        LinkState.DISCONNECTED: translate("App", "Disconnected, retrying"),
        LinkState.TOKEN_REJECTED: translate("App", "Device token rejected"),
        LinkState.MISCONFIGURED: translate("App", "Server address unusable"),
    }[state]


class DesktopApp:
    """The running counter app: widgets, conductor, stream, REST client and speech, connected.

    ``store`` keeps settings and the token; ``state_dir`` holds the event cursor. ``quit`` is
    set when staff choose Quit. Background tasks are kept here (qasync's slots do not keep
    references) and every failure in them is logged, never fatal.
    """

    def __init__(
        self,
        qapp: QApplication,
        store: SettingsStore,
        speaker: SpeechWorker,
        state_dir: Path,
        *,
        backoff: Callable[[], Any] | None = None,
        login: autostart.Autostart | None = None,
        installed: bool | None = None,
    ) -> None:
        self.qapp = qapp
        # A tray app has no main window: closing a dialog must never end it.
        qapp.setQuitOnLastWindowClosed(False)
        self.store = store
        self.speaker = speaker
        self.state_dir = state_dir
        # No settings saved yet: the settings dialog opens, and the installed app offers to
        # start at login (ticked), so a restarted PC does not stay silent.
        self.first_run = not store.path.exists()
        self.installed = autostart.is_installed() if installed is None else installed
        self._login = login if login is not None else autostart.for_platform()
        self.settings = store.load()
        self.token = self._load_token()
        self.quit = asyncio.Event()
        self._backoff = backoff
        self.tasks = BackgroundTasks()
        self._voices: list[VoiceInfo] = []
        self.language = self._apply_language(self.settings.language)

        self.notices = NoticeCard()
        self.cards = CardStack(area=self._stack_area)
        self.tray = Tray()
        self.orders = OrdersWindow()
        self.reject_dialog = RejectDialog()
        self.reply_dialog = ReplyDialog()
        self.quit_dialog = QuitConfirmation()
        self.settings_dialog: SettingsDialog | None = None
        self.view = QtCounterView(
            self.cards, self.notices, self.tray, self.orders, self.open_settings, self.reject_dialog
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self.print_worker = PrintWorker(
            PrintQueue(state_dir / "print-queue"),
            PrintSettings.from_settings(self.settings).printer_at(self.escpos_dir),
            self._printer_status,
        )
        self.tickets = KitchenTickets(
            self.print_worker, PrintSettings.from_settings(self.settings), local_now
        )
        self.counter = Counter(
            board=AlertBoard(
                repeat_interval_s=self.settings.repeat_interval_s,
                language=self.language,
                chimes=Chimes(enabled=self.settings.chime, mode=RingMode(self.settings.ring_mode)),
            ),
            linkwatch=LinkWatch(
                threshold_s=self.settings.link_down_threshold_s,
                repeat_s=self.settings.link_alarm_repeat_s,
                language=self.language,
                stable_s=STABLE_AFTER_S,
            ),
            speaker=speaker,
            view=self.view,
            api=None,
            clock=time.monotonic,
            wall=local_now,
            tickets=self.tickets,
            auto_accept=self.settings.auto_accept,
        )
        self.api: CounterApi | None = None
        self.stream: EventStream | None = None
        self._card_clock = QTimer()
        self._card_clock.setInterval(CARD_CLOCK_MS)
        self._card_clock.timeout.connect(lambda: self.cards.update_times(local_now()))
        # The count of connected counters is asked for only while someone looks at it.
        self._counters_clock = QTimer()
        self._counters_clock.setInterval(COUNTERS_CLOCK_MS)
        self._counters_clock.timeout.connect(self.refresh_counters_if_shown)
        self._apply_speech(self.settings)
        self._connect_signals()

    # Start and stop -----------------------------------------------------------------------

    def start(self, *, run_self_check: bool = True) -> None:
        """Show the tray, start the alert loop, connect (or ask for settings on first run), and
        check that sound reaches the speakers."""
        self._loop = asyncio.get_running_loop()
        self.print_worker.start()
        self.tray.show()
        self._card_clock.start()
        self.speaker.on_sound = self._sound_played
        self._counters_clock.start()
        self.spawn(self.counter.run())
        self.counter.check_sound()
        if self.settings.server_url and self.token:
            self.connect(self.settings.server_url, self.token)
        else:
            log.info("first run: no server or token yet; opening settings")
            self.open_settings()
        self.spawn(self._load_voices())
        if run_self_check:
            self.spawn(self._startup_self_check())

    def connect(self, server_url: str, token: str) -> None:
        """Use this server and token from now on (REST and stream)."""
        try:
            api = CounterApi(server_url, token)
        except ApiError as exc:
            log.warning("cannot use server %s: %s", server_url, exc)
            self.counter.on_state(LinkState.MISCONFIGURED)
            return
        old, self.api = self.api, api
        self.counter.api = api
        if old is not None:
            self.spawn(old.aclose())
        url = stream_url(server_url)
        if self.stream is None:
            self.stream = EventStream(
                url,
                token,
                CursorStore(self.state_dir / "cursor"),
                self.counter.on_event,
                self.counter.on_state,
                backoff=self._backoff,
            )
            self.spawn(self.stream.run())
        else:
            self.stream.update(url, token)

    async def shutdown(self) -> None:
        """Close the stream and the client, stop the loop and the speech thread, hide the tray."""
        self._card_clock.stop()
        self.speaker.on_sound = None
        self._counters_clock.stop()
        if self.stream is not None:
            self.stream.stop()
        await self.tasks.close()
        if self.api is not None:
            await self.api.aclose()
        await asyncio.to_thread(self.speaker.close)
        await asyncio.to_thread(self.print_worker.stop)
        self.tray.hide()
        self.cards.close_all()
        windows = (
            self.notices,
            self.orders,
            self.reject_dialog,
            self.reply_dialog,
            self.quit_dialog,
        )
        for window in (*windows, self.settings_dialog):
            if window is not None:
                window.close()

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coroutine`` in the background (kept referenced, failures logged)."""
        return self.tasks.spawn(coroutine)

    # Signals ------------------------------------------------------------------------------

    def _connect_signals(self) -> None:
        self.cards.accept_clicked.connect(self.accept)
        self.cards.reject_clicked.connect(self.ask_reject_reason)
        self.cards.later_clicked.connect(self.later)
        self.cards.reply_clicked.connect(self.ask_reply)
        self.cards.orders_requested.connect(self.show_orders)
        # A screen plugged in or out, a resolution or task bar change: lay the cards out again.
        self.qapp.primaryScreenChanged.connect(self._watch_screen)
        self._watch_screen(self.qapp.primaryScreen())
        self.orders.accept_requested.connect(self.accept)
        self.orders.reject_requested.connect(self.ask_reject_reason)
        self.orders.refresh_requested.connect(self.counter.refresh_orders_soon)
        self.orders.refresh_requested.connect(self.refresh_counters_if_shown)
        self.orders.reprint_requested.connect(self.reprint)
        self.reject_dialog.reason_chosen.connect(self.reject)
        self.reply_dialog.reply_chosen.connect(self.reply)
        self.tray.orders_requested.connect(self.show_orders)
        self.tray.mute_requested.connect(self.counter.mute)
        self.tray.test_alert_requested.connect(self.counter.test_alert)
        self.tray.settings_requested.connect(self.open_settings)
        self.tray.reconnect_requested.connect(self.reconnect)
        self.tray.quit_requested.connect(self.request_quit)
        self.quit_dialog.confirmed.connect(self.quit.set)
        self.notices.action_clicked.connect(self._notice_action)
        self.notices.changed.connect(self.cards.rearrange)

    def accept(self, order_id: int) -> None:
        """Accept pressed on a card or in the orders window."""
        self.spawn(self.counter.accept(order_id))

    def reprint(self, order_id: int) -> None:
        """Print ticket pressed in the orders window."""
        self.spawn(self.counter.reprint(order_id))

    def reject(self, order_id: int, reason: str) -> None:
        """A rejection reason was chosen."""
        self.spawn(self.counter.reject(order_id, reason))

    def ask_reject_reason(self, order_id: int) -> None:
        """Reject… pressed: ask why, without a nested event loop."""
        card = self.cards.card(order_id)
        tail = card.alert.tail if card is not None else str(order_id)
        self.reject_dialog.ask(order_id, tail, lambda d: self.cards.place_beside(order_id, d))

    def reply(self, order_id: int, preset: str, text: str) -> None:
        """An answer to the customer's reminder was chosen."""
        self.spawn(self.counter.reply(order_id, preset, text))

    def ask_reply(self, order_id: int) -> None:
        """Reply… pressed on a reminded card: offer the presets and a line."""
        card = self.cards.card(order_id)
        called = card.alert.tail if card is not None else str(order_id)
        if card is not None and card.alert.day_seq is not None:
            called = f"{card.alert.day_seq} · {called}"
        self.reply_dialog.ask(order_id, called, lambda d: self.cards.place_beside(order_id, d))

    def later(self, order_id: int) -> None:
        """Later (or OK on a card that needs no decision) pressed."""
        card = self.cards.card(order_id)
        if card is not None and card.alert.status is not OrderStatus.TO_BE_CONFIRMED:
            self.counter.dismiss(order_id)
        else:
            self.counter.later(order_id)

    def show_orders(self) -> None:
        """Bring the orders window forward (tray menu, or a second launch)."""
        self.counter.refresh_orders_soon()
        self.orders.bring_to_front()
        self.refresh_counters_if_shown()

    def refresh_counters_if_shown(self) -> None:
        """Ask the server how many counters of the shop are connected, if the window shows it."""
        if self.orders.isVisible():
            self.counter.spawn(self.counter.refresh_counters())

    def reconnect(self) -> None:
        """Tray menu Reconnect."""
        if self.stream is not None:
            self.stream.reconnect()

    def _watch_screen(self, screen: QScreen | None) -> None:
        if screen is not None:
            screen.availableGeometryChanged.connect(self.cards.rearrange)
        self.cards.rearrange()

    def _stack_area(self) -> Box | None:
        """The screen area for alert cards: the primary screen's, below the notice card."""
        area = primary_area()
        if area is None or not self.notices.isVisible():
            return area
        notice = box_of(self.notices.frameGeometry())
        if not area.intersects(notice):
            return area
        return Box(area.x, notice.bottom, area.width, max(area.bottom - notice.bottom, 0))

    def _notice_action(self, kind: str) -> None:
        if kind in (NOTICE_TOKEN, NOTICE_PRINTER):
            self.open_settings()
        elif kind == NOTICE_LINK:
            self.reconnect()

    # Settings -----------------------------------------------------------------------------

    def open_settings(self) -> None:
        """Show the settings dialog (non-modal), filled with the current settings."""
        form = SettingsForm(
            server_url=self.settings.server_url,
            token=self.token or "",
            language=self.settings.language,
            voice=self.settings.voice,
            rate=self.settings.rate,
            volume=self.settings.volume,
            chime=self.settings.chime,
            ring_mode=self.settings.ring_mode,
            repeat_interval_s=self.settings.repeat_interval_s,
            link_down_threshold_s=self.settings.link_down_threshold_s,
            start_at_login=self.settings.start_at_login or self._offers_start_at_login(),
            printing=PrinterForm(
                **{field.name: getattr(self.settings, field.name) for field in fields(PrinterForm)}
            ),
        )
        if self.settings_dialog is None:
            self.settings_dialog = SettingsDialog(form, self._voice_options())
            self.settings_dialog.saved.connect(self.apply_settings)
            self.settings_dialog.test_voice_requested.connect(self.test_voice)
            self.settings_dialog.test_connection_requested.connect(self.test_connection)
            self.settings_dialog.printing.print_test_requested.connect(self.print_test)
        else:
            self.settings_dialog.load(form, self._voice_options())
        self.settings_dialog.advise_start_at_login(self._offers_start_at_login())
        status = self.speaker.status
        if not status.available:
            log.warning("speech unavailable: %s", status.problem)
            self.settings_dialog.set_voice_status(translated(SPEECH_UNAVAILABLE))
        self.settings_dialog.bring_to_front()

    def request_quit(self) -> None:
        """Tray > Quit: ask first, saying how many orders wait (quitting silences this PC)."""
        waiting = sum(1 for alert in self.counter.board.ringing if alert.awaiting_acceptance)
        self.quit_dialog.ask(waiting)

    def _offers_start_at_login(self) -> bool:
        return self.first_run and self.installed

    def apply_settings(self, form: SettingsForm) -> None:
        """Save what the dialog returned and put it into effect at once."""
        settings = replace(
            self.settings,
            server_url=form.server_url,
            language=form.language,
            voice=form.voice,
            rate=form.rate,
            volume=form.volume,
            chime=form.chime,
            ring_mode=form.ring_mode,
            repeat_interval_s=form.repeat_interval_s,
            link_down_threshold_s=form.link_down_threshold_s,
            start_at_login=form.start_at_login,
            **asdict(form.printing),
        )
        self.store.save(settings)
        if form.token:
            self._save_token(form.token, form.server_url)
        changed_link = (form.server_url, form.token) != (self.settings.server_url, self.token)
        self.settings, self.token = settings, form.token or self.token
        self.language = self._apply_language(settings.language)
        self.counter.language = self.language
        self.counter.board.repeat_interval_s = settings.repeat_interval_s
        self.counter.board.chimes.enabled = settings.chime
        self.counter.board.chimes.mode = RingMode(settings.ring_mode)
        self.counter.linkwatch.threshold_s = settings.link_down_threshold_s
        self._apply_speech(settings)
        self._apply_printing(settings)
        self._apply_autostart(settings.start_at_login)
        if changed_link and settings.server_url and self.token:
            self.connect(settings.server_url, self.token)
        self.counter.wake()

    def test_connection(self, form: SettingsForm) -> None:
        """Settings > Test connection, with the address and token as typed (unsaved)."""
        if self.settings_dialog is not None:
            self.settings_dialog.connection_testing()
        self.spawn(self._test_connection(form))

    async def _test_connection(self, form: SettingsForm) -> None:
        outcome, error = await check_connection(form.server_url, form.token)
        if self.settings_dialog is not None:
            self.settings_dialog.show_connection(outcome, None if error is None else error.message)

    def _save_token(self, token: str, server_url: str) -> None:
        """Keep the token (keyring, else the owner-only file) and say where if not the keyring."""
        try:
            place = self.store.save_token(token, server_url)
        except TokenStorageError as exc:
            log.error("cannot store the device token: %s", exc)
            self.view.show_notice(
                NOTICE_TOKEN_STORAGE,
                message(QT_TRANSLATE_NOOP("App", "Device token not saved")),
                message(
                    QT_TRANSLATE_NOOP(
                        "App",
                        "This PC could not store the device token; OrderBell uses it until "
                        "it quits. The log says why.",
                    )
                ),
            )
            return
        self.view.clear_notice(NOTICE_TOKEN_STORAGE)
        if place is TokenPlace.FILE:
            self.view.show_notice(
                NOTICE_TOKEN_STORAGE,
                message(QT_TRANSLATE_NOOP("App", "Device token kept in a file")),
                message(
                    QT_TRANSLATE_NOOP(
                        "App",
                        "This PC has no system keyring, so the device token is kept in %1, "
                        "which only your user account can read.",
                    ),
                    self.store.tokens.path,
                ),
            )

    def test_voice(self, form: SettingsForm) -> None:
        """Say a sample phrase with the dialog's (unsaved) voice settings; the dialog shows
        "Playing…", then nothing, or "Playback failed" (the log says why)."""
        self._apply_speech(
            replace(self.settings, voice=form.voice, rate=form.rate, volume=form.volume)
        )
        if self.settings_dialog is not None:
            self.settings_dialog.set_voice_status(translated(PLAYING))
        self.spawn(self._play_test_voice())

    def _sound_played(self, problem: str | None) -> None:
        """Called on the speech worker's thread: the conductor lives on the loop's thread."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.counter.sound_played, problem)

    async def _play_test_voice(self) -> None:
        text = phrasing.new_order("0000", self.language)
        try:
            await asyncio.to_thread(
                self.speaker.say_and_wait, text, self.language, Priority.NEW_ORDER
            )
        except SpeechError as exc:
            log.warning("test voice not heard: %s", exc)
            status = translated(PLAYBACK_FAILED)
        else:
            status = ""
        if self.settings_dialog is not None:
            self.settings_dialog.set_voice_status(status)

    def print_test(self, form: PrinterForm) -> None:
        """Print test ticket pressed: print with the dialog's (unsaved) printer settings."""
        self.spawn(self._print_test(form))

    @property
    def escpos_dir(self) -> Path:
        """Where the printer driver keeps its printer database."""
        return self.state_dir / "escpos"

    async def _print_test(self, form: PrinterForm) -> None:
        settings = PrintSettings.from_settings(form)
        translate = QCoreApplication.translate
        try:
            line = await asyncio.to_thread(
                print_test_ticket, settings, self.escpos_dir, local_now()
            )
        except PrinterUriError as exc:
            ok, text = False, translate(PRINTER_URI_CONTEXT, str(exc))
        except PrintFailed as exc:
            log.warning("test ticket failed: %s", exc)
            ok, text = False, translated(message(PRINTER_PROBLEM_TITLES[exc.problem]))
        else:
            log.info("%s", line)
            ok, text = True, translate("PrinterSettings", "The test ticket was sent.")
        if self.settings_dialog is not None:
            self.settings_dialog.printing.set_test_result(ok, text)

    def _printer_status(self, status: PrinterStatus) -> None:
        """From the print worker's thread: hand the status to the conductor on the Qt thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.counter.on_printer_status, status)

    def _apply_printing(self, settings: DesktopSettings) -> None:
        printing = PrintSettings.from_settings(settings)
        if printing.printer != self.tickets.settings.printer:
            self.print_worker.set_printer(printing.printer_at(self.escpos_dir))
        self.tickets.settings = printing
        self.counter.auto_accept = settings.auto_accept

    def _load_token(self) -> str | None:
        try:
            return self.store.load_token(self.settings.server_url or None)
        except TokenStorageError as exc:
            log.error("cannot read the device token: %s", exc)
            return None

    def _apply_language(self, setting: str) -> Language:
        code = pick_language(setting, QLocale.system().name())
        # Installing a translator sends LanguageChange: every widget re-translates itself.
        install_translator(self.qapp, code)
        return Language.ZH if code == "zh" else Language.EN

    def _apply_speech(self, settings: DesktopSettings) -> None:
        self.speaker.rate = settings.rate
        self.speaker.volume = settings.volume
        self.speaker.set_language_voice(self.language, settings.voice or None)

    def _apply_autostart(self, wanted: bool) -> None:
        try:
            if wanted and not self._login.is_enabled():
                self._login.enable(autostart.launch_command())
            elif not wanted and self._login.is_enabled():
                self._login.disable()
        except OSError as exc:
            log.warning("cannot change start at login: %s", exc)

    # Background work ----------------------------------------------------------------------

    async def _load_voices(self) -> None:
        self._voices = await asyncio.to_thread(self.speaker.list_voices)

    def _voice_options(self) -> list[tuple[str, str]]:
        """The voices the settings dialog offers: those of the current language, by name."""
        offered = voices_for_settings(self._voices, self.language)
        return [(voice.id, voice.name) for voice in offered]

    async def _startup_self_check(self) -> None:
        status = await asyncio.to_thread(self.speaker.probe)
        if not status.available:
            log.warning("speech unavailable: %s", status.problem)
            self.view.speech_problem = SPEECH_UNAVAILABLE
        results = await run_checks(
            startup_checks(
                self.speaker, self.settings.server_url, self.token, language=self.language
            )
        )
        failed = [result for result in results if not result.ok]
        if failed:
            details = "\n".join(f"{result.name}: {result.detail}" for result in failed)
            log.warning("start-up self-check found problems:\n%s", details)
        if self.counter.link is LinkState.CONNECTED:
            # Connected meanwhile: the server and the token are fine, whatever the check saw.
            failed = [result for result in failed if result.name not in _LINK_CHECKS]
        self.view.set_check_failures([result.name for result in failed])
        self.counter.wake()
