"""Fixtures for the PostgreSQL tests: a fresh database per test and instances sharing it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from backend.app import create_app
from backend.devkit import MerchantKit
from backend.server import bound_port, running_server
from backend.store import Database
from tests.backend.postgres.helpers import Instance
from tests.conftest import FakeClock, kit_settings
from tests.pg import PostgresCluster

Serve = Callable[..., contextlib.AbstractAsyncContextManager[Instance]]


@pytest.fixture
async def postgres_url(postgres_cluster: PostgresCluster) -> AsyncIterator[str]:
    """A migrated database of its own on the test server."""
    async with postgres_cluster.database() as url:
        yield url


@pytest.fixture
def serve(postgres_url: str, kit: MerchantKit, clock: FakeClock, tmp_path: Path) -> Serve:
    """Starts in-process server instances that share the test's PostgreSQL database."""

    @contextlib.asynccontextmanager
    async def instance(name: str, **overrides: str) -> AsyncIterator[Instance]:
        directory = tmp_path / name
        directory.mkdir()
        settings = kit_settings(directory, kit, ORDERBELL_DATABASE_URL=postgres_url, **overrides)
        app = create_app(settings, clock=clock, migrate=False)
        db = Database(postgres_url)
        try:
            async with running_server(app, settings) as server:
                port = bound_port(server)
                yield Instance(
                    base_url=f"http://127.0.0.1:{port}",
                    ws_url=f"ws://127.0.0.1:{port}/ws/counter",
                    kit=kit,
                    settings=settings,
                    clock=clock,
                    db=db,
                    hub=app.state.hub,
                    app=app,
                )
        finally:
            await db.dispose()

    return instance
