"""Card stack geometry: urgency order, how many cards fit, clamping, holding under the pointer."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from desktop.core.cards import Alert
from desktop.core.stack import (
    MAX_FULL_CARDS,
    Box,
    StackPlan,
    beside,
    card_height_limit,
    hold_stack,
    plan_stack,
    urgency_order,
)
from orderbell_protocol import OrderStatus

PAID = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
WIDTH, COMPACT = 360, 64
LAPTOP = Box(0, 0, 1366, 728)  # 1366x768 with a 40 px task bar
DESKTOP = Box(0, 0, 1920, 1040)  # 1920x1080 with a 40 px task bar
# Several screens as Qt reports them: the primary may sit right of, left of or below another,
# and its task bar may be on any edge.
AREAS = [
    LAPTOP,
    DESKTOP,
    Box(1920, 0, 1366, 728),  # laptop right of a full-HD monitor
    Box(-1366, 0, 1366, 728),  # laptop left of the primary's origin
    Box(0, 1080, 1920, 1040),  # below another screen
    Box(0, 40, 1366, 728),  # task bar at the top
    Box(64, 0, 1302, 768),  # task bar on the left
    Box(0, 0, 1024, 560),  # a small POS screen
]


def alert(order_id: int, *, minutes_ago: float = 0, reminded: bool = False) -> Alert:
    return Alert(
        order_id=order_id,
        order_number=f"2026112612000{order_id:04d}",
        tail=f"{order_id:04d}",
        items=(),
        amount_fen=100,
        remark="",
        paid_at=PAID - timedelta(minutes=minutes_ago),
        phone_tail="",
        status=OrderStatus.TO_BE_CONFIRMED,
        reminded=reminded,
        reminder_count=1 if reminded else 0,
        waited_seconds=None,
    )


def plan(ids: list[int], heights: dict[int, int], area: Box = LAPTOP) -> StackPlan:
    return plan_stack(ids, heights, area, width=WIDTH, compact_height=COMPACT)


# Urgency --------------------------------------------------------------------------------------


def test_reminded_orders_come_first() -> None:
    """A hurried order outranks older orders that nobody hurried."""
    alerts = [alert(1, minutes_ago=30), alert(2, minutes_ago=5, reminded=True)]
    assert urgency_order(alerts) == [2, 1]


def test_older_payments_come_first() -> None:
    """Among orders alike, the one paid longest ago comes first, whatever the arrival order."""
    alerts = [alert(1, minutes_ago=2), alert(2, minutes_ago=9), alert(3, minutes_ago=5)]
    assert urgency_order(alerts) == [2, 3, 1]


def test_reminded_orders_among_themselves_oldest_first() -> None:
    """Two hurried orders: the older payment first."""
    alerts = [alert(1, minutes_ago=2, reminded=True), alert(2, minutes_ago=9, reminded=True)]
    assert urgency_order(alerts) == [2, 1]


def test_ties_keep_arrival_order() -> None:
    """Orders paid at the same moment keep the order they arrived in."""
    assert urgency_order([alert(5), alert(3), alert(4)]) == [5, 3, 4]


def test_unknown_payment_time_comes_after_known_ones() -> None:
    """An order without a payment time cannot claim to be the oldest."""
    unknown = replace(alert(1), paid_at=None)
    assert urgency_order([unknown, alert(2)]) == [2, 1]


def test_times_at_the_ends_of_the_calendar_sort() -> None:
    """Payment times in year 1 and 9999, in any zone, sort without raising."""
    early = replace(alert(1), paid_at=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=8))))
    late = replace(
        alert(2), paid_at=datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-8)))
    )
    assert urgency_order([late, alert(3), early]) == [1, 3, 2]


# Fresh layout -----------------------------------------------------------------------------------


def test_single_card_hugs_the_bottom_right_corner() -> None:
    """One order: its card sits a margin away from the corner of the available area."""
    result = plan([7], {7: 300})
    assert result.cards == {7: Box(1366 - 12 - WIDTH, 728 - 12 - 300, WIDTH, 300)}
    assert result.compact is None


def test_most_urgent_card_is_at_the_bottom() -> None:
    """Cards go upward in urgency order."""
    result = plan([3, 1, 2], {1: 200, 2: 200, 3: 200}, DESKTOP)
    tops = [result.cards[i].y for i in (3, 1, 2)]
    assert tops == sorted(tops, reverse=True)


def test_at_most_three_full_cards_and_a_compact_card_for_the_rest() -> None:
    """Five short cards on a tall screen: three full cards, the other two in the compact card."""
    result = plan([1, 2, 3, 4, 5], dict.fromkeys(range(1, 6), 150), DESKTOP)
    assert list(result.cards) == [1, 2, 3]
    assert result.overflow == (4, 5)
    assert result.compact is not None
    assert result.compact.bottom <= min(box.y for box in result.cards.values())


def test_fewer_full_cards_on_a_short_screen() -> None:
    """At 1366x768 tall cards leave room for two full cards, never a second column."""
    result = plan([1, 2, 3, 4, 5], dict.fromkeys(range(1, 6), 300))
    assert list(result.cards) == [1, 2]
    assert result.overflow == (3, 4, 5)
    assert len({box.x for box in result.boxes()}) == 1


def test_room_for_the_compact_card_is_kept_even_when_everything_fits() -> None:
    """The compact card can appear later without pushing a card."""
    heights = {1: 320, 2: 320}
    two = plan([1, 2], heights)
    assert list(two.cards) == [1]
    assert two.overflow == (2,)


def test_one_card_taller_than_the_screen_is_clamped_inside() -> None:
    """Even a card taller than allowed is kept on screen, top edge visible."""
    result = plan([1], {1: 900})
    assert result.cards[1].y == 0


def test_height_limit_leaves_room_for_the_compact_card() -> None:
    """A card at the limit and the compact card fit the area together."""
    limit = card_height_limit(LAPTOP, COMPACT)
    result = plan([1, 2], {1: limit, 2: limit})
    assert result.fits(LAPTOP)
    assert list(result.cards) == [1]


@pytest.mark.parametrize("area", AREAS, ids=lambda a: f"{a.x},{a.y},{a.width}x{a.height}")
def test_every_layout_fits_its_screen(area: Box) -> None:
    """Any number of orders of any (allowed) heights: inside the area, no overlap, <= 3 full."""
    limit = card_height_limit(area, COMPACT)
    for count, height in itertools.product(range(1, 9), (90, 180, 260, 400, limit)):
        heights = {i: min(height + 7 * i, limit) for i in range(1, count + 1)}
        ids = list(heights)
        result = plan(ids, heights, area)
        assert result.fits(area), (count, height)
        assert 1 <= len(result.cards) <= MAX_FULL_CARDS
        assert list(result.cards) + list(result.overflow) == ids
        assert (result.compact is None) == (not result.overflow)


def test_empty_stack_has_no_cards() -> None:
    """No orders, no boxes."""
    assert plan([], {}).boxes() == []
    assert plan([], {}).region() is None


def test_area_narrower_than_a_card_keeps_its_left_edge_visible() -> None:
    """On a screen narrower than a card the card starts at the screen's left edge."""
    result = plan([1], {1: 200}, Box(100, 0, 300, 700))
    assert result.cards[1].x == 100


