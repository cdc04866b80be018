"""The alert lifecycle: which orders ring, when cards come to the front and what is said."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from desktop.core import phrasing
from desktop.core.cards import Alert, AlertActions, WaitingOrder
from desktop.core.chimes import Chimes
from desktop.core.phrasing import Language
from desktop.core.urgency import repeat_interval, waited_since
from desktop.core.utterance import Priority, Utterance, UtteranceKind
from orderbell_protocol import Event, EventType, OrderStatus

__all__ = ["Alert", "AlertActions", "AlertBoard", "WaitingOrder"]

logger = logging.getLogger(__name__)

# Orders handled here or elsewhere are remembered so a late or repeated type-1 event for them
# does not ring again; a few hundred covers any realistic day of one counter.
_HANDLED_MEMORY = 1000


@dataclass(slots=True)
class _Entry:
    order: WaitingOrder
    status: OrderStatus
    seq: int
    # When the order was paid, on the board's monotonic clock (when it arrived, if unknown).
    paid: float = 0.0
    reminded: bool = False
    reminder_count: int = 0
    waited_seconds: int | None = None
    # When it was last announced; None while its first announcement waits for the burst window.
    last_rung: float | None = None
    snoozed_until: float | None = None

    @property
    def rings(self) -> bool:
        """Only orders still to be accepted repeat; a reminder on an accepted order is said once."""
        return self.status is OrderStatus.TO_BE_CONFIRMED

    def alert(self) -> Alert:
        order = self.order
        return Alert(
            order_id=order.order_id,
            order_number=order.order_number,
            tail=order.tail,
            items=order.items,
            amount_fen=order.amount_fen,
            remark=order.remark,
            paid_at=order.paid_at,
            phone_tail=order.phone_tail,
            status=self.status,
            reminded=self.reminded,
            reminder_count=self.reminder_count,
            waited_seconds=self.waited_seconds,
            address=order.address,
            day_seq=order.day_seq,
            reminder_reply=order.reminder_reply,
        )


class AlertBoard:
    """The orders currently alerting at this counter, and what to show and say about them.

    Pure: every method that depends on time takes ``now`` (monotonic seconds). Feed it events
    and the server's waiting list; call :meth:`due` at :meth:`next_deadline` (or right after
    feeding it) and carry out the returned :class:`AlertActions`.

    Rules:

    - A new order shows its card at once and is announced ``gather_s`` later, so orders that
      arrive together (a catch-up after a reconnect, the waiting list at start-up) are
      announced in one utterance ("您有5个新订单").
    - New-order announcements are at least ``coalesce_window_s`` apart: orders arriving within
      that window of the last announcement wait for it to close and are announced together.
      Five orders in a few seconds give two utterances at most, the first of them at once.
    - Every order still to be accepted and not snoozed repeats (card to the front, spoken)
      every ``repeat_interval_s`` after it was last announced, until it is handled, and faster
      as it waits longer since payment (:func:`desktop.core.urgency.repeat_interval`: half the
      interval after 2 minutes, every 10 s after 5). When a repeat falls due, the orders whose
      repeats fall due within one burst window (``coalesce_window_s + gather_s``, at most half
      the repeat interval) join it, so a burst's orders keep repeating together.
    - The chime (:class:`desktop.core.chimes.Chimes`) rings at once when an order arrives,
      without waiting for the burst window (only the sentence does), and before each repeat
      and reminder; in continuous mode it rings on while an order waits to be accepted.
    - A reminder is said at once with :attr:`Priority.REMINDER`, never merged with other text,
      highlights the card, ends a snooze, and counts as the order's announcement. A reminder on
      an order already accepted shows a card and is said once; that card stays until
      :meth:`handled` (a "got it" button) or a type-3 event.
    - A type-3 event or :meth:`handled` removes the order at once, drops anything not yet said
      about it, and keeps later type-1 events for it from ringing again. A partial refund (a
      type-3 event with ``refund_fen`` that leaves the order standing) removes and rings
      nothing.
    - While muted, ``due`` still shows and hides cards and keeps every timer running, but says
      and rings nothing; the mute ends by itself.

    ``wall`` (the local aware time, optional) lets an order's age count from its payment.
    """

    def __init__(
        self,
        repeat_interval_s: float = 30.0,
        snooze_s: float = 120.0,
        coalesce_window_s: float = 3.0,
        language: Language = Language.ZH,
        gather_s: float = 0.25,
        chimes: Chimes | None = None,
    ) -> None:
        self.repeat_interval_s = repeat_interval_s
        self.snooze_s = snooze_s
        self.coalesce_window_s = coalesce_window_s
        self.gather_s = gather_s
        self.language = language
        self.chimes = chimes if chimes is not None else Chimes()
        self._entries: dict[int, _Entry] = {}
        self._handled: OrderedDict[int, None] = OrderedDict()
        self._seq = 0
        # First announcements waiting for the burst window to close.
        self._unannounced: list[int] = []
        self._window_end: float | None = None
        # When new orders were last announced; the next announcement waits for the window.
        self._last_announced: float | None = None
        # Work for the next `due`, and when it became pending.
        self._to_show: dict[int, None] = {}
        self._to_hide: dict[int, None] = {}
        self._to_say: list[Utterance] = []
        self._pending_since: float | None = None
        self._last_now: float | None = None
        self._mute_until: float | None = None

    @property
    def repeat_interval_s(self) -> float:
        """Seconds between repeats of an unhandled order; a change applies to the next repeat."""
        return self._repeat_interval_s

    @repeat_interval_s.setter
    def repeat_interval_s(self, value: float) -> None:
        if value <= 0:
            raise ValueError(f"repeat interval must be positive, got {value}")
        self._repeat_interval_s = value

    @property
    def ringing(self) -> list[Alert]:
        """Every current alert in arrival order, snoozed ones included (for the tray count)."""
        return [entry.alert() for entry in self._entries.values()]

    @property
    def muted_until(self) -> float | None:
        """When the current mute ends, or None when not muted (as of the last `due`)."""
        return self._mute_until

    def handle_event(self, event: Event, now: float, wall: datetime | None = None) -> None:
        """Take one order event from the stream (already de-duplicated by event id)."""
        self._last_now = now
        if event.type is EventType.NEW_ORDER:
            self._new_order(event, now, wall)
        elif event.type is EventType.REMINDER:
            self._reminder(event, now, wall)
        elif event.status is OrderStatus.TO_BE_CONFIRMED:
            # An update that leaves the order unaccepted (e.g. a changed remark): keep ringing.
            entry = self._entries.get(event.order_id)
            if entry is not None:
                entry.order = WaitingOrder.from_event(event)
                if entry.snoozed_until is None:
                    self._show(event.order_id, now)
        elif event.refund_fen is not None and event.status is not OrderStatus.CANCELLED:
            # Part of an accepted order refunded: the order stands, and so does its card.
            entry = self._entries.get(event.order_id)
            if entry is not None:
                entry.order = WaitingOrder.from_event(event)
        else:
            self._forget(event.order_id, now)

    def load_waiting(
        self, orders: Sequence[WaitingOrder], now: float, wall: datetime | None = None
    ) -> None:
        """Match the board to the server's list of orders to be confirmed, after a (re)connect.

        Missing orders start ringing (announced together through the burst window); ringing
        orders the server no longer lists were handled elsewhere meanwhile and stop. The server
        is the truth: an order handled here but still listed rings again (its accept failed).
        """
        self._last_now = now
        listed = {order.order_id: order for order in orders}
        gone = [i for i, entry in self._entries.items() if entry.rings and i not in listed]
        for order_id in gone:
            self._forget(order_id, now)
        for order_id, order in listed.items():
            known = self._entries.get(order_id)
            if known is None:
                self._handled.pop(order_id, None)
                self._add(order, OrderStatus.TO_BE_CONFIRMED, now, wall)
            else:
                known.order = order
                known.status = OrderStatus.TO_BE_CONFIRMED

    def handled(self, order_id: int) -> None:
        """Staff accepted or rejected the order (or dismissed a reminder card) here."""
        if self._last_now is None:
            self._remember_handled(order_id)
            return
        self._forget(order_id, self._last_now)

    def snooze(self, order_id: int, now: float) -> None:
        """Hide the card and keep silent about the order for ``snooze_s``; then it rings again."""
        self._last_now = now
        entry = self._entries.get(order_id)
        if entry is None:
            return
        entry.snoozed_until = now + self.snooze_s
        self._drop_unannounced(order_id)
        self._to_show.pop(order_id, None)
        self._drop_speech(order_id)
        self._hide(order_id, now)

    def mute(self, until: float) -> None:
        """Say nothing until ``until``; cards still appear."""
        self._mute_until = until

    def unmute(self) -> None:
        """End the mute now."""
        self._mute_until = None

    def muted(self, now: float) -> bool:
        """True while a mute is running."""
        return self._mute_until is not None and now < self._mute_until

    def due(self, now: float) -> AlertActions:
        """What to do now; advances the timers, so call it once per deadline and act on it all."""
        self._last_now = now
        if self._mute_until is not None and now >= self._mute_until:
            self._mute_until = None
        speech = self._to_say
        self._to_say = []

        announced = self._close_burst_window(now)
        if announced:
            speech.append(self._announcement(announced))

        repeats = self._due_repeats(now)
        if repeats:
            speech.append(self._repeat(repeats))
            self.chimes.announce(Priority.NEW_ORDER, now)
        chime = self.chimes.due(now, waiting=self._waiting())

        muted = self.muted(now)
        actions = AlertActions(
            show=[self._entries[i].alert() for i in self._in_arrival_order(self._to_show)],
            hide=list(self._to_hide),
            speak=[] if muted else sorted(speech, key=lambda u: -u.priority),
            chime=None if muted else chime,
        )
        self._to_show.clear()
        self._to_hide.clear()
        self._pending_since = None
        return actions

    def next_deadline(self) -> float | None:
        """When :meth:`due` next has something to do (possibly already past); None: nothing."""
        deadlines: list[float] = []
        if self._pending_since is not None:
            deadlines.append(self._pending_since)
        if self._window_end is not None:
            deadlines.append(self._window_end)
        if self._mute_until is not None:
            deadlines.append(self._mute_until)
        chime = self.chimes.next_deadline(waiting=self._waiting())
        if chime is not None:
            deadlines.append(chime)
        for entry in self._entries.values():
            if entry.snoozed_until is not None:
                deadlines.append(entry.snoozed_until)
            elif entry.rings and entry.last_rung is not None:
                deadlines.append(self._next_repeat(entry))
        return min(deadlines, default=None)

    def _new_order(self, event: Event, now: float, wall: datetime | None) -> None:
        entry = self._entries.get(event.order_id)
        if entry is not None:
            entry.order = WaitingOrder.from_event(event)
            return
        if event.order_id in self._handled:
            logger.info("order %s already handled, not ringing again", event.order_number)
            return
        # A type-1 event always means "paid, to be confirmed": ring whatever else it says.
        self._add(WaitingOrder.from_event(event), OrderStatus.TO_BE_CONFIRMED, now, wall)

    def _reminder(self, event: Event, now: float, wall: datetime | None) -> None:
        entry = self._entries.get(event.order_id)
        if entry is None:
            entry = self._add(WaitingOrder.from_event(event), event.status, now, wall)
        else:
            entry.order = WaitingOrder.from_event(event)
            entry.status = event.status
        self._drop_unannounced(event.order_id)
        entry.reminded = True
        if event.reminder_count is None:
            entry.reminder_count += 1
        else:
            entry.reminder_count = event.reminder_count
        entry.waited_seconds = _waited_seconds(event)
        entry.snoozed_until = None
        entry.last_rung = now
        self.chimes.announce(Priority.REMINDER, now)
        self._to_say.append(
            Utterance(
                text=phrasing.reminder(
                    entry.order.tail, entry.waited_seconds, self.language, entry.order.day_seq
                ),
                priority=Priority.REMINDER,
                kind=UtteranceKind.REMINDER,
                language=self.language,
                order_ids=(event.order_id,),
            )
        )
        self._show(event.order_id, now)

    def _add(
        self, order: WaitingOrder, status: OrderStatus, now: float, wall: datetime | None
    ) -> _Entry:
        self._seq += 1
        paid = now - waited_since(order.paid_at, wall)
        entry = _Entry(order=order, status=status, seq=self._seq, paid=paid)
        self._entries[order.order_id] = entry
        self._unannounced.append(order.order_id)
        self._open_window(now)
        self._show(order.order_id, now)
        return entry

    def _forget(self, order_id: int, now: float) -> None:
        self._remember_handled(order_id)
        if self._entries.pop(order_id, None) is None:
            return
        self._drop_unannounced(order_id)
        self._to_show.pop(order_id, None)
        self._drop_speech(order_id)
        self._hide(order_id, now)

    def _remember_handled(self, order_id: int) -> None:
        self._handled[order_id] = None
        self._handled.move_to_end(order_id)
        while len(self._handled) > _HANDLED_MEMORY:
            self._handled.popitem(last=False)

    def _drop_unannounced(self, order_id: int) -> None:
        if order_id in self._unannounced:
            self._unannounced.remove(order_id)
            if not self._unannounced:
                self._window_end = None

    def _drop_speech(self, order_id: int) -> None:
        self._to_say = [u for u in self._to_say if order_id not in u.order_ids]

    def _show(self, order_id: int, now: float) -> None:
        self._to_hide.pop(order_id, None)
        self._to_show[order_id] = None
        self._mark_pending(now)

    def _hide(self, order_id: int, now: float) -> None:
        self._to_hide[order_id] = None
        self._mark_pending(now)

    def _mark_pending(self, now: float) -> None:
        if self._pending_since is None or now < self._pending_since:
            self._pending_since = now

    def _open_window(self, now: float) -> None:
        """Schedule the announcement of the orders now waiting for one, unless already due."""
        if self._window_end is not None:
            return
        # The chime rings at once; only the sentence waits for the orders arriving with this one.
        self.chimes.announce(Priority.NEW_ORDER, now)
        end = now + self.gather_s
        if self._last_announced is not None:
            end = max(end, self._last_announced + self.coalesce_window_s)
        self._window_end = end

    def _close_burst_window(self, now: float) -> list[_Entry]:
        if self._window_end is None or now < self._window_end:
            return []
        announced = [self._entries[order_id] for order_id in self._unannounced]
        self._unannounced.clear()
        self._window_end = None
        self._last_announced = now
        for entry in announced:
            entry.last_rung = now
        return announced

    def _due_repeats(self, now: float) -> list[_Entry]:
        repeats: list[_Entry] = []
        for order_id, entry in self._entries.items():
            if entry.snoozed_until is not None:
                if now < entry.snoozed_until:
                    continue
                entry.snoozed_until = None
                self._to_show[order_id] = None
                if entry.last_rung is None:
                    # Snoozed before its first announcement: announce it with the next burst.
                    self._unannounced.append(order_id)
                    self._open_window(now)
                    continue
                if entry.rings:
                    repeats.append(entry)
            elif self._repeat_due(entry, now):
                repeats.append(entry)
        if repeats:
            # Orders whose repeat is close join this one instead of being said on their own
            # (never closer than half an interval: an order is not repeated twice in a row).
            reach = min(self.coalesce_window_s + self.gather_s, self._repeat_interval_s / 2)
            horizon = now + reach
            due_now = {entry.order.order_id for entry in repeats}
            joining = [
                entry
                for order_id, entry in self._entries.items()
                if order_id not in due_now
                and entry.snoozed_until is None
                and self._repeat_due(entry, horizon)
            ]
            repeats.extend(joining)
            repeats.sort(key=lambda entry: entry.seq)
        for entry in repeats:
            entry.last_rung = now
            self._to_show[entry.order.order_id] = None
        return repeats

    def _repeat_due(self, entry: _Entry, now: float) -> bool:
        return entry.rings and entry.last_rung is not None and now >= self._next_repeat(entry)

    def _next_repeat(self, entry: _Entry) -> float:
        """When an announced order repeats: sooner the longer it has waited since payment."""
        last = entry.last_rung if entry.last_rung is not None else entry.paid
        return last + repeat_interval(self._repeat_interval_s, last - entry.paid)

    def _waiting(self) -> bool:
        """An order is still to be accepted and not snoozed: a continuous ring goes on."""
        return any(entry.rings and entry.snoozed_until is None for entry in self._entries.values())

    def _announcement(self, entries: list[_Entry]) -> Utterance:
        if len(entries) == 1:
            return Utterance(
                text=phrasing.new_order(
                    entries[0].order.tail, self.language, entries[0].order.day_seq
                ),
                priority=Priority.NEW_ORDER,
                kind=UtteranceKind.NEW_ORDER,
                language=self.language,
                order_ids=(entries[0].order.order_id,),
            )
        return Utterance(
            text=phrasing.new_orders(len(entries), self.language),
            priority=Priority.NEW_ORDER,
            kind=UtteranceKind.NEW_ORDERS,
            language=self.language,
            order_ids=tuple(entry.order.order_id for entry in entries),
        )

    def _repeat(self, entries: list[_Entry]) -> Utterance:
        if len(entries) == 1:
            text = phrasing.still_waiting(
                entries[0].order.tail, self.language, entries[0].order.day_seq
            )
        else:
            text = phrasing.orders_still_waiting(len(entries), self.language)
        return Utterance(
            text=text,
            priority=Priority.NEW_ORDER,
            kind=UtteranceKind.REPEAT,
            language=self.language,
            order_ids=tuple(entry.order.order_id for entry in entries),
        )

    def _in_arrival_order(self, order_ids: dict[int, None]) -> list[int]:
        present = [order_id for order_id in order_ids if order_id in self._entries]
        return sorted(present, key=lambda order_id: self._entries[order_id].seq)


def _waited_seconds(event: Event) -> int | None:
    """The server's figure, or else the time from payment to the reminder."""
    if event.waited_seconds is not None:
        return event.waited_seconds
    paid_at = event.order.paid_at
    if paid_at is None:
        return None
    return max(int((event.created_at - paid_at).total_seconds()), 0)
