"""A canary for the Qt binding itself: calls into Qt must not leak references to None."""

from __future__ import annotations

import subprocess
import sys

# PySide6 6.12.0 drops one reference to None per call of a void Qt method; on Python 3.11 a
# long-running app then aborts with "Fatal Python error: none_dealloc". pyproject.toml pins
# PySide6 below 6.12 for that reason; this test tells when a new release is safe again.
# It measures in a fresh interpreter: threads left by other tests move None's count too.
PROBE = """
import gc, sys
from PySide6.QtCore import QObject
anchor = QObject()
gc.collect()
before = sys.getrefcount(None)
for _ in range(10_000):
    anchor.setObjectName("canary")
gc.collect()
print(before - sys.getrefcount(None))
"""


def test_void_qt_calls_keep_none_alive() -> None:
    """Ten thousand void Qt calls leave None's reference count where it was."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    lost = int(done.stdout.strip())
    assert lost < 100, f"{lost} references to None lost in 10,000 Qt calls"
