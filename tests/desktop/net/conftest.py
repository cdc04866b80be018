"""Fixtures for the network tests: a stream recorder, a cursor file, an HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from desktop.core.cursor import CursorStore
from tests.conftest import LiveServer
from tests.desktop.net.helpers import Recorder


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def cursor(tmp_path: Path) -> CursorStore:
    return CursorStore(tmp_path / "desktop" / "cursor")


@pytest.fixture
async def http(live: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client of the live server, for the simulator."""
    async with httpx.AsyncClient(base_url=live.base_url) as client:
        yield client
