"""The write probe: one tiny transaction that really writes, so /healthz can tell it commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, insert, update

from backend.store.database import Database, WriteTransaction, rows_changed
from backend.store.events import newest_event_id
from backend.store.schema import WRITE_PROBE
from backend.store.timestamps import as_utc

_ROW_ID = 1
_TOUCH = (
    update(WRITE_PROBE)
    .where(WRITE_PROBE.c.id == _ROW_ID)
    .values(probed_at=bindparam("now", type_=WRITE_PROBE.c.probed_at.type))
)
_CREATE = insert(WRITE_PROBE)


async def probe_writes(db: Database, now: datetime) -> int:
    """Stamp the probe row with ``now`` and commit; the newest event id the log then holds.

    It goes the way every write goes (on SQLite, the writer thread behind the writes queued
    before it), so it fails or stalls exactly when they would: a read-only or full disk, a
    write lock held elsewhere, a server that stopped answering.
    """
    return await db.write(_probe, as_utc(now))


def _probe(transaction: WriteTransaction, now: datetime) -> int:
    if rows_changed(transaction.execute(_TOUCH, {"now": now})) == 0:
        transaction.execute(_CREATE, {"id": _ROW_ID, "probed_at": now})
    return newest_event_id(transaction.connection)
