"""Alert board: customer reminders are said first, highlighted, and never merged."""

from __future__ import annotations

from collections.abc import Callable

from desktop.core.alerts import AlertActions, AlertBoard
from desktop.core.utterance import Priority, UtteranceKind
from orderbell_protocol import Event, OrderStatus

EventBuilder = Callable[..., Event]
T0 = 1000.0


def said(actions: AlertActions) -> list[str]:
    return [utterance.text for utterance in actions.speak]


def announced_board(new_order: EventBuilder, *order_ids: int) -> AlertBoard:
    board = AlertBoard()
    for order_id in order_ids:
        board.handle_event(new_order(order_id), T0)
    board.due(T0 + 3)
    return board


def test_reminder_is_said_at_once_and_highlights_the_card(
    new_order: EventBuilder, reminder: EventBuilder
) -> None:
    """A reminder is spoken right away, with the waiting time, and the card is highlighted."""
    board = announced_board(new_order, 1234)
    board.handle_event(reminder(1234, reminder_count=1, waited_seconds=18 * 60 + 5), T0 + 10)
    assert board.next_deadline() == T0 + 10
    actions = board.due(T0 + 10)
    (utterance,) = actions.speak
    assert utterance.text == "顾客催单，尾号一二三四，已等待18分钟"
    assert utterance.priority == Priority.REMINDER
    assert utterance.kind is UtteranceKind.REMINDER
    assert utterance.order_ids == (1234,)
    (alert,) = actions.show
    assert alert.reminded
    assert alert.reminder_count == 1
    assert alert.waited_seconds == 18 * 60 + 5


def test_reminder_goes_first_and_is_not_merged(
    new_order: EventBuilder, reminder: EventBuilder
) -> None:
    """A reminder due with a burst is said before it, as its own utterance."""
    board = announced_board(new_order, 1)
    board.handle_event(new_order(2), T0 + 10)
    board.handle_event(new_order(3), T0 + 10)
    board.handle_event(reminder(1, waited_seconds=120), T0 + 12)
    actions = board.due(T0 + 13)
    assert said(actions) == ["顾客催单，尾号零零零一，已等待2分钟", "您有2个新订单"]
    assert [u.priority for u in actions.speak] == [Priority.REMINDER, Priority.NEW_ORDER]


def test_two_reminders_are_two_utterances(new_order: EventBuilder, reminder: EventBuilder) -> None:
    """Reminders for different orders are each said with their own tail and time."""
    board = announced_board(new_order, 1, 2)
    board.handle_event(reminder(1, waited_seconds=600), T0 + 10)
    board.handle_event(reminder(2, waited_seconds=60), T0 + 10)
    assert said(board.due(T0 + 10)) == [
        "顾客催单，尾号零零零一，已等待10分钟",
        "顾客催单，尾号零零零二，已等待1分钟",
    ]


def test_reminder_on_accepted_order_is_said_and_shown_once(reminder: EventBuilder) -> None:
    """A hurried order that was already accepted gets a card and one announcement, no repeats."""
    board = AlertBoard()
    board.handle_event(reminder(7, status=OrderStatus.CONFIRMED, waited_seconds=1500), T0)
    actions = board.due(T0)
    assert said(actions) == ["顾客催单，尾号零零零七，已等待25分钟"]
    (alert,) = actions.show
    assert alert.reminded
    assert not alert.awaiting_acceptance
    assert board.next_deadline() is None
    assert board.due(T0 + 300) == AlertActions()
    assert [a.order_id for a in board.ringing] == [7]


def test_reminder_card_of_accepted_order_is_dismissed(reminder: EventBuilder) -> None:
    """`handled` dismisses the card of a hurried, already accepted order."""
    board = AlertBoard()
    board.handle_event(reminder(7, status=OrderStatus.CONFIRMED), T0)
    board.due(T0)
    board.handled(7)
    assert board.due(T0 + 1).hide == [7]
    assert board.ringing == []


