"""B4 reads from the server's log when, and why, it let go of the stalled counter."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from benchmarks.scenarios.b4_stall import Drop, logged_drop

LINES = [
    "2026-11-27 03:00:01,000 INFO uvicorn.error: connection open",
    "2026-11-27 03:00:05,500 WARNING backend.hub: counter of shop 1 took nothing for 10 s: "
    "dropped (close 4408)",
    "2026-11-27 03:00:09,250 INFO backend.wsconnection: counter ('127.0.0.1', 4) did not answer "
    "a keepalive ping: connection aborted",
]


def stamp(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S,%f").timestamp()


def test_the_first_drop_after_the_stall_began_is_reported_with_its_reason(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    began = stamp("2026-11-27 03:00:03,000")
    drop = logged_drop(log, began)
    assert drop == Drop(2.5, "its socket took nothing: close 4408")


def test_drops_before_the_stall_began_do_not_count(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    drop = logged_drop(log, stamp("2026-11-27 03:00:06,000"))
    assert drop == Drop(3.25, "keepalive ping unanswered: aborted")


def test_no_log_or_no_drop_gives_none(tmp_path: Path) -> None:
    assert logged_drop(tmp_path / "missing.log", 0.0) is None
    log = tmp_path / "server.log"
    log.write_text(LINES[0] + "\n", encoding="utf-8")
    assert logged_drop(log, 0.0) is None
