"""Alert board: new orders ring, bursts coalesce, repeats continue until the order is handled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from desktop.core.alerts import AlertActions, AlertBoard, WaitingOrder
from desktop.core.phrasing import Language
from desktop.core.utterance import Priority, Utterance, UtteranceKind
from orderbell_protocol import Event, OrderLine, OrderStatus

EventBuilder = Callable[..., Event]
T0 = 1000.0


def said(actions: AlertActions) -> list[str]:
    return [utterance.text for utterance in actions.speak]


def drive(
    board: AlertBoard, arrivals: list[tuple[float, Event]], until: float
) -> list[tuple[float, str]]:
    """Run the board as the counter does (due after each event and at each deadline).

    Returns what was said, with the time after T0 at which it was said.
    """
    spoken: list[tuple[float, str]] = []
    pending = sorted(arrivals, key=lambda arrival: arrival[0])
    while True:
        deadline = board.next_deadline()
        wake = [T0 + pending[0][0]] if pending else []
        if deadline is not None:
            wake.append(deadline)
        now = min(wake, default=None)
        if now is None or now > T0 + until:
            return spoken
        while pending and T0 + pending[0][0] <= now:
            board.handle_event(pending.pop(0)[1], now)
        spoken.extend((round(now - T0, 3), text) for text in said(board.due(now)))


def shown(actions: AlertActions) -> list[int]:
    return [alert.order_id for alert in actions.show]


def announced_board(new_order: EventBuilder, *order_ids: int) -> AlertBoard:
    """A board whose orders arrived at T0 and were announced at T0 + 3."""
    board = AlertBoard()
    for order_id in order_ids:
        board.handle_event(new_order(order_id), T0)
    board.due(T0 + 3)
    return board


def burst(new_order: EventBuilder) -> list[tuple[float, Event]]:
    """Orders 1-5 arriving over 2.9 s."""
    offsets = [0.0, 0.5, 1.0, 2.0, 2.9]
    return [(offset, new_order(i)) for i, offset in enumerate(offsets, start=1)]


def test_card_shows_at_once_and_speech_follows_within_a_quarter_second(
    new_order: EventBuilder,
) -> None:
    """A new order's card is shown immediately; it is spoken once orders arriving with it are in."""
    board = AlertBoard()
    board.handle_event(new_order(1), T0)
    actions = board.due(T0)
    assert shown(actions) == [1]
    assert actions.speak == []
    assert board.next_deadline() == T0 + 0.25
    assert said(board.due(T0 + 0.25)) == ["您有新的外卖订单，尾号零零零一"]


def test_single_order_is_announced_with_its_tail_zh(new_order: EventBuilder) -> None:
    """One order in the window gives the single-order phrase, lowest priority."""
    board = AlertBoard()
    board.handle_event(new_order(1234), T0)
    board.due(T0)
    actions = board.due(T0 + 3)
    assert actions.speak == [
        Utterance(
            text="您有新的外卖订单，尾号一二三四",
            priority=Priority.NEW_ORDER,
            kind=UtteranceKind.NEW_ORDER,
            language=Language.ZH,
            order_ids=(1234,),
        )
    ]


def test_single_order_is_announced_in_english(new_order: EventBuilder) -> None:
    """The board speaks the language it is set to."""
    board = AlertBoard(language=Language.EN)
    board.handle_event(new_order(1234), T0)
    assert said(board.due(T0 + 3)) == ["New order, number ending one two three four"]


def test_orders_arriving_together_give_one_utterance(new_order: EventBuilder) -> None:
    """Five orders arriving together (a catch-up) are announced once, with their count."""
    board = AlertBoard()
    for order_id, offset in zip(range(1, 6), [0.0, 0.0, 0.05, 0.1, 0.2], strict=True):
        board.handle_event(new_order(order_id), T0 + offset)
        assert board.due(T0 + offset).speak == []
    actions = board.due(T0 + 0.25)
    assert said(actions) == ["您有5个新订单"]
    assert actions.speak[0].kind is UtteranceKind.NEW_ORDERS
    assert actions.speak[0].order_ids == (1, 2, 3, 4, 5)


def test_burst_over_a_few_seconds_gives_two_utterances(new_order: EventBuilder) -> None:
    """The first order of a burst is said at once, the rest together when the window closes."""
    board = AlertBoard()
    arrivals = burst(new_order)
    assert drive(board, arrivals, until=29) == [
        (0.25, "您有新的外卖订单，尾号零零零一"),
        (3.25, "您有4个新订单"),
    ]


