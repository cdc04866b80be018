"""Alert board: "Later" snoozes one order; mute silences speech but not cards."""

from __future__ import annotations

from collections.abc import Callable

from desktop.core.alerts import AlertActions, AlertBoard
from orderbell_protocol import Event

EventBuilder = Callable[..., Event]
T0 = 1000.0


def said(actions: AlertActions) -> list[str]:
    return [utterance.text for utterance in actions.speak]


def shown(actions: AlertActions) -> list[int]:
    return [alert.order_id for alert in actions.show]


def announced_board(new_order: EventBuilder, *order_ids: int) -> AlertBoard:
    board = AlertBoard()
    for order_id in order_ids:
        board.handle_event(new_order(order_id), T0)
    board.due(T0 + 3)
    return board


def test_snooze_hides_and_silences_for_two_minutes_then_rings(new_order: EventBuilder) -> None:
    """A snoozed order's card hides, it stays silent for 120 s, then shows and speaks again."""
    board = announced_board(new_order, 1)
    board.snooze(1, T0 + 10)
    assert board.due(T0 + 10).hide == [1]
    assert board.next_deadline() == T0 + 130
    assert board.due(T0 + 33) == AlertActions()
    actions = board.due(T0 + 130)
    assert shown(actions) == [1]
    assert said(actions) == ["尾号零零零一的订单还未接单"]
    # Waiting over 2 minutes by now: its repeats come twice as often.
    assert board.next_deadline() == T0 + 145


def test_snooze_leaves_other_orders_ringing(new_order: EventBuilder) -> None:
    """Only the snoozed order goes quiet."""
    board = announced_board(new_order, 1, 2)
    board.snooze(1, T0 + 10)
    actions = board.due(T0 + 33)
    assert shown(actions) == [2]
    assert said(actions) == ["尾号零零零二的订单还未接单"]


def test_snoozed_orders_still_count_as_ringing(new_order: EventBuilder) -> None:
    """The tray count includes snoozed orders: they are still waiting."""
    board = announced_board(new_order, 1, 2)
    board.snooze(1, T0 + 10)
    assert [alert.order_id for alert in board.ringing] == [1, 2]


def test_snooze_inside_burst_window_leaves_it_out(new_order: EventBuilder) -> None:
    """An order snoozed before it was announced is announced when the snooze ends."""
    board = AlertBoard(snooze_s=20)
    board.handle_event(new_order(1), T0)
    board.handle_event(new_order(2), T0)
    board.snooze(1, T0 + 0.1)
    assert said(board.due(T0 + 0.25)) == ["您有新的外卖订单，尾号零零零二"]
    actions = board.due(T0 + 20.1)
    assert shown(actions) == [1]
    assert actions.speak == []
    assert board.next_deadline() == T0 + 20.35
    assert said(board.due(T0 + 20.35)) == ["您有新的外卖订单，尾号零零零一"]


def test_handled_while_snoozed_never_rings_again(new_order: EventBuilder) -> None:
    """Handling a snoozed order cancels its return."""
    board = announced_board(new_order, 1)
    board.snooze(1, T0 + 10)
    board.handled(1)
    board.due(T0 + 10)
    assert board.next_deadline() is None
    assert board.due(T0 + 130) == AlertActions()


def test_reminder_ends_a_snooze(new_order: EventBuilder, reminder: EventBuilder) -> None:
    """A customer's reminder brings a snoozed order back at once."""
    board = announced_board(new_order, 1)
    board.snooze(1, T0 + 10)
    board.due(T0 + 10)
    board.handle_event(reminder(1, waited_seconds=240), T0 + 20)
    actions = board.due(T0 + 20)
    assert shown(actions) == [1]
    assert said(actions) == ["顾客催单，尾号零零零一，已等待4分钟"]


def test_snooze_of_unknown_order_is_ignored() -> None:
    """Snoozing an order that is not on the board changes nothing."""
    board = AlertBoard()
    board.snooze(9, T0)
    assert board.next_deadline() is None
    assert board.due(T0) == AlertActions()


def test_mute_silences_speech_but_still_shows(new_order: EventBuilder) -> None:
    """While muted, cards appear but nothing is said."""
    board = AlertBoard()
    board.mute(until=T0 + 900)
    board.handle_event(new_order(1), T0)
    actions = board.due(T0 + 3)
    assert shown(actions) == [1]
    assert actions.speak == []
    assert board.muted(T0 + 3)


def test_mute_ends_by_itself(new_order: EventBuilder) -> None:
    """At the end of the mute, the next repeat is spoken again."""
    board = announced_board(new_order, 1)
    board.mute(until=T0 + 40)
    assert board.due(T0 + 33).speak == []
    assert board.muted(T0 + 39.9)
    assert not board.muted(T0 + 40)
    assert said(board.due(T0 + 63)) == ["尾号零零零一的订单还未接单"]
    assert board.muted_until is None


def test_mute_end_is_a_deadline() -> None:
    """The UI is woken when a mute ends, so the tray can drop its muted state."""
    board = AlertBoard()
    board.mute(until=T0 + 900)
    assert board.next_deadline() == T0 + 900
    board.due(T0 + 900)
    assert board.next_deadline() is None


def test_unmute_speaks_again_at_once(new_order: EventBuilder) -> None:
    """After unmute, the next due utterance is spoken."""
    board = AlertBoard()
    board.mute(until=T0 + 900)
    board.unmute()
    board.handle_event(new_order(1), T0)
    assert said(board.due(T0 + 3)) == ["您有新的外卖订单，尾号零零零一"]


def test_timers_keep_running_while_muted(new_order: EventBuilder) -> None:
    """What fell due during a mute is not said late when it ends; the next repeat is."""
    board = AlertBoard()
    board.mute(until=T0 + 20)
    board.handle_event(new_order(1), T0)
    board.due(T0 + 3)
    assert board.due(T0 + 20).speak == []
    assert said(board.due(T0 + 33)) == ["尾号零零零一的订单还未接单"]
