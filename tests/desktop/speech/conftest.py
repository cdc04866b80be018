"""Real speech needs espeak-ng: fail loudly in CI without it, skip elsewhere."""

from __future__ import annotations

import ctypes.util
import os
import shutil

import pytest

_INSTALL = "install espeak-ng and alsa-utils (apt-get install -y espeak-ng alsa-utils)"


@pytest.fixture
def espeak() -> None:
    """Require espeak-ng (command and library) for a real-speech test."""
    if shutil.which("espeak-ng") and ctypes.util.find_library("espeak-ng"):
        return
    if os.environ.get("CI"):
        pytest.fail(f"espeak-ng is not installed, real speech cannot be tested: {_INSTALL}")
    pytest.skip(f"espeak-ng is not installed: {_INSTALL} to run the real speech tests")
