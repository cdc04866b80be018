"""Opening hours (``HH:MM-HH:MM``, shop-local): when an unanswered order is worth a phone call."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from backend.escalation.errors import InvalidRule

_RANGE = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """From ``start`` up to (not including) ``end``, in minutes after midnight.

    An end before the start runs past midnight (``18:00-02:00``); an end of ``24:00``
    (1440) is midnight at the end of the day.
    """

    start: int
    end: int

    def contains(self, moment: time) -> bool:
        """True when this shop-local time of day falls inside the hours."""
        minute = moment.hour * 60 + moment.minute
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


def parse_hours(text: str) -> OpeningHours:
    """``"10:00-22:00"`` (or ``"18:00-02:00"`` past midnight) as opening hours."""
    match = _RANGE.fullmatch(text.strip()) if text.isascii() else None
    if match is None:
        raise InvalidRule(f"hours must look like 10:00-22:00 (HH:MM-HH:MM), not {text[:40]!r}")
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    if start_h > 23 or start_m > 59:
        raise InvalidRule(f"hours: {start_h:02d}:{start_m:02d} is not a time of day (00:00-23:59)")
    if end_h > 24 or end_m > 59 or (end_h == 24 and end_m != 0):
        raise InvalidRule(f"hours: {end_h:02d}:{end_m:02d} is not a time of day (00:00-24:00)")
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if start == end % MINUTES_PER_DAY:
        raise InvalidRule("hours: start and end are the same; leave out --hours for all day")
    return OpeningHours(start, end)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
