"""``orderbell demo`` as a newcomer runs it: the whole loop, narrated, then a clean exit."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.desktop.printing.fake_printer import FakePrinter


def test_demo_announces_and_prints_an_order_and_exits_cleanly(fake_printer: FakePrinter) -> None:
    """``orderbell demo --duration 25 --printer URI`` pays, shows, speaks, accepts and prints."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop",
            "demo",
            "--duration",
            "25",
            "--printer",
            fake_printer.uri,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, f"exit {done.returncode}\n{out}\n{done.stderr[-2000:]}"
    assert "signed WeChat Pay callback" in out
    assert "alert card shown for order" in out
    assert "spoken: " in out
    assert "Fatal Python error" not in done.stderr
    accepted = re.findall(r"order (\d+) accepted; every counter stops ringing", out)
    assert accepted
    fake_printer.wait_for(lambda: len(fake_printer.tickets()) >= len(accepted))
    printed = [ticket.text for ticket in fake_printer.tickets()]
    assert all(any(number in text for text in printed) for number in accepted)


def test_demo_refuses_a_malformed_printer_address() -> None:
    """A bad ``--printer`` stops the demo before it starts, saying what to fix."""
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "demo", "--printer", "lp0"],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Unknown printer address" in done.stderr
