"""``orderbell demo`` as a newcomer runs it: the whole loop, narrated, then a clean exit."""

from __future__ import annotations

import os
import subprocess
import sys


def test_demo_announces_an_order_and_exits_cleanly() -> None:
    """``orderbell demo --duration 25`` pays, shows, speaks and accepts an order, then exits 0."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "demo", "--duration", "25"],
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
    assert "accepted; every counter stops ringing" in out
    assert "Fatal Python error" not in done.stderr
