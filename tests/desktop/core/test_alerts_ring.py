"""Alert board: the chime rings at once on arrival, before repeats and reminders; old orders
repeat faster."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from desktop.core.alerts import AlertBoard
from desktop.core.chimes import Chimes, RingMode
from desktop.core.utterance import Priority
from orderbell_protocol import Event
from tests.desktop.core.conftest import PAID_AT

EventBuilder = Callable[..., Event]
T0 = 1000.0


def test_the_chime_rings_at_arrival_before_the_gathering_pause(
    new_order: EventBuilder,
) -> None:
    """A new order rings at once; its sentence still waits the 0.25 s gathering pause."""
    board = AlertBoard()
    board.handle_event(new_order(1), T0)
    actions = board.due(T0)
    assert actions.chime == Priority.NEW_ORDER
    assert actions.speak == []
    later = board.due(T0 + 0.25)
    assert later.chime is None
    assert len(later.speak) == 1


def test_a_burst_rings_once_per_announcement(new_order: EventBuilder) -> None:
    """Orders arriving within one window share its chime; the next window rings again."""
    board = AlertBoard()
    board.handle_event(new_order(1), T0)
    assert board.due(T0).chime == Priority.NEW_ORDER
    board.handle_event(new_order(2), T0 + 0.1)
    assert board.due(T0 + 0.1).chime is None
    assert len(board.due(T0 + 0.25).speak) == 1  # orders 1 and 2, said together
    board.handle_event(new_order(3), T0 + 0.5)
    assert board.due(T0 + 0.5).chime == Priority.NEW_ORDER  # at once, not at T0 + 3.25
    board.handle_event(new_order(4), T0 + 1.0)
    assert board.due(T0 + 1.0).chime is None
    assert board.due(T0 + 3.25).chime is None


def test_a_repeat_rings_before_it_is_spoken(new_order: EventBuilder) -> None:
    """Each repeat of an unaccepted order comes with the chime."""
    board = AlertBoard(repeat_interval_s=30)
    board.handle_event(new_order(1), T0)
    board.due(T0)
    board.due(T0 + 0.25)
    repeat = board.due(T0 + 30.25)
    assert repeat.chime == Priority.NEW_ORDER
    assert len(repeat.speak) == 1


def test_a_reminder_rings_at_its_priority(new_order: EventBuilder, reminder: EventBuilder) -> None:
    """A customer's reminder rings at once, at reminder priority."""
    board = AlertBoard()
    board.handle_event(new_order(1), T0)
    board.due(T0)
    board.due(T0 + 0.25)
    board.handle_event(reminder(1, reminder_count=1), T0 + 10)
    assert board.due(T0 + 10).chime == Priority.REMINDER


def test_no_chime_while_muted(new_order: EventBuilder) -> None:
    """Mute silences the chime along with speech; the card still shows."""
    board = AlertBoard()
    board.mute(T0 + 600)
    board.handle_event(new_order(1), T0)
    actions = board.due(T0)
    assert actions.chime is None
    assert [alert.order_id for alert in actions.show] == [1]


def test_no_chime_when_switched_off(new_order: EventBuilder) -> None:
    """With the chime off, an order is spoken without it."""
    board = AlertBoard(chimes=Chimes(enabled=False))
    board.handle_event(new_order(1), T0)
    assert board.due(T0).chime is None
    assert len(board.due(T0 + 0.25).speak) == 1


def test_continuous_ring_until_the_order_is_accepted(new_order: EventBuilder) -> None:
    """In continuous mode the chime rings every 3 s until the order is handled, then stops."""
    board = AlertBoard(chimes=Chimes(mode=RingMode.CONTINUOUS, every_s=3.0))
    board.handle_event(new_order(1), T0)
    rings = []
    now = T0
    while now < T0 + 10:
        if board.due(now).chime is not None:
            rings.append(round(now - T0, 2))
        deadline = board.next_deadline()
        assert deadline is not None
        now = max(deadline, now + 0.01)
    assert rings == [0.0, 3.0, 6.0, 9.0]
    board.handled(1)
    board.due(now)
    assert board.next_deadline() is None


def test_continuous_ring_pauses_for_a_snoozed_order(new_order: EventBuilder) -> None:
    """Later (snooze) stops the continuous ring for that order."""
    board = AlertBoard(chimes=Chimes(mode=RingMode.CONTINUOUS, every_s=3.0))
    board.handle_event(new_order(1), T0)
    board.due(T0)
    board.snooze(1, T0 + 1)
    board.due(T0 + 1)
    assert board.due(T0 + 3).chime is None


def test_an_order_paid_three_minutes_ago_repeats_twice_as_fast(
    new_order: EventBuilder,
) -> None:
    """Loaded 3 minutes after payment (late), its repeat comes after 15 s, not 30."""
    board = AlertBoard(repeat_interval_s=30)
    board.handle_event(new_order(1), T0, PAID_AT + timedelta(minutes=3))
    board.due(T0)
    board.due(T0 + 0.25)
    assert board.next_deadline() == T0 + 15.25


def test_an_order_waiting_past_five_minutes_repeats_every_ten_seconds(
    new_order: EventBuilder,
) -> None:
    """A fresh order's repeats speed up as it ages: 30 s, then 15 s, then every 10 s."""
    board = AlertBoard(repeat_interval_s=30)
    board.handle_event(new_order(1), T0, PAID_AT)
    board.due(T0)
    repeats = []
    now = T0 + 0.25
    board.due(now)
    while now < T0 + 360:
        deadline = board.next_deadline()
        assert deadline is not None
        now = deadline
        if board.due(now).speak:
            repeats.append(round(now - T0, 2))
    gaps = [round(b - a, 2) for a, b in zip([0.25, *repeats], repeats, strict=False)]
    assert gaps[:4] == [30.0, 30.0, 30.0, 30.0]
    assert 15.0 in gaps
    assert gaps[-1] == 10.0


def test_without_the_wall_clock_the_age_counts_from_arrival(new_order: EventBuilder) -> None:
    """No local time given: an order is as old as its time on this board."""
    board = AlertBoard(repeat_interval_s=30)
    board.handle_event(new_order(1), T0)
    board.due(T0)
    board.due(T0 + 0.25)
    assert board.next_deadline() == T0 + 30.25
