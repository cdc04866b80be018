"""The connection cap stays below the open-file limit, leaving the server its own files."""

from __future__ import annotations

from backend.fdlimit import RESERVED_FDS, affordable_connections


def test_the_cap_is_kept_when_the_limit_allows_it() -> None:
    """A limit well above the cap leaves the cap as configured."""
    assert affordable_connections(10_000, 65_536) == 10_000


def test_the_cap_is_lowered_below_the_limit() -> None:
    """The common default of 1,024 files: the cap leaves the server its reserve."""
    assert affordable_connections(10_000, 1024) == 1024 - RESERVED_FDS


def test_a_tiny_limit_still_leaves_half_to_connections() -> None:
    """Under a limit smaller than twice the reserve, connections get half of it."""
    assert affordable_connections(10_000, 160) == 80


def test_no_limit_to_read_keeps_the_cap() -> None:
    """Where there is no limit to read (Windows), the cap is the configured one."""
    assert affordable_connections(500, None) == 500