# Holding still under the pointer ----------------------------------------------------------------


def hold(previous: StackPlan, ids: list[int], heights: dict[int, int]) -> StackPlan:
    return hold_stack(previous, ids, heights, LAPTOP, width=WIDTH, compact_height=COMPACT)


def test_handled_card_leaves_a_gap_while_held() -> None:
    """The cards above a handled one stay where they were."""
    before = plan([1, 2], {1: 250, 2: 250})
    after = hold(before, [2], {2: 250})
    assert after.cards[2] == before.cards[2]


def test_new_orders_join_the_compact_card_while_held() -> None:
    """A new order while the pointer rests on the stack moves nothing: it joins the compact card."""
    before = plan([1, 2], {1: 250, 2: 250})
    after = hold(before, [9, 1, 2], {1: 250, 2: 250, 9: 250})
    assert after.cards == before.cards
    assert after.overflow == (9,)
    assert after.compact is not None
    assert after.fits(LAPTOP)


def test_compact_card_stays_put_while_held() -> None:
    """The compact card does not move when an order it stood for leaves."""
    before = plan([1, 2, 3, 4], dict.fromkeys(range(1, 5), 250))
    after = hold(before, [1, 2, 4], dict.fromkeys((1, 2, 4), 250))
    assert after.compact == before.compact
    assert after.overflow == (4,)


def test_compact_card_goes_when_its_orders_are_gone_while_held() -> None:
    """No orders left beyond the full cards: no compact card."""
    before = plan([1, 2, 3], dict.fromkeys(range(1, 4), 250))
    after = hold(before, [1, 2], {1: 250, 2: 250})
    assert after.compact is None