def test_burst_keeps_repeating_as_one(new_order: EventBuilder) -> None:
    """A burst said in two utterances repeats in one: the followers join the first's repeat."""
    board = AlertBoard()
    arrivals = burst(new_order)
    assert drive(board, arrivals, until=61)[2:] == [
        (30.25, "您有5个订单还未接单"),
        (60.25, "您有5个订单还未接单"),
    ]


def test_repeat_does_not_pull_in_orders_beyond_the_window(new_order: EventBuilder) -> None:
    """An order announced well after another repeats on its own schedule."""
    board = AlertBoard()
    arrivals = [(0.0, new_order(1)), (10.0, new_order(2))]
    assert drive(board, arrivals, until=41) == [
        (0.25, "您有新的外卖订单，尾号零零零一"),
        (10.25, "您有新的外卖订单，尾号零零零二"),
        (30.25, "尾号零零零一的订单还未接单"),
        (40.25, "尾号零零零二的订单还未接单"),
    ]


def test_short_repeat_interval_never_repeats_an_order_just_said(new_order: EventBuilder) -> None:
    """With repeats 4 s apart, an order said 1 s ago is not pulled into a repeat; later it is."""
    board = AlertBoard(repeat_interval_s=4)
    arrivals = [(0.0, new_order(1)), (2.0, new_order(2))]
    assert drive(board, arrivals, until=8) == [
        (0.25, "您有新的外卖订单，尾号零零零一"),
        (3.25, "您有新的外卖订单，尾号零零零二"),
        (4.25, "尾号零零零一的订单还未接单"),
        (7.25, "您有2个订单还未接单"),
    ]


def test_steady_stream_is_announced_every_window(new_order: EventBuilder) -> None:
    """An order every second is announced every 3 s; the stream never postpones speech."""
    board = AlertBoard()
    arrivals = [(float(second), new_order(second + 1)) for second in range(10)]
    assert drive(board, arrivals, until=12) == [
        (0.25, "您有新的外卖订单，尾号零零零一"),
        (3.25, "您有3个新订单"),
        (6.25, "您有3个新订单"),
        (9.25, "您有3个新订单"),
    ]


def test_window_is_not_stretched_by_later_orders(new_order: EventBuilder) -> None:
    """The window runs from the first order, so a steady stream cannot postpone speech."""
    board = AlertBoard()
    for offset in (0.0, 1.0, 2.5):
        board.handle_event(new_order(int(offset * 10) + 1), T0 + offset)
    assert board.next_deadline() == T0


def test_window_deadline_follows_shown_cards(new_order: EventBuilder) -> None:
    """Once the cards are shown, the next deadline is the end of the burst window."""
    board = AlertBoard()
    board.handle_event(new_order(1), T0)
    board.due(T0)
    board.due(T0 + 0.25)
    board.handle_event(new_order(2), T0 + 2.5)
    board.due(T0 + 2.5)
    assert board.next_deadline() == T0 + 3.25


def test_order_after_window_starts_a_new_one(new_order: EventBuilder) -> None:
    """An order arriving after the window closed is announced on its own."""
    board = AlertBoard()
    board.handle_event(new_order(1), T0)
    board.handle_event(new_order(2), T0 + 1)
    assert said(board.due(T0 + 3)) == ["您有2个新订单"]
    board.handle_event(new_order(3), T0 + 4)
    assert board.due(T0 + 4).speak == []
    assert said(board.due(T0 + 7)) == ["您有新的外卖订单，尾号零零零三"]


def test_repeated_type_1_does_not_ring_twice(new_order: EventBuilder) -> None:
    """A second type-1 event for a ringing order changes nothing audible."""
    board = AlertBoard()
    board.handle_event(new_order(1), T0)
    board.handle_event(new_order(1, event_id=99), T0 + 1)
    assert said(board.due(T0 + 3)) == ["您有新的外卖订单，尾号零零零一"]
    assert len(board.ringing) == 1


