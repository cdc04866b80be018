"""Backend fixtures: the shop time zone and local stand-ins for the escalation channels."""

from __future__ import annotations

from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import pytest

from tests.backend.escalation_receivers import Receivers, serve_receivers


@pytest.fixture
def zone() -> ZoneInfo:
    return ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def receivers() -> AsyncIterator[Receivers]:
    async with serve_receivers() as served:
        yield served
