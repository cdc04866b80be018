"""A request that fails in the app is logged once, by the app: uvicorn adds no second copy."""

from __future__ import annotations

import logging
import sqlite3

import httpx
import pytest

from tests.backend.routes.conftest import submission
from tests.conftest import LiveServer


async def test_a_database_failure_is_logged_once_not_again_by_uvicorn(
    live: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The orders table gone: the order is refused, logged once, and uvicorn logs nothing."""
    path = live.settings.database_url.split("///", 1)[1]
    with sqlite3.connect(path) as broken:
        broken.execute("DROP TABLE orders")
    caplog.set_level(logging.INFO)
    async with httpx.AsyncClient(base_url=live.base_url, timeout=10) as http:
        answer = await http.post("/user/order/submit", json=submission(), headers=live.customer())
    assert answer.status_code >= 500
    failures = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in failures if r.name.startswith("backend")] != []
    assert [r.getMessage() for r in failures if r.name.startswith("uvicorn")] == []
