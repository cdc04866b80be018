"""The event cursor on disk (last handled event id) and de-duplication of event ids."""

from __future__ import annotations

import logging
from collections import deque
from pathlib import Path

from desktop.files import write_atomically

logger = logging.getLogger(__name__)


class CursorSaveError(OSError):
    """The cursor could not be written; alerts still work, but a restart may repeat some."""


class CursorStore:
    """The id of the last handled event, kept in one small text file.

    Reading never raises: a missing or unreadable file means "no cursor" (the stream then starts
    without ``since=``). Writing is atomic: a crash leaves the old or the new value, never half.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> int | None:
        """The saved event id, or None when there is none or the file is damaged."""
        try:
            text = self.path.read_text(encoding="ascii")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            logger.warning("ignoring unreadable event cursor %s: %s", self.path, exc)
            return None
        try:
            value = int(text.strip())
        except ValueError:
            logger.warning("ignoring corrupt event cursor %s: %r", self.path, text[:40])
            return None
        if value < 0:
            logger.warning("ignoring negative event cursor %s: %d", self.path, value)
            return None
        return value

    def save(self, event_id: int) -> None:
        """Persist ``event_id``: write a temporary file beside it, fsync, then replace."""
        if event_id < 0:
            raise ValueError(f"event ids are not negative, got {event_id}")
        try:
            write_atomically(self.path, f"{event_id}\n".encode("ascii"))
        except OSError as exc:
            raise CursorSaveError(f"cannot save the event cursor to {self.path}: {exc}") from exc


class EventDeduplicator:
    """Says whether an event id is new, so each event alerts once across reconnects and restarts.

    Ids at or below the persisted cursor were handled before this run. Above it, a bounded
    memory of recently accepted ids catches replays. The stream delivers ids in increasing
    order, so an id forgotten to keep memory bounded is older than everything remembered: the
    floor rises to it and anything at or below it stays rejected.
    """

    def __init__(self, cursor: int | None, memory: int = 10_000) -> None:
        if memory < 1:
            raise ValueError(f"memory must hold at least one id, got {memory}")
        self._floor = cursor
        self._memory = memory
        self._recent: deque[int] = deque()
        self._seen: set[int] = set()
        self._last = cursor

    @property
    def last_id(self) -> int | None:
        """The highest id accepted (or the starting cursor): save it and reconnect with since=."""
        return self._last

    def accept(self, event_id: int) -> bool:
        """True the first time an id is offered; False for a duplicate or an already handled id."""
        if self._floor is not None and event_id <= self._floor:
            return False
        if event_id in self._seen:
            return False
        self._seen.add(event_id)
        self._recent.append(event_id)
        if len(self._recent) > self._memory:
            oldest = self._recent.popleft()
            self._seen.discard(oldest)
            self._floor = oldest if self._floor is None else max(self._floor, oldest)
        if self._last is None or event_id > self._last:
            self._last = event_id
        return True
