"""Packaging tests: Qt offscreen; real speech where espeak-ng is installed (always in CI)."""

from __future__ import annotations

import ctypes.util
import os
import shutil

import pytest

# Must happen at import time, before pytest-qt creates the QApplication.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_INSTALL = "install espeak-ng and alsa-utils (apt-get install -y espeak-ng alsa-utils)"


@pytest.fixture
def espeak() -> None:
    """Require espeak-ng (command and library) for a test that synthesises speech."""
    if shutil.which("espeak-ng") and ctypes.util.find_library("espeak-ng"):
        return
    if os.environ.get("CI"):
        pytest.fail(f"espeak-ng is not installed, the smoke test cannot speak: {_INSTALL}")
    pytest.skip(f"espeak-ng is not installed: {_INSTALL} to run the smoke test")
