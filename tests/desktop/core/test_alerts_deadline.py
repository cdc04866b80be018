"""Alert board: next_deadline tells the UI when to call due, so it never polls."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from desktop.core.alerts import AlertBoard
from orderbell_protocol import Event

EventBuilder = Callable[..., Event]
T0 = 1000.0


def test_empty_board_has_no_deadline() -> None:
    """Nothing ringing, nothing to do."""
    assert AlertBoard().next_deadline() is None


def test_pending_card_is_due_now(new_order: EventBuilder) -> None:
    """A card waiting to be shown makes the deadline the time of the event."""
    board = AlertBoard()
    board.handle_event(new_order(1), T0)
    assert board.next_deadline() == T0


def test_deadline_is_the_earliest_repeat(new_order: EventBuilder) -> None:
    """With orders announced at different times, the earliest repeat wins."""
    board = AlertBoard()
    board.handle_event(new_order(1), T0)
    board.due(T0 + 3)
    board.handle_event(new_order(2), T0 + 10)
    board.due(T0 + 10)
    board.due(T0 + 13)
    assert board.next_deadline() == T0 + 33
    board.due(T0 + 33)
    assert board.next_deadline() == T0 + 43


def test_calling_due_before_the_deadline_does_nothing(new_order: EventBuilder) -> None:
    """An early wake-up changes nothing and keeps the deadline."""
    board = AlertBoard()
    board.handle_event(new_order(1), T0)
    board.due(T0 + 3)
    board.due(T0 + 20)
    assert board.next_deadline() == T0 + 33


def test_custom_timings_are_used(new_order: EventBuilder) -> None:
    """Gathering, window, repeat interval and snooze length come from the constructor."""
    board = AlertBoard(repeat_interval_s=10, snooze_s=60, coalesce_window_s=1, gather_s=0.5)
    board.handle_event(new_order(1), T0)
    board.due(T0)
    assert board.next_deadline() == T0 + 0.5
    board.due(T0 + 0.5)
    assert board.next_deadline() == T0 + 10.5
    board.handle_event(new_order(2), T0 + 0.75)
    board.due(T0 + 0.75)
    assert board.next_deadline() == T0 + 1.5
    board.due(T0 + 1.5)
    board.snooze(1, T0 + 2)
    board.due(T0 + 2)
    assert board.next_deadline() == T0 + 11.5
    board.snooze(2, T0 + 3)
    board.due(T0 + 3)
    assert board.next_deadline() == T0 + 62


@pytest.mark.parametrize("interval", [0, -5])
def test_repeat_interval_must_be_positive(interval: float) -> None:
    """A zero or negative repeat interval is refused (it would ring without end)."""
    with pytest.raises(ValueError, match="positive"):
        AlertBoard(repeat_interval_s=interval)
