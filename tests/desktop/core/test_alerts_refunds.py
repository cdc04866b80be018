"""Alert board: a partial refund leaves the order standing, so nothing stops and nothing rings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from desktop.core.alerts import AlertActions, AlertBoard
from orderbell_protocol import Event, OrderStatus

EventBuilder = Callable[..., Event]
T0 = 1000.0


def partly_refunded(updated: EventBuilder, order_id: int, status: OrderStatus) -> Event:
    """The type-3 event of 100 fen refunded, the order left in ``status``."""
    return replace(
        updated(order_id, status=status, event_id=order_id * 10 + 9),
        reason="partly refunded",
        refund_fen=100,
    )


def test_partial_refund_keeps_a_new_order_ringing(
    new_order: EventBuilder, updated: EventBuilder
) -> None:
    """An order still to be accepted, partly refunded, goes on repeating until handled."""
    board = AlertBoard(repeat_interval_s=30)
    board.handle_event(new_order(5), T0)
    board.due(T0 + 1)
    board.handle_event(partly_refunded(updated, 5, OrderStatus.TO_BE_CONFIRMED), T0 + 5)
    assert [alert.order_id for alert in board.ringing] == [5]
    assert board.due(T0 + 40).speak != []


def test_partial_refund_keeps_the_reminder_card_of_an_accepted_order(
    reminder: EventBuilder, updated: EventBuilder
) -> None:
    """A hurried, accepted order's card stays up when part of it is refunded."""
    board = AlertBoard()
    board.handle_event(reminder(7, status=OrderStatus.CONFIRMED), T0)
    board.due(T0)
    board.handle_event(partly_refunded(updated, 7, OrderStatus.CONFIRMED), T0 + 5)
    assert board.due(T0 + 6).hide == []
    assert [alert.order_id for alert in board.ringing] == [7]


def test_partial_refund_of_an_order_not_on_the_board_rings_nothing(
    updated: EventBuilder,
) -> None:
    """A partial refund of an accepted order with no card shows and says nothing."""
    board = AlertBoard()
    board.handle_event(partly_refunded(updated, 9, OrderStatus.CONFIRMED), T0)
    assert board.due(T0 + 1) == AlertActions()
    assert board.ringing == []


def test_whole_refund_stops_the_order(new_order: EventBuilder, updated: EventBuilder) -> None:
    """Refunded whole, the order is cancelled: its card goes and it rings no more."""
    board = AlertBoard()
    board.handle_event(new_order(5), T0)
    board.due(T0 + 1)
    whole = replace(partly_refunded(updated, 5, OrderStatus.CANCELLED), reason="refunded")
    board.handle_event(whole, T0 + 5)
    assert board.due(T0 + 6).hide == [5]
    assert board.ringing == []
