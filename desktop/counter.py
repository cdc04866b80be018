"""The counter's conductor: events and clicks in, cards, speech and API calls out (Qt-free).

It owns no widgets and no sockets: the view, the speaker and the REST client are passed in, so
the whole alert loop runs in tests with small fakes and, in the app, with the real Qt view.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from desktop.core import phrasing
from desktop.core.alerts import AlertBoard
from desktop.core.cards import Alert, WaitingOrder
from desktop.core.linkwatch import LinkWatch
from desktop.core.marks import QT_TRANSLATE_NOOP, Message, message
from desktop.core.pacer import RequestPacer
from desktop.core.phrasing import Language
from desktop.core.soundwatch import SoundWatch
from desktop.core.utterance import Priority, Utterance, UtteranceKind
from desktop.net import ApiError, OrderConflict, RemoteOrder, TokenRejected
from desktop.net.stats import TodayFigures
from desktop.net.stream import LinkState
from desktop.printing.device import PrintProblem
from desktop.printing.kitchen import PRINT_ON_ACCEPT, PRINT_ON_ARRIVAL, KitchenTickets
from desktop.printing.ticket import TicketOrder
from desktop.printing.worker import PrinterStatus
from desktop.speech.speaker import Speaker
from desktop.tasks import BackgroundTasks
from orderbell_protocol import Event, EventType, OrderLine

log = logging.getLogger(__name__)

# Today's figures are asked for at most this often (seconds); the last change still shows.
TODAY_FIGURES_EVERY_S = 5.0

NOTICE_LINK = "link"
NOTICE_TOKEN = "token"  # noqa: S105 - a notice kind, not a secret
NOTICE_READY = "ready"
READY = QT_TRANSLATE_NOOP("App", "OrderBell is connected and taking orders")
NOTICE_PRINTER = "printer"
NOTICE_SOUND = "sound"

PRINTER_PROBLEM_TITLES = {
    PrintProblem.UNREACHABLE: QT_TRANSLATE_NOOP("App", "Printer connection failed"),
    PrintProblem.PAPER_OUT: QT_TRANSLATE_NOOP("App", "Printer is out of paper"),
}
PRINTER_PROBLEM_TEXT = QT_TRANSLATE_NOOP(
    "App", "Kitchen tickets wait and print by themselves, in order, once the printer is back."
)


@dataclass(frozen=True, slots=True)
class CounterStatus:
    """What the tray shows: the link, the alarm, how many orders ring, any mute, and whether
    the sound is heard."""

    link: LinkState
    alarming: bool
    ringing: int
    muted_until: datetime | None
    sound_ok: bool = True


class CounterView(Protocol):
    """What the conductor asks of the screen (the Qt view in the app, a fake in tests)."""

    def show_alerts(self, alerts: Sequence[Alert], now: datetime) -> None: ...

    def hide_alerts(self, order_ids: Sequence[int]) -> None: ...

    def set_card_busy(self, order_id: int, busy: bool) -> None: ...

    def show_card_error(self, order_id: int, text: Message) -> None: ...

    def clear_errors(self) -> None: ...

    def update_status(self, status: CounterStatus) -> None: ...

    def notify(self, order_id: int, title: str, text: str) -> None: ...

    def show_notice(self, kind: str, title: Message, text: Message | None) -> None: ...

    def update_notice(self, kind: str, title: Message, text: Message) -> None: ...

    def clear_notice(self, kind: str) -> None: ...

    def token_rejected(self) -> None: ...

    def orders_changed(
        self, waiting: Sequence[RemoteOrder], handled: Sequence[RemoteOrder]
    ) -> None: ...

    def today_changed(self, figures: TodayFigures | None) -> None: ...
    def counters_changed(self, count: int | None) -> None: ...


class OrdersApi(Protocol):
    """The part of :class:`desktop.net.CounterApi` the conductor uses."""

    async def waiting_orders(self) -> list[RemoteOrder]: ...

    async def handled_today(self, now: datetime) -> list[RemoteOrder]: ...

    async def today_figures(self) -> TodayFigures: ...
    async def counters_online(self) -> int | None: ...

    async def accept(self, order_id: int) -> RemoteOrder: ...

    async def order(self, order_id: int) -> RemoteOrder: ...

    async def reject(self, order_id: int, reason: str) -> RemoteOrder: ...

    async def reply_to_reminder(self, order_id: int, *, preset: str, text: str) -> RemoteOrder: ...


def duration(seconds: float) -> Message:
    """How long something has lasted, in whole minutes: "1 min", "2 h 5 min"."""
    minutes = max(int(seconds), 0) // 60
    if minutes < 60:
        return message(QT_TRANSLATE_NOOP("App", "%1 min"), max(minutes, 1))
    hours, minutes = divmod(minutes, 60)
    return message(QT_TRANSLATE_NOOP("App", "%1 h %2 min"), hours, minutes)


def link_down_notice(down_s: float) -> tuple[Message, Message]:
    """The title and text of the link notice after ``down_s`` seconds without a link."""
    title = message(QT_TRANSLATE_NOOP("App", "Order alerts disconnected"))
    text = message(
        QT_TRANSLATE_NOOP(
            "App",
            "The link to the server has been down for %1: no new order can arrive. "
            "OrderBell keeps trying; check the network.",
        ),
        duration(down_s),
    )
    return title, text


def waiting_order(order: RemoteOrder) -> WaitingOrder:
    """The alert board's view of an order the server lists as waiting."""
    digits = "".join(ch for ch in order.phone if ch.isdigit())
    return WaitingOrder(
        order_id=order.id,
        order_number=order.number,
        amount_fen=order.amount_fen,
        items=tuple(OrderLine(item.name, item.quantity) for item in order.items),
        remark=order.remark,
        paid_at=order.paid_at,
        phone_tail=digits[-4:],
        address=order.address,
        day_seq=order.day_seq,
    )


