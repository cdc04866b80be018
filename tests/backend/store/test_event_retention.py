"""Tests of event-log retention: pruning old events and noticing a replay that lost some."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from backend.store import (
    Database,
    OrderView,
    PaymentFacts,
    events_since,
    last_event_id,
    oldest_event_id,
    prune_events,
    record_payment,
    replay_is_partial,
)
from tests.conftest import SHOP_ZONE

OrderStep = Callable[..., Awaitable[OrderView]]
DAY = timedelta(days=1)


async def paid_on(db: Database, place_order: OrderStep, day: datetime) -> int:
    """Pay a new order at ``day``; returns the id of its event."""
    order = await place_order(now=day)
    facts = PaymentFacts(order.number, f"4200{order.id:024d}", order.amount_fen, day)
    event = (await record_payment(db, facts, day, zone=SHOP_ZONE)).event
    assert event is not None
    return event.id


async def test_prune_deletes_events_older_than_the_cutoff(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """Events created before the cutoff go; those at or after it stay."""
    old = [await paid_on(db, place_order, now - 9 * DAY) for _ in range(3)]
    recent = [await paid_on(db, place_order, now - day * DAY) for day in (7, 2)]
    removed = await prune_events(db, before=now - 7 * DAY)
    assert removed == len(old)
    assert [event.id for event in await events_since(db, 0)] == recent


async def test_prune_keeps_the_newest_event_however_old(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """A quiet shop's log keeps its newest event, so the high-water mark is never lost."""
    ids = [await paid_on(db, place_order, now - 30 * DAY) for _ in range(3)]
    await prune_events(db, before=now)
    assert [event.id for event in await events_since(db, 0)] == ids[-1:]
    assert await last_event_id(db) == ids[-1]


async def test_prune_stops_at_the_first_recent_event(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """Only a prefix goes: an old-stamped event after a recent one (clock skew) is kept."""
    await paid_on(db, place_order, now - 9 * DAY)
    kept = [
        await paid_on(db, place_order, now - 1 * DAY),
        await paid_on(db, place_order, now - 9 * DAY),
        await paid_on(db, place_order, now - 1 * DAY),
    ]
    assert await prune_events(db, before=now - 7 * DAY) == 1
    assert [event.id for event in await events_since(db, 0)] == kept


async def test_prune_works_through_many_batches(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """More old events than one batch holds are all deleted."""
    for _ in range(7):
        await paid_on(db, place_order, now - 10 * DAY)
    newest = await paid_on(db, place_order, now)
    assert await prune_events(db, before=now - DAY, batch_size=2) == 7
    assert [event.id for event in await events_since(db, 0)] == [newest]


async def test_prune_on_an_empty_log_removes_nothing(db: Database, now: datetime) -> None:
    """Pruning a log without events is harmless."""
    assert await prune_events(db, before=now) == 0


async def test_oldest_event_id_follows_pruning(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """oldest_event_id is 0 for an empty log, then the first kept event's id."""
    assert await oldest_event_id(db) == 0
    await paid_on(db, place_order, now - 9 * DAY)
    kept = await paid_on(db, place_order, now)
    await prune_events(db, before=now - DAY)
    assert await oldest_event_id(db) == kept


async def test_replay_after_a_pruned_event_is_partial(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """A cursor from before the pruned events cannot be replayed in full."""
    first = await paid_on(db, place_order, now - 9 * DAY)
    await paid_on(db, place_order, now - 9 * DAY)
    await paid_on(db, place_order, now)
    await prune_events(db, before=now - DAY)
    assert await replay_is_partial(db, first - 1)
    assert await replay_is_partial(db, first)


async def test_replay_from_the_last_pruned_event_is_complete(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """A counter that had seen every pruned event misses nothing."""
    await paid_on(db, place_order, now - 9 * DAY)
    last_pruned = await paid_on(db, place_order, now - 9 * DAY)
    await paid_on(db, place_order, now)
    await prune_events(db, before=now - DAY)
    assert not await replay_is_partial(db, last_pruned)


async def test_replay_of_an_unpruned_log_is_complete(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """Without pruning, even since=0 gets everything."""
    await paid_on(db, place_order, now)
    assert not await replay_is_partial(db, 0)


async def test_replay_of_an_empty_log_is_complete(db: Database) -> None:
    """An empty log has lost nothing."""
    assert not await replay_is_partial(db, 5)
