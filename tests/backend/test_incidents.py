"""Refused and cut connections are reported in a line a minute at most, never one per connection."""

from __future__ import annotations

from backend.incidents import IncidentLog

KIND = "refused: over the per-client cap of 8"


def test_the_first_incident_is_reported_at_once() -> None:
    """The first incident of a kind gives a line right away, naming the client."""
    log = IncidentLog(every_s=60)
    log.note(KIND, "203.0.113.9")
    (line,) = log.due(now=100.0)
    assert line.startswith(f"1 connection(s) {KIND}")
    assert "203.0.113.9" in line


def test_incidents_within_the_interval_are_held_back() -> None:
    """More incidents within the minute after a report give no line yet."""
    log = IncidentLog(every_s=60)
    log.note(KIND, "203.0.113.9")
    log.due(now=100.0)
    for _ in range(500):
        log.note(KIND, "203.0.113.9")
    assert log.due(now=159.0) == []


def test_held_back_incidents_are_reported_together_after_the_interval() -> None:
    """Once the minute has passed, one line counts everything held back."""
    log = IncidentLog(every_s=60)
    log.note(KIND, "203.0.113.9")
    log.due(now=100.0)
    for n in range(500):
        log.note(KIND, f"203.0.113.{n % 200}")
    (line,) = log.due(now=160.0)
    assert line.startswith(f"500 connection(s) in the last 60 s {KIND}")
    assert "203.0.113.99" in line
    assert log.pending == 0


def test_kinds_are_reported_each_on_their_own() -> None:
    """A timeout and a cap refusal in the same minute are two lines."""
    log = IncidentLog(every_s=60)
    log.note(KIND, "203.0.113.9")
    log.due(now=100.0)
    log.note("closed: no complete request head within 10 s", "198.51.100.7")
    (line,) = log.due(now=101.0)
    assert "no complete request head" in line


def test_nothing_to_report_gives_no_line() -> None:
    """No incidents, no lines."""
    assert IncidentLog().due(now=0.0) == []
