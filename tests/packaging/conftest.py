"""Packaging tests: Qt offscreen; real speech through the shared ``espeak`` fixture."""

from __future__ import annotations

import os

# Must happen at import time, before pytest-qt creates the QApplication.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