class Counter:
    """Runs one counter PC's alerts.

    Feed it stream events (:meth:`on_event`), link changes (:meth:`on_state`), the outcome of
    every playback (:meth:`sound_played`) and staff clicks (:meth:`accept`, :meth:`reject`,
    :meth:`later`, :meth:`mute`); :meth:`run` carries out what the alert board, the link watch
    and the sound watch decide, when they decide it, until cancelled.
    ``clock`` is monotonic seconds (for timers), ``wall`` the aware local time (for display).
    """

    def __init__(
        self,
        *,
        board: AlertBoard,
        linkwatch: LinkWatch,
        speaker: Speaker,
        view: CounterView,
        api: OrdersApi | None,
        clock: Callable[[], float],
        wall: Callable[[], datetime],
        tickets: KitchenTickets | None = None,
        auto_accept: bool = False,
        soundwatch: SoundWatch | None = None,
        figures_every_s: float = TODAY_FIGURES_EVERY_S,
    ) -> None:
        self.board = board
        self.linkwatch = linkwatch
        self.soundwatch = soundwatch if soundwatch is not None else SoundWatch()
        self.speaker = speaker
        self.view = view
        self.api = api
        self._clock = clock
        self._wall = wall
        self._wake = asyncio.Event()
        self.tasks = BackgroundTasks()
        self._link = LinkState.CONNECTING
        # Order-list refreshes run one at a time; a snapshot taken while an order changed
        # here or on the stream is stale and is thrown away (it could re-ring a handled order).
        self._refreshing = False
        self._refresh_again = False
        self._changes = 0
        # Desktop notifications wait for the card of their order to be shown (the view drops
        # one whose order has a card on screen: a balloon must not cover the card's buttons).
        self._to_notify: dict[int, tuple[str, str]] = {}
        # While the link alarm is on, its notice says how long the link has been down; this is
        # when that text next changes (None while there is no alarm).
        self._link_notice_refresh: float | None = None
        self._ever_connected = False
        self.spoken: list[str] = []  # the last utterances, newest last (self-check, demo)
        self.tickets = tickets
        self.auto_accept = auto_accept  # accept new orders here at once (and print them)
        self._auto_accepting: set[int] = set()
        self._printer_problem: PrintProblem | None = None
        # Every counter of the shop reloads after every event: today's figures (a query over
        # the day's orders) are asked for at this pace, the last change included.
        self._figures = RequestPacer(figures_every_s)

    @property
    def language(self) -> Language:
        """The language cards are phrased and spoken in."""
        return self.board.language

    @language.setter
    def language(self, value: Language) -> None:
        self.board.language = value
        self.linkwatch.language = value

    @property
    def link(self) -> LinkState:
        """The last link state the stream reported."""
        return self._link

    # Inputs -------------------------------------------------------------------------------

    async def on_event(self, event: Event) -> None:
        """One new event from the stream (already de-duplicated by id)."""
        log.info(
            "event #%s type %s order %s status %s",
            event.id,
            event.type.name,
            event.order_number,
            event.status.name,
        )
        self._changes += 1
        if event.type is EventType.NEW_ORDER and self.auto_accept and self.api is not None:
            self._auto_accepting.add(event.order_id)
            self.spawn(self._auto_accept(event, self.api))
            self.wake()
            return
        self.board.handle_event(event, self._clock(), self._wall())
        if event.type is EventType.NEW_ORDER:
            amount = phrasing.format_amount(event.amount_fen)
            title = phrasing.new_order_title(event.tail, self.language, event.day_seq)
            self._to_notify[event.order_id] = (title, amount)
            if self.tickets is not None and self.tickets.prints_on(PRINT_ON_ARRIVAL):
                self.spawn(self._print_arrival(event))
        elif event.type is EventType.REMINDER:
            # The title names the tail in digits; the spoken sentence says them as words.
            text = (
                phrasing.format_amount(event.amount_fen)
                if event.waited_seconds is None
                else phrasing.waited(event.waited_seconds, self.language)
            )
            title = phrasing.reminder_title(event.tail, self.language, event.day_seq)
            self._to_notify[event.order_id] = (title, text)
        self.refresh_orders_soon()
        self.wake()

    def on_state(self, state: LinkState) -> None:
        """The stream's link changed."""
        log.info("link %s", state.value)
        self._link = state
        now = self._clock()
        if state is LinkState.CONNECTED:
            if not self._ever_connected:
                # Staff see at a glance that this PC will ring (a short card, it goes by itself).
                self._ever_connected = True
                self.view.show_notice(NOTICE_READY, message(READY), None)
            self.linkwatch.connected(now)
            # Whatever failed for want of a server works again: its errors are stale.
            self.view.clear_notice(NOTICE_TOKEN)
            self.view.clear_errors()
            self.refresh_orders_soon()
        else:
            self.linkwatch.disconnected(now)
        if state is LinkState.TOKEN_REJECTED:
            self.view.show_notice(
                NOTICE_TOKEN,
                message(QT_TRANSLATE_NOOP("App", "Device token rejected")),
                message(
                    QT_TRANSLATE_NOOP(
                        "App",
                        "The server refused this PC's device token: enter a valid one in Settings.",
                    )
                ),
            )
            self.view.token_rejected()
        self.wake()

    async def accept(self, order_id: int) -> bool:
        """Staff pressed Accept; True when the order is handled (here or elsewhere)."""
        return await self._handle(
            order_id, "accept", lambda api: api.accept(order_id), done=self._print_accepted
        )

    async def reject(self, order_id: int, reason: str) -> bool:
        """Staff rejected the order with ``reason``."""
        return await self._handle(order_id, "reject", lambda api: api.reject(order_id, reason))

    async def reply(self, order_id: int, preset: str, text: str) -> bool:
        """Staff answered the customer's reminder: a preset (by name), else their own words.

        The order is not handled by it: it rings on until accepted. The server's type-3 event
        brings the answer to every counter's card, this one's too.
        """
        outcome = await self._call(
            order_id,
            "reply to the reminder of",
            lambda api: api.reply_to_reminder(order_id, preset=preset, text=text),
        )
        if isinstance(outcome, OrderConflict):
            # Rejected or cancelled meanwhile: there is no one left to answer.
            self.view.show_card_error(order_id, outcome.message)
            return False
        if outcome is None:
            return False
        log.info("order %s: reminder answered here: %s", outcome.number, outcome.reminder_reply)
        return True

    def later(self, order_id: int) -> None:
        """Staff pressed Later: silence this order for the snooze time."""
        log.info("order #%s snoozed", order_id)
        self.board.snooze(order_id, self._clock())
        self.wake()

    def dismiss(self, order_id: int) -> None:
        """Staff closed a card that needs no decision (a reminder on an accepted order)."""
        self._changes += 1
        self.board.handled(order_id)
        self.wake()

    def mute(self, minutes: int) -> None:
        """Mute speech for ``minutes`` (0 ends a mute)."""
        if minutes <= 0:
            self.board.unmute()
            log.info("unmuted")
        else:
            self.board.mute(self._clock() + minutes * 60)
            log.info("muted for %s minutes", minutes)
        self.wake()

    def test_alert(self) -> None:
        """Ring, speak and show a sample alert, without touching any order."""
        text = phrasing.new_order("0000", self.language)
        self.view.notify(0, phrasing.new_order_title("0000", self.language), text)
        if self.board.chimes.enabled:
            self.speaker.ring(Priority.NEW_ORDER)
        self._say([Utterance(text, Priority.NEW_ORDER, UtteranceKind.NEW_ORDER, self.language)])

    def sound_played(self, problem: str | None) -> None:
        """A playback or an output check ended: ``problem`` is why it was not heard, or None."""
        self.soundwatch.played(problem, self._clock())
        self.wake()

    def check_sound(self) -> None:
        """Check in the background that sound reaches the speakers (silence is played)."""
        self.spawn(self._check_sound())

    async def _check_sound(self) -> None:
        problem = await asyncio.to_thread(self.speaker.check_output)
        self.sound_played(problem)

    # The loop -----------------------------------------------------------------------------

    def wake(self) -> None:
        """Re-evaluate what is due now."""
        self._wake.set()

    async def run(self) -> None:
        """Carry out due alerts and link alarms at their deadlines, until cancelled."""
        try:
            while True:
                self._wake.clear()
                self.step()
                deadline = self.next_deadline()
                # A timer sets the same event a wake() does; no wait_for, whose cancellation
                # handling on 3.11 can swallow a cancel that races with the wake-up.
                timer = None
                if deadline is not None:
                    delay = max(0.0, deadline - self._clock())
                    timer = asyncio.get_running_loop().call_later(delay, self._wake.set)
                try:
                    await self._wake.wait()
                finally:
                    if timer is not None:
                        timer.cancel()
        finally:
            self.tasks.cancel()

    def next_deadline(self) -> float | None:
        """When :meth:`step` next has something to do: an alert, the link alarm, the link
        notice's count of minutes, or a check of the sound output; None when nothing is due
        until something happens."""
        deadlines = (
            self.board.next_deadline(),
            self.linkwatch.next_deadline(),
            self.soundwatch.next_deadline(),
            self._link_notice_refresh,
            self._figures.next_deadline(),
        )
        return min((d for d in deadlines if d is not None), default=None)

    def step(self) -> None:
        """Do what the board and the link watch say is due now."""
        now = self._clock()
        actions = self.board.due(now)
        link = self.linkwatch.due(now)
        # The chime first: it only queues the sound, and drawing cards may take tens of
        # milliseconds a person would otherwise wait in silence.
        if actions.chime is not None:
            self.speaker.ring(actions.chime)
        if actions.hide:
            self.view.hide_alerts(actions.hide)
        if actions.show:
            self.view.show_alerts(actions.show, self._wall())
            for alert in actions.show:
                log.info(
                    "card shown: order %s (tail %s, %s)%s",
                    alert.order_number,
                    alert.tail,
                    phrasing.format_amount(alert.amount_fen),
                    f", reminded x{alert.reminder_count}" if alert.reminded else "",
                )
        self._notify_shown({alert.order_id for alert in actions.show})
        self._link_notice(link.alarm_changed, now)
        self._watch_sound(now)
        if self._figures.due(now) and self.api is not None:
            self.spawn(self._refresh_today(self.api))
        speech = list(link.speak) if not self.board.muted(now) else []
        self._say(speech + actions.speak)
        self.view.update_status(
            CounterStatus(
                link=self._link,
                alarming=self.linkwatch.alarming,
                ringing=len(self.board.ringing),
                muted_until=self._muted_until_wall(now),
                sound_ok=not self.soundwatch.failing,
            )
        )

    def _watch_sound(self, now: float) -> None:
        sound = self.soundwatch.due(now)
        if sound.changed and sound.failing:
            log.warning("alerts are not heard: %s", sound.problem)
            self.view.show_notice(
                NOTICE_SOUND,
                message(QT_TRANSLATE_NOOP("App", "No sound output")),
                message(
                    QT_TRANSLATE_NOOP(
                        "App",
                        "Alerts cannot be heard. Check that the speakers are on, plugged in and "
                        "not muted. New orders still show on screen.",
                    )
                ),
            )
        elif sound.changed:
            log.info("alerts are heard again")
            self.view.clear_notice(NOTICE_SOUND)
        if sound.check:
            self.check_sound()

    # Kitchen tickets ----------------------------------------------------------------------

    async def reprint(self, order_id: int) -> bool:
        """Staff asked for an order's ticket again (Orders window); True once it is queued."""
        api, tickets = self.api, self.tickets
        if tickets is None or not tickets.enabled:
            self.view.show_card_error(
                order_id,
                message(QT_TRANSLATE_NOOP("App", "No kitchen printer is set up (Settings).")),
            )
            return False
        if api is None:
            self.view.show_card_error(
                order_id, message(QT_TRANSLATE_NOOP("App", "Not connected to a server"))
            )
            return False
        try:
            order = await api.order(order_id)
        except ApiError as exc:
            log.warning("reprint of order #%s failed: %s", order_id, exc)
            self.view.show_card_error(order_id, exc.message)
            return False
        return await self._print(TicketOrder.from_remote(order), reprint=True)

    def on_printer_status(self, status: PrinterStatus) -> None:
        """The print worker's status changed: warn (card and speech) or clear the warning."""
        log.info(
            "printer: %s, %d ticket(s) waiting %s",
            status.problem.value if status.problem else "ok",
            status.waiting,
            status.detail,
        )
        if status.problem is self._printer_problem:
            return
        self._printer_problem = status.problem
        if status.problem is None:
            self.view.clear_notice(NOTICE_PRINTER)
            return
        self.view.show_notice(
            NOTICE_PRINTER,
            message(PRINTER_PROBLEM_TITLES[status.problem]),
            message(PRINTER_PROBLEM_TEXT),
        )
        if status.problem is PrintProblem.PAPER_OUT:
            text = phrasing.printer_out_of_paper(self.language)
        else:
            text = phrasing.printer_unreachable(self.language)
        if not self.board.muted(self._clock()):
            self._say([Utterance(text, Priority.REMINDER, UtteranceKind.PRINTER, self.language)])

    async def _auto_accept(self, event: Event, api: OrdersApi) -> None:
        try:
            order = await api.accept(event.order_id)
        except OrderConflict as exc:  # another counter was quicker: nothing to say
            log.info(
                "order %s was handled elsewhere before auto-accept (status %s)",
                event.order_number,
                exc.order.status,
            )
            return
        except ApiError as exc:
            log.warning("auto-accept of order %s failed, ringing: %s", event.order_number, exc)
            self._auto_accepting.discard(event.order_id)
            self.board.handle_event(event, self._clock(), self._wall())
            if isinstance(exc, TokenRejected):
                self.on_state(LinkState.TOKEN_REJECTED)
            return
        finally:
            self._auto_accepting.discard(event.order_id)
            self._changes += 1
            self.wake()
        log.info("order %s accepted automatically", order.number)
        text = phrasing.auto_accepted(order.tail, self.language, order.day_seq)
        title = phrasing.new_order_title(order.tail, self.language, order.day_seq)
        self.view.notify(order.id, title, text)
        if not self.board.muted(self._clock()):
            utterance = Utterance(
                text, Priority.NEW_ORDER, UtteranceKind.AUTO_ACCEPTED, self.language, (order.id,)
            )
            self._say([utterance])
        self.refresh_orders_soon()
        if self.tickets is not None and self.tickets.prints_on_auto_accept:
            await self._print(TicketOrder.from_remote(order))

    async def _print_accepted(self, order: RemoteOrder) -> None:
        if self.tickets is not None and self.tickets.prints_on(PRINT_ON_ACCEPT):
            await self._print(TicketOrder.from_remote(order))

    async def _print_arrival(self, event: Event) -> None:
        order = TicketOrder.from_event(event)
        if self.api is not None:
            try:  # the REST order has what the event lacks: prices and the address
                order = TicketOrder.from_remote(await self.api.order(event.order_id))
            except ApiError as exc:
                log.info("printing order %s as its event has it: %s", event.order_number, exc)
        await self._print(order)

    async def _print(self, order: TicketOrder, *, reprint: bool = False) -> bool:
        if self.tickets is None:
            return False
        try:
            return await self.tickets.print_order(order, reprint=reprint)
        except OSError as exc:
            log.error("ticket of order %s could not be queued: %s", order.order_number, exc)
            self.view.show_notice(
                NOTICE_PRINTER,
                message(QT_TRANSLATE_NOOP("App", "Ticket not printed")),
                message(
                    QT_TRANSLATE_NOOP(
                        "App", "A kitchen ticket could not be saved for printing: check the disk."
                    )
                ),
            )
            return False

    # Orders list --------------------------------------------------------------------------

    def refresh_orders_soon(self) -> None:
        """Reload the waiting and handled orders in the background (bursts share one reload)."""
        if self._refreshing:
            self._refresh_again = True
            return
        self._refreshing = True
        self.spawn(self._refresh_until_current())

    async def _refresh_until_current(self) -> None:
        try:
            while True:
                self._refresh_again = False
                await self.refresh_orders()
                if not self._refresh_again:
                    return
        finally:
            self._refreshing = False

    async def refresh_orders(self) -> bool:
        """Reload the shop's orders so the board is right after an absence; False if stale.

        A snapshot is applied only if no order changed while it was being fetched; otherwise
        another reload is queued.
        """
        api = self.api
        if api is None:
            return False
        changes = self._changes
        try:
            handled = await api.handled_today(self._wall())
            waiting = await api.waiting_orders()
        except TokenRejected:
            self.on_state(LinkState.TOKEN_REJECTED)
            return False
        except ApiError as exc:
            log.warning("could not load the waiting orders: %s", exc)
            return False
        if changes != self._changes:
            self._refresh_again = True
            return False
        # An order being accepted automatically must not start ringing meanwhile.
        ringable = [order for order in waiting if order.id not in self._auto_accepting]
        self.board.load_waiting(
            [waiting_order(order) for order in ringable], self._clock(), self._wall()
        )
        self.view.orders_changed(waiting, handled)
        self.wake()  # also to wait for a paced request of today's figures
        if self._figures.request(self._clock()):
            await self._refresh_today(api)
        return True

    async def _refresh_today(self, api: OrdersApi) -> None:
        """Today's figures for the Orders window; none when the server cannot give them."""
        try:
            figures: TodayFigures | None = await api.today_figures()
        except ApiError as exc:
            # An older server has no statistics: the line is left out, nothing else changes.
            log.info("today's figures are unavailable: %s", exc)
            figures = None
        self.view.today_changed(figures)

    async def refresh_counters(self) -> None:
        """Ask how many counters of the shop are connected (the orders window shows it)."""
        api = self.api
        if api is None:
            return
        try:
            count = await api.counters_online()
        except TokenRejected:
            self.on_state(LinkState.TOKEN_REJECTED)
            return
        except ApiError as exc:
            log.info("could not learn which counters are connected: %s", exc)
            count = None
        self.view.counters_changed(count)

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coroutine`` in the background (kept referenced, failures logged)."""
        return self.tasks.spawn(coroutine)

    # Details ------------------------------------------------------------------------------

    async def _handle(
        self,
        order_id: int,
        verb: str,
        call: Callable[[OrdersApi], Coroutine[Any, Any, RemoteOrder]],
        done: Callable[[RemoteOrder], Coroutine[Any, Any, Any]] | None = None,
    ) -> bool:
        outcome = await self._call(order_id, verb, call)
        if isinstance(outcome, OrderConflict):
            log.info(
                "order #%s was already handled elsewhere (status %s)",
                order_id,
                outcome.order.status,
            )
            self._changes += 1
            self.board.handled(order_id)
            return True
        if outcome is None:
            return False
        log.info("order %s: %s here (status %s)", outcome.number, verb, outcome.status.name)
        self._changes += 1
        self.board.handled(order_id)
        self.refresh_orders_soon()
        if done is not None:
            self.spawn(done(outcome))
        return True

    async def _call(
        self,
        order_id: int,
        verb: str,
        call: Callable[[OrdersApi], Coroutine[Any, Any, RemoteOrder]],
    ) -> RemoteOrder | OrderConflict | None:
        """One request about an order, its buttons disabled meanwhile: the order as the server
        answered, its conflict (409), or None when it failed (the card then says why)."""
        api = self.api
        if api is None:
            self.view.show_card_error(
                order_id, message(QT_TRANSLATE_NOOP("App", "Not connected to a server"))
            )
            return None
        self.view.set_card_busy(order_id, True)
        try:
            return await call(api)
        except OrderConflict as exc:
            return exc
        except ApiError as exc:
            log.warning("%s order #%s failed: %s", verb, order_id, exc)
            self.view.show_card_error(order_id, exc.message)
            return None
        finally:
            self.view.set_card_busy(order_id, False)
            self.wake()

    def _link_notice(self, alarm_changed: bool, now: float) -> None:
        """Show, update or clear the link notice; it tells how long the link has been down."""
        if not self.linkwatch.alarming:
            if alarm_changed:
                self.view.clear_notice(NOTICE_LINK)
                self.view.show_notice(NOTICE_READY, message(READY), None)
            self._link_notice_refresh = None
            return
        down = self.linkwatch.down_for(now) or 0.0
        title, text = link_down_notice(down)
        if alarm_changed:
            self.view.show_notice(NOTICE_LINK, title, text)
        elif self._link_notice_refresh is not None and now >= self._link_notice_refresh:
            self.view.update_notice(NOTICE_LINK, title, text)
        self._link_notice_refresh = now + 60.0 - down % 60.0

    def _notify_shown(self, shown: set[int]) -> None:
        """Hand the notifications of the orders just shown to the view; drop those of orders
        that no longer ring."""
        if not self._to_notify:
            return
        ringing = {alert.order_id for alert in self.board.ringing}
        for order_id, (title, text) in list(self._to_notify.items()):
            if order_id in shown:
                self.view.notify(order_id, title, text)
            if order_id in shown or order_id not in ringing:
                del self._to_notify[order_id]

    def _say(self, utterances: Sequence[Utterance]) -> None:
        for utterance in sorted(utterances, key=lambda u: -u.priority):
            log.info(
                "to say (%s, orders %s): %s",
                utterance.kind.value,
                ",".join(map(str, utterance.order_ids)) or "-",
                utterance.text,
            )
            self.spoken.append(utterance.text)
            del self.spoken[:-50]
            self.speaker.say(utterance.text, utterance.language, utterance.priority)

    def _muted_until_wall(self, now: float) -> datetime | None:
        until = self.board.muted_until
        if until is None or not self.board.muted(now):
            return None
        return self._wall() + timedelta(seconds=until - now)