def test_later_reminder_after_dismissal_is_announced_again(reminder: EventBuilder) -> None:
    """A dismissed reminder card does not mute the customer's next reminder."""
    board = AlertBoard()
    board.handle_event(reminder(7, status=OrderStatus.CONFIRMED, reminder_count=1), T0)
    board.due(T0)
    board.handled(7)
    board.handle_event(reminder(7, status=OrderStatus.CONFIRMED, reminder_count=2), T0 + 90)
    actions = board.due(T0 + 90)
    assert said(actions) == ["顾客催单，尾号零零零七，已等待不到1分钟"]
    assert actions.show[0].reminder_count == 2


def test_reminder_for_unknown_waiting_order_rings_without_new_order_text(
    reminder: EventBuilder,
) -> None:
    """A reminder for a waiting order we never heard of rings from then on, announced once."""
    board = AlertBoard()
    board.handle_event(reminder(5, waited_seconds=300), T0)
    assert said(board.due(T0)) == ["顾客催单，尾号零零零五，已等待5分钟"]
    assert board.due(T0 + 3).speak == []
    assert said(board.due(T0 + 30)) == ["尾号零零零五的订单还未接单"]


def test_reminder_during_burst_window_replaces_the_announcement(
    new_order: EventBuilder, reminder: EventBuilder
) -> None:
    """An order hurried before its first announcement is announced by the reminder only."""
    board = AlertBoard()
    board.handle_event(new_order(1), T0)
    board.handle_event(new_order(2), T0)
    board.handle_event(reminder(1, waited_seconds=30), T0 + 0.1)
    assert said(board.due(T0 + 0.1)) == ["顾客催单，尾号零零零一，已等待不到1分钟"]
    assert said(board.due(T0 + 0.25)) == ["您有新的外卖订单，尾号零零零二"]


def test_reminder_restarts_the_repeat_timer(
    new_order: EventBuilder, reminder: EventBuilder
) -> None:
    """After a reminder the next repeat comes a full interval later."""
    board = announced_board(new_order, 1)
    board.handle_event(reminder(1), T0 + 20)
    board.due(T0 + 20)
    assert board.due(T0 + 33).speak == []
    assert board.next_deadline() == T0 + 50


def test_reminder_count_counts_up_when_the_event_has_none(
    new_order: EventBuilder, reminder: EventBuilder
) -> None:
    """Without reminderCount on the wire, the board counts reminders itself."""
    board = announced_board(new_order, 1)
    board.handle_event(reminder(1), T0 + 10)
    board.handle_event(reminder(1), T0 + 80)
    assert board.ringing[0].reminder_count == 2


def test_waiting_time_falls_back_to_time_since_payment(
    new_order: EventBuilder, reminder: EventBuilder
) -> None:
    """Without waitedSeconds, the wait is the time from payment to the reminder."""
    board = announced_board(new_order, 1)
    board.handle_event(reminder(1, minutes_after_payment=18.5), T0 + 10)
    actions = board.due(T0 + 10)
    assert actions.show[0].waited_seconds == 18 * 60 + 30
    assert said(actions) == ["顾客催单，尾号零零零一，已等待18分钟"]


def test_type_3_cancels_a_pending_reminder(
    new_order: EventBuilder, reminder: EventBuilder, updated: EventBuilder
) -> None:
    """A reminder not yet said is dropped when the order is handled elsewhere."""
    board = announced_board(new_order, 1)
    board.handle_event(reminder(1), T0 + 10)
    board.handle_event(updated(1), T0 + 10)
    actions = board.due(T0 + 10)
    assert actions.speak == []
    assert actions.show == []
    assert actions.hide == [1]


def test_priorities_rank_link_over_reminder_over_new_order() -> None:
    """A dead link outranks a reminder, which outranks new orders."""
    assert Priority.LINK > Priority.REMINDER > Priority.NEW_ORDER


def test_reminder_of_a_numbered_order_names_its_number(reminder: EventBuilder) -> None:
    """A customer hurrying order 12 is announced as 12号订单."""
    board = AlertBoard()
    board.handle_event(reminder(1234, day_seq=12, waited_seconds=600), T0)
    texts = [utterance.text for utterance in board.due(T0).speak]
    assert texts == ["顾客催单，12号订单，尾号一二三四，已等待10分钟"]