def test_grown_card_keeps_its_bottom_edge_while_held() -> None:
    """A card that grew (an error line) keeps its buttons under the pointer."""
    before = plan([1, 2], {1: 200, 2: 200})
    after = hold(before, [1, 2], {1: 240, 2: 200})
    assert after.cards[1].bottom == before.cards[1].bottom
    assert after.cards[2].bottom <= after.cards[1].y
    assert after.fits(LAPTOP)


def test_held_layout_that_cannot_fit_is_laid_out_afresh() -> None:
    """Growth that would push cards off the screen gives a fresh layout instead."""
    before = plan([1, 2], {1: 200, 2: 200})
    limit = card_height_limit(LAPTOP, COMPACT)
    after = hold(before, [1, 2], {1: limit, 2: limit})
    assert after == plan([1, 2], {1: limit, 2: limit})


def test_held_layout_without_full_cards_is_laid_out_afresh() -> None:
    """When every full card was handled, the waiting orders get their cards at once."""
    before = plan([1, 2, 3, 4], dict.fromkeys(range(1, 5), 250))
    after = hold(before, [3, 4], {3: 250, 4: 250})
    assert after == plan([3, 4], {3: 250, 4: 250})


def test_region_covers_the_gaps_between_cards() -> None:
    """The region the pointer may rest on spans the whole column."""
    result = plan([1, 2, 3], dict.fromkeys(range(1, 4), 200), DESKTOP)
    region = result.region()
    assert region is not None
    between = result.cards[1].y - 4
    assert region.holds_point(result.cards[1].x + 10, between)


# Dialogs beside their card -------------------------------------------------------------------


@pytest.mark.parametrize("area", AREAS, ids=lambda a: f"{a.x},{a.y},{a.width}x{a.height}")
def test_dialog_beside_its_card_is_on_screen_and_clear_of_the_stack(area: Box) -> None:
    """The reject dialog never covers a card and is always whole on screen."""
    stack = plan_stack(
        [1, 2, 3, 4],
        dict.fromkeys(range(1, 5), 240),
        area,
        width=WIDTH,
        compact_height=COMPACT,
    )
    region = stack.region()
    assert region is not None
    for anchor in stack.boxes():
        dialog = beside(anchor, 420, 300, area, region)
        assert area.contains(dialog)
        assert not any(dialog.intersects(box) for box in stack.boxes())


def test_dialog_is_level_with_its_card() -> None:
    """The dialog's top edge is the card's, so staff see which order it is about."""
    stack = plan([1, 2], {1: 200, 2: 200}, DESKTOP)
    region = stack.region()
    assert region is not None
    dialog = beside(stack.cards[2], 420, 150, DESKTOP, region)
    assert dialog.y == stack.cards[2].y
    assert dialog.right <= region.x


def test_dialog_goes_right_when_the_stack_is_at_the_left_edge() -> None:
    """No room on the left: the dialog opens to the right of the stack."""
    region = Box(10, 300, 360, 400)
    dialog = beside(region, 300, 200, Box(0, 0, 1366, 728), region)
    assert dialog.x >= region.right


def test_tall_dialog_is_pulled_up_onto_the_screen() -> None:
    """A dialog level with the bottom card would stick out below: it moves up."""
    stack = plan([1], {1: 200})
    region = stack.region()
    assert region is not None
    dialog = beside(stack.cards[1], 420, 500, LAPTOP, region)
    assert dialog.bottom <= LAPTOP.bottom


def test_dialog_on_a_narrow_screen_never_covers_its_own_card() -> None:
    """No room beside the stack: the dialog goes above its card, still whole on screen."""
    area = Box(0, 0, 800, 600)
    stack = plan_stack([1, 2], {1: 200, 2: 200}, area, width=WIDTH, compact_height=COMPACT)
    region = stack.region()
    assert region is not None
    dialog = beside(stack.cards[1], 424, 180, area, region)
    assert area.contains(dialog)
    assert not dialog.intersects(stack.cards[1])
    assert dialog.bottom <= stack.cards[1].y


def test_dialog_below_its_card_when_there_is_no_room_above() -> None:
    """A card at the top of a narrow screen gets its dialog below it."""
    area = Box(0, 0, 800, 600)
    card = Box(428, 20, 360, 200)
    dialog = beside(card, 424, 180, area, card)
    assert dialog.y >= card.bottom
    assert area.contains(dialog)
