"""Which counters of a shop are connected right now, across every server instance.

Each instance knows its own counters from its hub, at no cost to the connections: nothing
runs per connection, and one task writes what changed (at most once a second, in transactions
of at most 500 rows so payments commit in between) plus a heartbeat every 15 s. Other
instances' counters are read from the database, counting only instances whose heartbeat is
fresh, so a dead instance's counters stop counting within ``EXPIRY_S``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from backend.hub import Hub, Subscriber
from backend.store import Database
from backend.store.presence import (
    Presence,
    PresentCounter,
    forget_instance,
    forget_stale_instances,
    present_counters,
    write_presence,
)
from backend.store.tokens import DeviceToken, list_tokens

log = logging.getLogger(__name__)

# Changes (a counter connecting or leaving) reach the database within about this long.
BATCH_S = 1.0
HEARTBEAT_S = 15.0
# An instance silent this long is taken for dead: its counters no longer count.
EXPIRY_S = 45.0
# last_pong in the database is this precise; an instance knows its own counters to the second.
PONG_RESOLUTION_S = 60.0
# Instances gone this long are removed from the table altogether.
FORGET_AFTER = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class ShopCounter:
    """A counter PC connected now: which one, since when, when it last answered a ping."""

    device_id: int
    name: str
    connections: int
    connected_since: datetime
    last_pong: datetime | None


class PresenceBoard:
    """This instance's counters, kept in the database, and every instance's, read from it.

    ``counters(shop)`` answers from memory (this instance's hub plus the other instances' as of
    the last heartbeat) and costs nothing; ``count_now(shop)`` and ``shop(shop)`` read the
    database for the other instances.
    """

    def __init__(
        self,
        db: Database,
        hub: Hub,
        instance_id: str,
        clock: Callable[[], float],
    ) -> None:
        self._db = db
        self._hub = hub
        self.instance_id = instance_id
        self._clock = clock
        self._names: dict[int, str] = {}
        self._written: dict[int, tuple[int, int, datetime]] = {}
        self._pongs_written: dict[int, datetime | None] = {}
        self._version = -1
        self._last_heartbeat = float("-inf")
        self._heartbeats = 0
        # Other instances' counters by shop, as of the last heartbeat.
        self._remote: dict[int, int] = {}

    def counters(self, shop_id: int) -> int:
        """Counters of the shop connected now, as far as this instance knows without asking."""
        local = {subscriber.device_id for subscriber in self._hub.live_counters(shop_id)}
        return len(local) + self._remote.get(shop_id, 0)

    async def count_now(self, shop_id: int) -> int:
        """Counters of the shop connected now, other instances read from the database."""
        local = {subscriber.device_id for subscriber in self._hub.live_counters(shop_id)}
        remote = await present_counters(
            self._db, self._fresh_since(), shop_id=shop_id, except_instance=self.instance_id
        )
        return len(local | {counter.device_id for counter in remote})

    async def shop(self, shop_id: int) -> list[ShopCounter]:
        """The shop's connected counters, this instance's as of now, oldest connection first."""
        mine = self._entries(self._hub.live_counters(shop_id))
        remote = await present_counters(
            self._db, self._fresh_since(), shop_id=shop_id, except_instance=self.instance_id
        )
        await self._learn_names([entry.device_id for entry in mine])
        found = {
            entry.device_id: ShopCounter(
                entry.device_id,
                self._names.get(entry.device_id, ""),
                entry.connections,
                entry.connected_since,
                entry.last_pong,
            )
            for entry in mine
        }
        for counter in remote:
            found[counter.device_id] = _merged(found.get(counter.device_id), counter)
        return sorted(found.values(), key=lambda c: (c.connected_since, c.device_id))

    async def run(self) -> None:
        """Write changes and heartbeats until cancelled; a failed write is tried again."""
        while True:
            try:
                await self.refresh()
            except Exception:
                log.exception("recording which counters are connected failed; retrying")
            await asyncio.sleep(BATCH_S)

    async def refresh(self) -> bool:
        """Write what changed since the last write, and the heartbeat when due; True if written."""
        now_s = self._clock()
        heartbeat_due = now_s - self._last_heartbeat >= HEARTBEAT_S
        version = self._hub.roster_version
        if version == self._version and not heartbeat_due:
            return False
        entries = {entry.device_id: entry for entry in self._entries(self._hub.live_counters())}
        now = _utc(now_s)
        changed = [
            entry
            for entry in entries.values()
            if self._written.get(entry.device_id)
            != (entry.shop_id, entry.connections, entry.connected_since)
        ]
        gone = [device for device in self._written if device not in entries]
        pongs = []
        if heartbeat_due:
            # A set: looking each entry up in the list was 10,000 x 10,000 comparisons, seconds
            # with the event loop stopped, when a fleet came back as a heartbeat fell due.
            changed_ids = {entry.device_id for entry in changed}
            for entry in entries.values():
                written = self._pongs_written.get(entry.device_id)
                if (
                    entry.last_pong is not None
                    and entry.device_id not in changed_ids
                    and (
                        written is None
                        or (entry.last_pong - written).total_seconds() >= PONG_RESOLUTION_S
                    )
                ):
                    pongs.append((entry.device_id, entry.last_pong))
        await write_presence(
            self._db, self.instance_id, now, changed=changed, gone=gone, pongs=pongs
        )
        self._version = version
        self._last_heartbeat = now_s
        for entry in changed:
            self._written[entry.device_id] = (
                entry.shop_id,
                entry.connections,
                entry.connected_since,
            )
            self._pongs_written[entry.device_id] = entry.last_pong
        for device, at in pongs:
            self._pongs_written[device] = at
        for device in gone:
            self._written.pop(device, None)
            self._pongs_written.pop(device, None)
        if heartbeat_due:
            await self._heartbeat_chores(now)
        return True

    async def stop(self) -> None:
        """This instance stops: its counters leave the table now, not at expiry."""
        await forget_instance(self._db, self.instance_id)

    async def _heartbeat_chores(self, now: datetime) -> None:
        remote = await present_counters(
            self._db, self._fresh_since(), except_instance=self.instance_id
        )
        counts: dict[int, set[int]] = {}
        for counter in remote:
            counts.setdefault(counter.shop_id, set()).add(counter.device_id)
        self._remote = {shop: len(devices) for shop, devices in counts.items()}
        self._heartbeats += 1
        if self._heartbeats % 60 == 1:  # at start, then every quarter of an hour
            await forget_stale_instances(self._db, now - FORGET_AFTER)

    def _fresh_since(self) -> datetime:
        return _utc(self._clock() - EXPIRY_S)

    def _entries(self, subscribers: Iterable[Subscriber]) -> list[Presence]:
        """This instance's counters by device token: connections, first connection, last pong."""
        now_s = self._clock()
        grouped: dict[int, Presence] = {}
        for subscriber in subscribers:
            device = subscriber.device_id
            if device is None or subscriber.live_since is None:
                continue
            age = subscriber.pong_age()
            pong = None if age is None else _utc(now_s - age)
            since = _utc(subscriber.live_since)
            known = grouped.get(device)
            if known is not None:
                since = min(since, known.connected_since)
                pong = _latest(pong, known.last_pong)
            connections = 1 if known is None else known.connections + 1
            grouped[device] = Presence(device, subscriber.shop_id, connections, since, pong)
        return list(grouped.values())

    async def _learn_names(self, device_ids: list[int]) -> None:
        if all(device in self._names for device in device_ids):
            return
        tokens: list[DeviceToken] = await list_tokens(self._db)
        self._names = {token.id: token.name for token in tokens}


def _merged(local: ShopCounter | None, remote: PresentCounter) -> ShopCounter:
    """One PC connected to two instances at once (a reconnect in flight) is one counter."""
    if local is None:
        return ShopCounter(
            remote.device_id,
            remote.name,
            remote.connections,
            remote.connected_since,
            remote.last_pong,
        )
    return ShopCounter(
        local.device_id,
        local.name or remote.name,
        local.connections + remote.connections,
        min(local.connected_since, remote.connected_since),
        _latest(local.last_pong, remote.last_pong),
    )


def _latest(first: datetime | None, second: datetime | None) -> datetime | None:
    if first is None or second is None:
        return first or second
    return max(first, second)


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
