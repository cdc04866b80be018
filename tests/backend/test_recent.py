"""Recent events answer a reconnecting counter's backlog exactly as the log would."""

from __future__ import annotations

import pytest

from backend.recent import RecentEvents
from tests.backend.test_hub import event


def filled(capacity: int, events: int, shops: int = 2, boundary: int = 0) -> RecentEvents:
    recent = RecentEvents(capacity, boundary)
    for event_id in range(boundary + 1, boundary + events + 1):
        recent.add(event(event_id, shop_id=1 + event_id % shops))
    return recent


def test_a_shops_events_after_the_cursor_oldest_first() -> None:
    recent = filled(capacity=10, events=8)
    assert [e.id for e in recent.after(1, 3)] == [4, 6, 8]
    assert [e.id for e in recent.after(2, 0)] == [1, 3, 5, 7]
    assert recent.after(3, 0) == []
    assert recent.after(1, 8) == []


def test_it_covers_cursors_from_its_boundary_on() -> None:
    recent = filled(capacity=10, events=5, boundary=100)
    assert recent.covers(100)
    assert recent.covers(105)
    assert not recent.covers(99)


def test_the_oldest_make_room_and_the_boundary_follows() -> None:
    recent = filled(capacity=4, events=10)
    assert len(recent) == 4
    assert recent.boundary == 6
    assert [e.id for e in recent.after(1, 6)] == [8, 10]
    assert not recent.covers(5)
    with pytest.raises(ValueError, match="not all held"):
        recent.after(1, 5)


def test_a_shop_whose_events_all_aged_out_is_forgotten() -> None:
    recent = RecentEvents(2)
    recent.add(event(1, shop_id=7))
    recent.add(event(2, shop_id=8))
    recent.add(event(3, shop_id=8))
    assert recent.after(7, 1) == []
    assert 7 not in recent._by_shop


def test_ids_must_grow() -> None:
    recent = filled(capacity=4, events=2)
    with pytest.raises(ValueError, match="not newer"):
        recent.add(event(2))
    with pytest.raises(ValueError, match="capacity"):
        RecentEvents(0)


def test_pruned_events_are_forgotten_and_older_cursors_go_to_the_log() -> None:
    """After the log drops ids below 4, memory does too: a cursor at 2 is no longer covered."""
    recent = filled(capacity=10, events=6)
    recent.forget_before(4)
    assert recent.boundary == 3
    assert not recent.covers(2)
    assert recent.covers(3)
    assert [e.id for e in recent.after(1, 3)] == [4, 6]
    assert [e.id for e in recent.after(2, 3)] == [5]


def test_forgetting_below_the_boundary_keeps_the_boundary() -> None:
    recent = filled(capacity=3, events=6)
    recent.forget_before(2)
    assert recent.boundary == 3
    assert len(recent) == 3
