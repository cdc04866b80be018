"""Keeping the event log bounded: old events are pruned, and replay knows when it is partial.

The log exists so a counter PC that was off can catch up with ``since=``. Events older than
the retention period (7 days by default: a PC switched off for a long weekend still hears
every order) are deleted; orders themselves are never touched. The newest event is always
kept, so the log's high-water mark survives even a long quiet spell.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select

from backend.store.database import Database, WriteTransaction, rows_changed
from backend.store.events import last_event_id
from backend.store.schema import EVENTS
from backend.store.timestamps import as_utc

# Small batches keep each delete short, so on SQLite writers never wait long behind a prune.
PRUNE_BATCH = 1000

_OLDEST = select(func.min(EVENTS.c.id))


async def prune_events(db: Database, *, before: datetime, batch_size: int = PRUNE_BATCH) -> int:
    """Delete the events created before ``before``, but never the newest; returns how many.

    Only a prefix of the log goes: everything below the first event created at or after
    ``before``. So what is kept is always every event after some id, which is what makes
    :func:`replay_is_partial` exact even when instances' clocks disagree by a few seconds.
    """
    first_recent_query = select(func.min(EVENTS.c.id)).where(EVENTS.c.created_at >= as_utc(before))
    newest = await last_event_id(db)
    first_recent: int | None = await db.read(
        lambda connection: connection.execute(first_recent_query).scalar()
    )
    keep_from = newest if first_recent is None else first_recent
    removed = 0
    while True:
        deleted = await db.write(_delete_batch, keep_from, batch_size)
        removed += deleted
        if deleted < batch_size:
            return removed


def _delete_batch(transaction: WriteTransaction, keep_from: int, batch_size: int) -> int:
    doomed = select(EVENTS.c.id).where(EVENTS.c.id < keep_from).order_by(EVENTS.c.id)
    return rows_changed(
        transaction.execute(delete(EVENTS).where(EVENTS.c.id.in_(doomed.limit(batch_size))))
    )


async def oldest_event_id(db: Database) -> int:
    """The id of the oldest event still kept, 0 while the log is empty."""
    oldest: int | None = await db.read(lambda connection: connection.execute(_OLDEST).scalar())
    return oldest or 0


async def replay_is_partial(db: Database, since: int) -> bool:
    """True when events after ``since`` may already have been pruned.

    Pruning removes a prefix of the log, so anything after ``since`` that is gone lies below
    the oldest kept id. Ids can skip numbers (a rolled-back append on PostgreSQL), so this may
    say True when nothing was lost; it never says False when something was.
    """
    oldest = await oldest_event_id(db)
    return since < oldest - 1
