"""Where alert cards go on screen: urgency order, how many fit, and never off the screen.

Pure geometry in screen pixels (x to the right, y downward), so every rule is tested without Qt.
The stack is one column in the bottom-right corner of the available screen area: the most urgent
order's card at the bottom, at most :data:`MAX_FULL_CARDS` full cards above it, and one compact
card on top that stands for every other waiting order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from desktop.core.cards import Alert

MAX_FULL_CARDS = 3
SCREEN_MARGIN = 12
CARD_SPACING = 8


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle on screen; ``right`` and ``bottom`` are exclusive."""

    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        """The first column right of the box."""
        return self.x + self.width

    @property
    def bottom(self) -> int:
        """The first row below the box."""
        return self.y + self.height

    def contains(self, other: Box) -> bool:
        """True when ``other`` lies wholly inside this box."""
        return (
            self.x <= other.x
            and self.y <= other.y
            and other.right <= self.right
            and other.bottom <= self.bottom
        )

    def intersects(self, other: Box) -> bool:
        """True when the two boxes share at least one pixel."""
        return (
            self.x < other.right
            and other.x < self.right
            and self.y < other.bottom
            and other.y < self.bottom
        )

    def holds_point(self, x: int, y: int, slack: int = 0) -> bool:
        """True when the point lies in the box grown by ``slack`` on every side."""
        return (
            self.x - slack <= x < self.right + slack and self.y - slack <= y < self.bottom + slack
        )

    def united(self, other: Box) -> Box:
        """The smallest box holding both."""
        x, y = min(self.x, other.x), min(self.y, other.y)
        return Box(x, y, max(self.right, other.right) - x, max(self.bottom, other.bottom) - y)


@dataclass(frozen=True, slots=True)
class StackPlan:
    """Where each card goes.

    ``cards`` maps the order ids with a full card to their boxes, most urgent first (it sits at
    the bottom); ``overflow`` lists, most urgent first, the orders the compact card stands for;
    ``compact`` is that card's box, None when every order has a full card.
    """

    cards: dict[int, Box]
    overflow: tuple[int, ...] = ()
    compact: Box | None = None

    def boxes(self) -> list[Box]:
        """Every card's box, the compact card's last."""
        return [*self.cards.values(), *([self.compact] if self.compact is not None else [])]

    def region(self) -> Box | None:
        """The smallest box around every card, gaps between them included; None when empty."""
        boxes = self.boxes()
        if not boxes:
            return None
        region = boxes[0]
        for box in boxes[1:]:
            region = region.united(box)
        return region

    def fits(self, area: Box) -> bool:
        """True when every card lies inside ``area`` and no two overlap."""
        boxes = self.boxes()
        if not all(area.contains(box) for box in boxes):
            return False
        return not any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def urgency_order(alerts: Iterable[Alert]) -> list[int]:
    """Order ids, most urgent first: reminded orders, then the oldest payment; ties by arrival.

    ``alerts`` come in arrival order. An unknown payment time sorts after the known ones.
    """
    ranked = [
        (not alert.reminded, alert.paid_at is None, _sortable(alert.paid_at), index, alert.order_id)
        for index, alert in enumerate(alerts)
    ]
    return [entry[-1] for entry in sorted(ranked)]


def _sortable(moment: datetime | None) -> float:
    # Seconds since year 1 in UTC: defined for every aware time from year 1 to 9999, where
    # timestamp() or astimezone() can overflow at the ends of the range.
    if moment is None:
        return 0.0
    offset = moment.utcoffset()
    naive = moment.replace(tzinfo=None)
    seconds = (naive - datetime.min).total_seconds()
    return seconds - (offset.total_seconds() if offset is not None else 0.0)


def card_height_limit(
    area: Box, compact_height: int, margin: int = SCREEN_MARGIN, spacing: int = CARD_SPACING
) -> int:
    """The tallest a full card may be so that it and the compact card fit ``area`` together."""
    return max(area.height - 2 * margin - compact_height - spacing, 0)


