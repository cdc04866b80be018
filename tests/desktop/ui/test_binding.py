"""A canary for the Qt binding itself: calls into Qt must not leak references to None."""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QObject

# PySide6 6.12.0 drops one reference to None per call of a void Qt method; on Python 3.11 a
# long-running app then aborts with "Fatal Python error: none_dealloc". pyproject.toml pins
# PySide6 below 6.12 for that reason; this test tells when a new release is safe again.


def test_void_qt_calls_keep_none_alive() -> None:
    """A thousand void calls leave None's reference count where it was."""
    anchor = QObject()
    gc.collect()
    before = sys.getrefcount(None)
    for _ in range(1000):
        anchor.setObjectName("canary")
    gc.collect()
    assert sys.getrefcount(None) >= before
