"""Presence in the database: each instance's counters, its heartbeat, and expiry when it dies."""

from __future__ import annotations

from datetime import datetime, timedelta

from backend.store import Database, create_token, revoke_token
from backend.store.presence import (
    ROWS_PER_TRANSACTION,
    Presence,
    batches,
    forget_instance,
    forget_stale_instances,
    present_counters,
    write_presence,
)


async def counter(db: Database, now: datetime, shop_id: int = 1, name: str = "front") -> int:
    record, _ = await create_token(db, shop_id=shop_id, name=name, now=now)
    return record.id


async def test_a_connected_counter_is_listed_with_its_name(db: Database, now: datetime) -> None:
    """A row written by a live instance shows the PC's name, shop and times."""
    device = await counter(db, now, name="front counter")
    entry = Presence(device, 1, 1, now, now + timedelta(seconds=10))
    await write_presence(db, "a", now, changed=[entry])
    [present] = await present_counters(db, now - timedelta(seconds=45), shop_id=1)
    assert (present.device_id, present.name, present.connections) == (device, "front counter", 1)
    assert (present.connected_since, present.last_pong) == (now, now + timedelta(seconds=10))


async def test_counters_of_a_silent_instance_expire(db: Database, now: datetime) -> None:
    """An instance that stopped refreshing no longer has counters once its heartbeat is stale."""
    device = await counter(db, now)
    await write_presence(db, "a", now, changed=[Presence(device, 1, 1, now, None)])
    assert len(await present_counters(db, now - timedelta(seconds=45))) == 1
    later = now + timedelta(seconds=46)
    assert await present_counters(db, later - timedelta(seconds=45)) == []


async def test_a_heartbeat_keeps_the_counters(db: Database, now: datetime) -> None:
    """Writing nothing but the heartbeat keeps the instance's counters listed."""
    device = await counter(db, now)
    await write_presence(db, "a", now, changed=[Presence(device, 1, 1, now, None)])
    later = now + timedelta(seconds=40)
    await write_presence(db, "a", later)
    assert (
        len(await present_counters(db, later + timedelta(seconds=30) - timedelta(seconds=45))) == 1
    )


async def test_a_disconnected_counter_goes(db: Database, now: datetime) -> None:
    """A device reported gone is no longer listed."""
    first, second = await counter(db, now), await counter(db, now, name="kitchen")
    entries = [Presence(first, 1, 1, now, None), Presence(second, 1, 1, now, None)]
    await write_presence(db, "a", now, changed=entries)
    await write_presence(db, "a", now, gone=[first])
    assert [c.device_id for c in await present_counters(db, now)] == [second]


async def test_pongs_update_the_last_heard_time(db: Database, now: datetime) -> None:
    """A pong moves last_pong without rewriting the rest."""
    device = await counter(db, now)
    await write_presence(db, "a", now, changed=[Presence(device, 1, 1, now, None)])
    pong = now + timedelta(seconds=30)
    await write_presence(db, "a", pong, pongs=[(device, pong)])
    [present] = await present_counters(db, now)
    assert (present.connected_since, present.last_pong) == (now, pong)


async def test_instances_are_listed_together_or_one_left_out(db: Database, now: datetime) -> None:
    """Two instances' counters add up; an instance can leave its own out."""
    first, second = await counter(db, now), await counter(db, now, name="kitchen")
    await write_presence(db, "a", now, changed=[Presence(first, 1, 1, now, None)])
    await write_presence(db, "b", now, changed=[Presence(second, 1, 1, now, None)])
    assert len(await present_counters(db, now, shop_id=1)) == 2
    others = await present_counters(db, now, shop_id=1, except_instance="a")
    assert [c.device_id for c in others] == [second]


async def test_other_shops_are_not_listed(db: Database, now: datetime) -> None:
    """Asking for shop 1 lists only shop 1's counters."""
    mine, theirs = await counter(db, now), await counter(db, now, shop_id=2)
    entries = [Presence(mine, 1, 1, now, None), Presence(theirs, 2, 1, now, None)]
    await write_presence(db, "a", now, changed=entries)
    assert [c.device_id for c in await present_counters(db, now, shop_id=1)] == [mine]


async def test_a_revoked_token_is_not_a_counter(db: Database, now: datetime) -> None:
    """A counter whose token was revoked no longer counts, even before its stream closes."""
    device = await counter(db, now)
    await write_presence(db, "a", now, changed=[Presence(device, 1, 1, now, None)])
    await revoke_token(db, device, now)
    assert await present_counters(db, now) == []


async def test_a_stopping_instance_takes_its_counters_along(db: Database, now: datetime) -> None:
    """forget_instance removes the instance and its rows at once."""
    device = await counter(db, now)
    await write_presence(db, "a", now, changed=[Presence(device, 1, 1, now, None)])
    await forget_instance(db, "a")
    assert await present_counters(db, now - timedelta(days=1)) == []


async def test_long_dead_instances_are_cleaned_up(db: Database, now: datetime) -> None:
    """Instances not refreshed for long are deleted with their rows; live ones stay."""
    device = await counter(db, now)
    await write_presence(
        db, "old", now - timedelta(hours=2), changed=[Presence(device, 1, 1, now, None)]
    )
    await write_presence(db, "live", now, changed=[Presence(device, 1, 1, now, None)])
    assert await forget_stale_instances(db, now - timedelta(hours=1)) == 1
    assert [c.instance_id for c in await present_counters(db, now - timedelta(days=1))] == ["live"]


def test_rows_are_written_in_pieces_in_order() -> None:
    """Every row lands in exactly one piece, in order, none over the size; nothing gives one."""
    at = datetime(2026, 12, 3, 12, 0)
    changed = [Presence(device, 1, 1, at, None) for device in range(1, 8)]
    gone = [101, 102, 103]
    pongs = [(device, at) for device in range(201, 206)]
    pieces = batches(changed, gone, pongs, size=4)
    assert [tuple(len(part) for part in piece) for piece in pieces] == [
        (4, 0, 0),
        (3, 1, 0),
        (0, 2, 2),
        (0, 0, 3),
    ]
    assert [entry for piece in pieces for entry in piece[0]] == changed
    assert [device for piece in pieces for device in piece[1]] == gone
    assert [pong for piece in pieces for pong in piece[2]] == pongs
    assert batches([], [], [], size=4) == [([], [], [])]


async def test_a_fleet_is_written_whole_across_pieces(db: Database, now: datetime) -> None:
    """More counters than one transaction takes: all listed, their pongs all updated."""
    devices = [await counter(db, now, name=f"pc {n}") for n in range(ROWS_PER_TRANSACTION + 3)]
    await write_presence(db, "a", now, changed=[Presence(d, 1, 1, now, None) for d in devices])
    later = now + timedelta(seconds=61)
    await write_presence(db, "a", later, pongs=[(d, later) for d in devices])
    present = await present_counters(db, later - timedelta(seconds=45))
    assert sorted(c.device_id for c in present) == sorted(devices)
    assert {c.last_pong for c in present} == {later}
