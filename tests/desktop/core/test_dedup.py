"""Event de-duplication: each event id alerts once, across reconnects and restarts."""

from __future__ import annotations

import pytest

from desktop.core.cursor import EventDeduplicator


def test_new_ids_are_accepted_once() -> None:
    """The first delivery of an id is accepted, a repeat is not."""
    dedup = EventDeduplicator(None)
    assert dedup.accept(1)
    assert dedup.accept(2)
    assert not dedup.accept(2)
    assert not dedup.accept(1)


def test_ids_up_to_the_cursor_were_handled_before() -> None:
    """After a restart, ids at or below the persisted cursor are rejected."""
    dedup = EventDeduplicator(100)
    assert not dedup.accept(99)
    assert not dedup.accept(100)
    assert dedup.accept(101)


def test_backlog_replay_overlapping_live_events_is_deduplicated() -> None:
    """A reconnect replaying ids already received live accepts only the missed ones."""
    dedup = EventDeduplicator(10)
    live = [dedup.accept(i) for i in (11, 12, 13)]
    replay = [dedup.accept(i) for i in (11, 12, 13, 14, 15)]
    assert live == [True, True, True]
    assert replay == [False, False, False, True, True]


def test_last_id_is_the_highest_accepted() -> None:
    """last_id is what to save and to reconnect with as since=."""
    dedup = EventDeduplicator(5)
    assert dedup.last_id == 5
    dedup.accept(7)
    dedup.accept(6)
    dedup.accept(3)
    assert dedup.last_id == 7


def test_last_id_without_cursor_or_events_is_none() -> None:
    """Nothing handled yet: no since=."""
    assert EventDeduplicator(None).last_id is None


def test_memory_is_bounded_and_forgotten_ids_stay_rejected() -> None:
    """Only `memory` ids are kept; an id pushed out of memory is still rejected by the floor."""
    dedup = EventDeduplicator(None, memory=3)
    for event_id in range(1, 11):
        assert dedup.accept(event_id)
    assert len(dedup._seen) == 3
    assert not dedup.accept(1)
    assert not dedup.accept(7)
    assert not dedup.accept(10)
    assert dedup.accept(11)


def test_memory_must_hold_an_id() -> None:
    """A memory of zero ids is refused."""
    with pytest.raises(ValueError, match="at least one"):
        EventDeduplicator(None, memory=0)