def plan_stack(
    order_ids: Sequence[int],
    heights: Mapping[int, int],
    area: Box,
    *,
    width: int,
    compact_height: int,
    max_full: int = MAX_FULL_CARDS,
    margin: int = SCREEN_MARGIN,
    spacing: int = CARD_SPACING,
) -> StackPlan:
    """The column for ``order_ids`` (most urgent first), each card ``heights[id]`` tall.

    Full cards go upward from the bottom-right corner of ``area`` while they fit below the room
    kept for the compact card (so it can appear later without moving a card), at most
    ``max_full`` of them and always at least one; the compact card, when any order is left,
    sits on top. Every box is clamped into ``area``; give cards at most
    :func:`card_height_limit` of height so that clamping never has to overlap them.
    """
    if not order_ids:
        return StackPlan(cards={})
    x = _clamp(area.right - margin - width, area.x, area.right - width)
    floor = area.y + margin
    room_top = floor + compact_height + spacing
    y = area.bottom - margin
    cards: dict[int, Box] = {}
    for order_id in order_ids:
        height = heights[order_id]
        if cards and (len(cards) >= max_full or y - height < room_top):
            break
        top = _clamp(y - height, area.y, area.bottom - height)
        cards[order_id] = Box(x, top, width, height)
        y = top - spacing
    overflow = tuple(order_ids[len(cards) :])
    compact = None
    if overflow:
        top = _clamp(y - compact_height, area.y, area.bottom - compact_height)
        compact = Box(x, top, width, compact_height)
    return StackPlan(cards=cards, overflow=overflow, compact=compact)


def hold_stack(
    previous: StackPlan,
    order_ids: Sequence[int],
    heights: Mapping[int, int],
    area: Box,
    *,
    width: int,
    compact_height: int,
    max_full: int = MAX_FULL_CARDS,
    margin: int = SCREEN_MARGIN,
    spacing: int = CARD_SPACING,
) -> StackPlan:
    """The column while the pointer rests on it: no card moves under the pointer.

    Cards still present keep their place (a handled one leaves a gap); orders that had no full
    card, new ones included, go to the compact card, which stays where it was. A card that grew
    keeps its bottom edge (its buttons stay under the pointer) and pushes the cards above it up.
    When that cannot fit the screen, the column is laid out afresh (:func:`plan_stack`).
    """
    present = set(order_ids)
    kept = [order_id for order_id in previous.cards if order_id in present]
    by_bottom = sorted(kept, key=lambda order_id: -previous.cards[order_id].bottom)
    placed: dict[int, Box] = {}
    ceiling: int | None = None
    for order_id in by_bottom:
        old = previous.cards[order_id]
        bottom = old.bottom if ceiling is None else min(old.bottom, ceiling - spacing)
        placed[order_id] = Box(old.x, bottom - heights[order_id], width, heights[order_id])
        ceiling = placed[order_id].y
    cards = {order_id: placed[order_id] for order_id in kept}
    overflow = tuple(order_id for order_id in order_ids if order_id not in cards)
    compact = None
    if overflow:
        compact = previous.compact
        x = previous.compact.x if previous.compact is not None else _column_x(previous, area)
        if (
            compact is None
            or compact.height != compact_height
            or (ceiling is not None and compact.bottom > ceiling - spacing)
        ):
            top_edge = ceiling if ceiling is not None else area.bottom
            compact = Box(x, top_edge - spacing - compact_height, width, compact_height)
    held = StackPlan(cards=cards, overflow=overflow, compact=compact)
    if held.fits(area) and (cards or not order_ids):
        return held
    return plan_stack(
        order_ids,
        heights,
        area,
        width=width,
        compact_height=compact_height,
        max_full=max_full,
        margin=margin,
        spacing=spacing,
    )


def _column_x(plan: StackPlan, area: Box) -> int:
    region = plan.region()
    return region.x if region is not None else area.x


def beside(anchor: Box, width: int, height: int, area: Box, clear_of: Box, gap: int = 8) -> Box:
    """Where a dialog about the card at ``anchor`` goes: next to it, clear of the stack.

    Left of ``clear_of`` (the stack's region) when it fits there, else right of it, top edge
    level with the card's. On a screen too narrow for either, it goes above the card (or below
    it), so it may cover other cards but never its own. Always clamped into ``area``.
    """
    y = _clamp(anchor.y, area.y, area.bottom - height)
    for x in (clear_of.x - gap - width, clear_of.right + gap):
        if area.x <= x and x + width <= area.right:
            return Box(x, y, width, height)
    x = _clamp(anchor.right - width, area.x, area.right - width)
    if anchor.y - gap - height >= area.y:
        return Box(x, anchor.y - gap - height, width, height)
    if anchor.bottom + gap + height <= area.bottom:
        return Box(x, anchor.bottom + gap, width, height)
    return Box(x, y, width, height)


def _clamp(value: int, low: int, high: int) -> int:
    """``value`` within ``low..high``; ``low`` wins when the range is empty."""
    return max(low, min(value, high))