def test_card_carries_the_order_details(new_order: EventBuilder, paid_at: datetime) -> None:
    """The shown alert has what the card displays."""
    board = AlertBoard()
    board.handle_event(new_order(1234, remark="不要辣"), T0)
    (alert,) = board.due(T0).show
    assert alert.order_number == "20261126120001234"
    assert alert.tail == "1234"
    assert alert.items == (OrderLine("宫保鸡丁", 1), OrderLine("米饭", 2))
    assert alert.amount_fen == 2350
    assert alert.remark == "不要辣"
    assert alert.paid_at == paid_at
    assert alert.phone_tail == "5678"
    assert alert.status is OrderStatus.TO_BE_CONFIRMED
    assert alert.awaiting_acceptance
    assert not alert.reminded
    assert alert.reminder_count == 0
    assert alert.waited_seconds is None


def test_repeats_every_interval_until_handled(new_order: EventBuilder) -> None:
    """An unhandled order is shown and spoken again every repeat interval, then stops."""
    board = announced_board(new_order, 1)
    assert board.next_deadline() == T0 + 33
    assert board.due(T0 + 32.9) == AlertActions()
    actions = board.due(T0 + 33)
    assert said(actions) == ["尾号零零零一的订单还未接单"]
    assert actions.speak[0].kind is UtteranceKind.REPEAT
    assert shown(actions) == [1]
    assert said(board.due(T0 + 63)) == ["尾号零零零一的订单还未接单"]
    board.handled(1)
    assert board.due(T0 + 64).hide == [1]
    assert board.next_deadline() is None
    assert board.due(T0 + 93) == AlertActions()


def test_repeat_is_measured_from_when_it_was_said(new_order: EventBuilder) -> None:
    """A late `due` does not bunch up repeats: the next one is an interval after it."""
    board = announced_board(new_order, 1)
    board.due(T0 + 40)
    assert board.next_deadline() == T0 + 70


def test_repeats_falling_due_together_coalesce(new_order: EventBuilder) -> None:
    """Several orders repeating at the same moment are said in one utterance."""
    board = announced_board(new_order, 1, 2, 3)
    actions = board.due(T0 + 33)
    assert said(actions) == ["您有3个订单还未接单"]
    assert actions.speak[0].order_ids == (1, 2, 3)
    assert shown(actions) == [1, 2, 3]


def test_changed_repeat_interval_applies_to_next_repeat(new_order: EventBuilder) -> None:
    """Setting repeat_interval_s moves the pending repeat."""
    board = announced_board(new_order, 1)
    board.repeat_interval_s = 10
    assert board.next_deadline() == T0 + 13


def test_type_3_stops_ringing_at_once(new_order: EventBuilder, updated: EventBuilder) -> None:
    """Another counter accepted: the card is hidden now and nothing more is said."""
    board = announced_board(new_order, 1)
    board.handle_event(updated(1), T0 + 10)
    assert board.next_deadline() == T0 + 10
    actions = board.due(T0 + 10)
    assert actions.hide == [1]
    assert actions.speak == []
    assert board.ringing == []
    assert board.next_deadline() is None


def test_type_3_cancels_the_pending_announcement(
    new_order: EventBuilder, updated: EventBuilder
) -> None:
    """An order handled inside the burst window is left out of the announcement."""
    board = AlertBoard()
    board.handle_event(new_order(1), T0)
    board.handle_event(new_order(2), T0 + 0.5)
    board.handle_event(updated(1), T0 + 1)
    actions = board.due(T0 + 3)
    assert said(actions) == ["您有新的外卖订单，尾号零零零二"]
    assert shown(actions) == [2]


def test_type_3_of_the_only_pending_order_says_nothing(
    new_order: EventBuilder, updated: EventBuilder
) -> None:
    """When every order of the window was handled, nothing is said and no deadline is left."""
    board = AlertBoard()
    board.handle_event(new_order(1), T0)
    board.handle_event(updated(1), T0 + 1)
    assert board.due(T0 + 1).speak == []
    assert board.next_deadline() is None


def test_type_3_still_to_be_confirmed_keeps_ringing(
    new_order: EventBuilder, updated: EventBuilder
) -> None:
    """An update that leaves the order unaccepted (new remark) refreshes the card, keeps ringing."""
    board = announced_board(new_order, 1)
    board.handle_event(updated(1, status=OrderStatus.TO_BE_CONFIRMED, remark="多放醋"), T0 + 5)
    (alert,) = board.due(T0 + 5).show
    assert alert.remark == "多放醋"
    assert said(board.due(T0 + 33)) == ["尾号零零零一的订单还未接单"]


