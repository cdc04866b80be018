"""An exception in any layer of the server's app is one answer and one log line, no more."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.app import create_app
from backend.devkit import MerchantKit
from backend.server import OrderBellServer, bound_port, server_config, serving
from backend.store import migrate_async
from tests.backend.routes.conftest import submission
from tests.conftest import FakeClock, LiveServer, kit_settings

BOOM = "/boom"


class Fault(Exception):
    """The fault each test raises."""


class RaiseOnBoom:
    """ASGI middleware raising Fault for /boom before any answer, passing the rest through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == BOOM:
            raise Fault("raised in a middleware")
        await self.app(scope, receive, send)


async def raising_route(request: Request) -> Response:
    raise Fault("raised in a route")


@asynccontextmanager
async def served(
    tmp_path: Path, kit: MerchantKit, clock: FakeClock, layer: Callable[[Starlette], ASGIApp]
) -> AsyncIterator[str]:
    """The real app (with ``layer``'s fault) under the real server config; its base URL."""
    settings = kit_settings(tmp_path, kit)
    await migrate_async(settings.database_url)
    app = create_app(settings, clock=clock, migrate=False)
    outermost = layer(app)
    server = OrderBellServer(
        server_config(outermost, settings, "127.0.0.1", 0), app.state.hub, own_signals=False
    )
    async with serving(server):
        yield f"http://127.0.0.1:{bound_port(server)}"


def in_route(app: Starlette) -> ASGIApp:
    app.add_route(BOOM, raising_route)
    return app


def in_middleware(app: Starlette) -> ASGIApp:
    # add_middleware puts it outside the app's own (the access log, the failure handler).
    app.add_middleware(RaiseOnBoom)
    return app


def outside_the_app(app: Starlette) -> ASGIApp:
    return RaiseOnBoom(app)


@pytest.mark.parametrize(
    ("layer", "status"),
    [(in_route, 500), (in_middleware, 500), (outside_the_app, 500)],
    ids=["route", "middleware", "outer middleware"],
)
async def test_a_fault_is_one_answer_and_one_log_line(
    tmp_path: Path,
    kit: MerchantKit,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    layer: Callable[[Starlette], ASGIApp],
    status: int,
) -> None:
    """A fault raised in a route, a middleware or around the app: a 500, and one error logged."""
    caplog.set_level(logging.INFO)
    async with (
        served(tmp_path, kit, clock, layer) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=10) as http,
    ):
        answer = await http.get(BOOM)
        assert (await http.get("/healthz")).status_code == 200  # the same connection goes on
    assert answer.status_code == status
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.name, r.exc_info is not None) for r in errors] in (
        [("backend.routes.failures", True)],
        [("uvicorn.error", True)],
    )


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
