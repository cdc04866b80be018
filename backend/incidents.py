"""Connections refused or cut at the server's edge, reported in a line a minute at most.

A flood of half-open connections must not become a flood of log lines: the first incident of a
kind is reported at once, later ones are counted and reported together once the interval has
passed (at the next incident or connection, so no timer runs for it). Pure: the caller passes
the time and writes the lines.
"""

from __future__ import annotations

from dataclasses import dataclass

REPORT_EVERY_S = 60.0


@dataclass(slots=True)
class _Tally:
    count: int = 0
    latest: str | None = None
    reported_at: float | None = None


class IncidentLog:
    """Counts incidents by kind (a phrase such as "refused: over the per-client cap of 8")."""

    __slots__ = ("_every_s", "_tallies", "pending")

    def __init__(self, every_s: float = REPORT_EVERY_S) -> None:
        self._every_s = every_s
        self._tallies: dict[str, _Tally] = {}
        self.pending = 0  # incidents not reported yet, of every kind

    def note(self, kind: str, client: str | None) -> None:
        """One more incident of ``kind``, caused by ``client`` (an address, if known)."""
        tally = self._tallies.get(kind)
        if tally is None:
            tally = self._tallies[kind] = _Tally()
        tally.count += 1
        tally.latest = client
        self.pending += 1

    def due(self, now: float) -> list[str]:
        """The lines to log now: one per kind with news, at most one per kind per interval."""
        if not self.pending:
            return []
        lines = []
        for kind, tally in self._tallies.items():
            if not tally.count:
                continue
            if tally.reported_at is not None and now - tally.reported_at < self._every_s:
                continue
            since = (
                "" if tally.reported_at is None else f" in the last {now - tally.reported_at:.0f} s"
            )
            lines.append(
                f"{tally.count} connection(s){since} {kind}; the latest from "
                f"{tally.latest or 'an unknown address'} (more within "
                f"{self._every_s:.0f} s are reported together)"
            )
            self.pending -= tally.count
            tally.count = 0
            tally.reported_at = now
        return lines
