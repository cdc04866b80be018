"""``orderbell demo`` as a newcomer runs it: the whole loop, narrated, then a clean exit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.desktop.printing.fake_printer import FakePrinter
from tests.sound import SoundCard


def run_demo(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``orderbell demo ARGS`` as a newcomer types it, offscreen."""
    return subprocess.run(
        [sys.executable, "-m", "desktop", "demo", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=timeout,
        check=False,
    )


def test_demo_announces_and_prints_an_order_and_exits_cleanly(
    fake_printer: FakePrinter, sound_card: SoundCard
) -> None:
    """``orderbell demo --duration 25 --printer URI`` pays, shows, rings, speaks, accepts and
    prints; the chime and the speech arrive at the sound card."""
    done = run_demo("--duration", "25", "--printer", fake_printer.uri)
    out = done.stdout
    assert done.returncode == 0, f"exit {done.returncode}\n{out}\n{done.stderr[-2000:]}"
    assert "signed WeChat Pay callback" in out
    assert "alert card shown for order" in out
    assert "spoken: " in out
    assert "not heard: " not in out
    assert ", 0 not heard" in out
    assert "Fatal Python error" not in done.stderr
    assert sound_card.peak() > 28_000  # the chime, near full scale
    accepted = re.findall(r"order (\d+) accepted; every counter stops ringing", out)
    assert accepted
    fake_printer.wait_for(lambda: len(fake_printer.tickets()) >= len(accepted))
    printed = [ticket.text for ticket in fake_printer.tickets()]
    assert all(any(number in text for text in printed) for number in accepted)


def test_demo_without_a_sound_card_says_not_heard(no_sound_card: Path) -> None:
    """On a PC without sound the demo still runs, shows the no-sound card, never says "spoken"."""
    done = run_demo("--duration", "12")
    out = done.stdout
    assert done.returncode == 0, f"exit {done.returncode}\n{out}\n{done.stderr[-2000:]}"
    assert "notice card: No sound output" in out
    assert "not heard: " in out
    assert "spoken: " not in out
    assert "0 announcements heard" in out


def test_demo_refuses_a_malformed_printer_address() -> None:
    """A bad ``--printer`` stops the demo before it starts, saying what to fix."""
    done = run_demo("--printer", "lp0", timeout=60)
    assert done.returncode == 2
    assert "Unknown printer address" in done.stderr