def test_handled_order_does_not_ring_again_on_late_type_1(new_order: EventBuilder) -> None:
    """After handling an order here, a late type-1 event for it is ignored."""
    board = announced_board(new_order, 1)
    board.handled(1)
    board.handle_event(new_order(1, event_id=500), T0 + 10)
    assert board.due(T0 + 13).speak == []
    assert board.ringing == []


def test_type_3_before_type_1_keeps_it_silent(
    new_order: EventBuilder, updated: EventBuilder
) -> None:
    """A backlog replayed out of step (update first) never rings for the handled order."""
    board = AlertBoard()
    board.handle_event(updated(1), T0)
    board.handle_event(new_order(1), T0)
    assert board.due(T0 + 3) == AlertActions(hide=[])
    assert board.ringing == []


def test_handled_before_anything_else_is_remembered(new_order: EventBuilder) -> None:
    """`handled` on a fresh board still keeps a later type-1 event from ringing."""
    board = AlertBoard()
    board.handled(1)
    board.handle_event(new_order(1), T0)
    assert board.ringing == []


def test_load_waiting_adds_missing_and_drops_gone(new_order: EventBuilder) -> None:
    """After a reconnect the board matches the server's waiting list."""
    board = announced_board(new_order, 1, 2)
    waiting = [WaitingOrder.from_event(new_order(2)), WaitingOrder.from_event(new_order(3))]
    board.load_waiting(waiting, T0 + 20)
    actions = board.due(T0 + 20)
    assert actions.hide == [1]
    assert shown(actions) == [3]
    assert said(board.due(T0 + 23)) == ["您有新的外卖订单，尾号零零零三"]
    assert [alert.order_id for alert in board.ringing] == [2, 3]


def test_load_waiting_announces_many_as_a_burst() -> None:
    """Orders paid while the PC was off are announced together after start-up."""
    board = AlertBoard()
    orders = [WaitingOrder(order_id=i, order_number=f"N{i:04d}", amount_fen=100) for i in (1, 2)]
    board.load_waiting(orders, T0)
    assert said(board.due(T0 + 3)) == ["您有2个新订单"]


def test_load_waiting_brings_back_an_order_handled_here(new_order: EventBuilder) -> None:
    """The server is the truth: an order it still lists rings again (the accept failed)."""
    board = announced_board(new_order, 1)
    board.handled(1)
    board.load_waiting([WaitingOrder.from_event(new_order(1))], T0 + 10)
    assert shown(board.due(T0 + 10)) == [1]


def test_waiting_order_from_event(new_order: EventBuilder, paid_at: datetime) -> None:
    """A WaitingOrder copies what the card needs from an event."""
    order = WaitingOrder.from_event(new_order(42, remark="少饭"))
    assert order == WaitingOrder(
        order_id=42,
        order_number="20261126120000042",
        amount_fen=2350,
        items=(OrderLine("宫保鸡丁", 1), OrderLine("米饭", 2)),
        remark="少饭",
        paid_at=paid_at,
        phone_tail="5678",
    )
    assert order.tail == "0042"


def test_numbered_order_is_announced_by_its_number_of_the_day(new_order: EventBuilder) -> None:
    """An order numbered 12 today is announced as 12号订单, its tail after it."""
    board = AlertBoard()
    board.handle_event(new_order(1234, day_seq=12), T0)
    board.due(T0)
    assert said(board.due(T0 + 3)) == ["您有新的外卖订单，12号订单，尾号一二三四"]


def test_numbered_order_repeats_by_its_number_of_the_day(new_order: EventBuilder) -> None:
    """The repeat of a numbered order names it by its number too."""
    board = AlertBoard(language=Language.EN)
    board.handle_event(new_order(1234, day_seq=12), T0)
    board.due(T0)
    board.due(T0 + 3)
    assert said(board.due(T0 + 33)) == ["Order 12 is still waiting, ending one two three four"]


def test_card_carries_the_number_and_the_address(new_order: EventBuilder) -> None:
    """The card of a numbered order gets its number of the day and the delivery address."""
    board = AlertBoard()
    board.handle_event(new_order(1, day_seq=7, address="世纪大道100号"), T0)
    (alert,) = board.due(T0).show
    assert (alert.day_seq, alert.address, alert.phone_tail) == (7, "世纪大道100号", "5678")
