"""The nginx program for the tests that run the README's proxy configuration."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.pg import in_ci


def nginx_binary() -> str:
    """nginx on PATH or in /usr/sbin; skipped where missing, a failure under CI (.ci/run has it)."""
    found = shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx",) if Path(path).exists()), None
    )
    if found is None:
        if in_ci():
            pytest.fail("nginx is not installed, and CI installs it (.ci/run): this check must run")
        pytest.skip("nginx is not installed")
    return found
