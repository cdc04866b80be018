"""The device directory: live device tokens kept in memory, so a known counter costs no query."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from backend.store import (
    Database,
    DeviceToken,
    find_live_token,
    live_tokens,
    record_last_seen,
    token_hash,
)
from backend.store.errors import report_failure
from backend.store.tokens import LAST_SEEN_RESOLUTION

log = logging.getLogger(__name__)

# How often sightings reach last_seen_at: the resolution ``token list`` promises.
FLUSH_EVERY_S = LAST_SEEN_RESOLUTION.total_seconds()


class DeviceDirectory:
    """Every live device token by the hash of its secret, loaded once and then kept current.

    A token missing here (created after :meth:`load` by the CLI or by another instance) costs
    one lookup and is kept if live. Unknown and revoked tokens are never kept, so guessing
    costs queries but no memory. Revocations arrive through :meth:`forget`. Sightings are kept
    as token ids and written to last_seen_at by :meth:`flush`, all of them in one statement.
    """

    __slots__ = ("_by_hash", "_db", "_forgets", "_seen")

    def __init__(self, db: Database) -> None:
        self._db = db
        self._by_hash: dict[str, DeviceToken] = {}
        self._seen: set[int] = set()
        # Counts calls to forget: a lookup that overlapped one must not keep what it found.
        self._forgets = 0

    def __len__(self) -> int:
        """How many tokens are kept."""
        return len(self._by_hash)

    async def load(self) -> int:
        """Read every live token in one query, replacing what is kept; returns how many."""
        self._by_hash = await live_tokens(self._db)
        return len(self._by_hash)

    async def authenticate(self, token: str, now: datetime) -> DeviceToken | None:
        """The live token matching this secret, or None for a malformed, unknown or revoked one.

        A kept token answers without a query; its ``last_seen_at`` is as of when it was read.
        The sighting is recorded and stamped by the next :meth:`flush`, so ``now`` (the time
        of the request, taken for parity with ``authenticate_token``) decides nothing here.
        """
        device = self.known(token)
        if device is not None:
            return device
        hashed = token_hash(token)
        if hashed is None:
            return None
        device = await self._look_up(hashed)
        if device is not None:
            self._seen.add(device.id)
        return device

    def known(self, token: str) -> DeviceToken | None:
        """The kept live token matching this secret, its sighting recorded; else None.

        None says only that no kept token matches: :meth:`authenticate` may still find it.
        """
        hashed = token_hash(token)
        device = self._by_hash.get(hashed) if hashed is not None else None
        if device is not None:
            self._seen.add(device.id)
        return device

    async def _look_up(self, hashed: str) -> DeviceToken | None:
        """Ask the database about a token not kept here; keep it if it is live."""
        forgets = self._forgets
        device = await find_live_token(self._db, hashed)
        # A revocation swept while we asked may be this token's: answer, but keep nothing.
        if device is not None and forgets == self._forgets:
            self._by_hash[hashed] = device
        return device

    def forget(self, ids: Iterable[int]) -> None:
        """Drop these (revoked) tokens: their next use is looked up, and refused."""
        gone = set(ids)
        if not gone:
            return
        self._forgets += 1
        self._seen -= gone
        # Revocations are rare and come in small sets: a scan beats a second index in memory.
        for hashed in [h for h, device in self._by_hash.items() if device.id in gone]:
            del self._by_hash[hashed]

    async def flush(self, now: datetime) -> int:
        """Stamp ``now`` as last_seen_at of the tokens seen since the last flush.

        One statement for all of them, revoked ones left alone; returns the rows changed. If
        the write fails (or is cancelled) the sightings are kept for the next flush.
        """
        if not self._seen:
            return 0
        seen, self._seen = self._seen, set()
        try:
            return await record_last_seen(self._db, seen, now)
        except BaseException:
            self._seen |= seen
            raise

    async def flush_forever(self, every_s: float, clock: Callable[[], float]) -> None:
        """Flush every ``every_s`` seconds until cancelled; a failed flush is retried next time."""
        while True:
            await asyncio.sleep(every_s)
            try:
                await self.flush(datetime.fromtimestamp(clock(), UTC))
            except Exception as exc:
                report_failure(log, "recording when device tokens were last seen failed", exc)
