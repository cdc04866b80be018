"""A trusted proxy written as IPv4 is trusted when it arrives IPv4-mapped, and the other way."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.app import create_app
from backend.devkit import MerchantKit
from backend.server import make_server, serving
from backend.store import migrate_async
from tests.backend.rawhttp import get, loopback_source, raw, status_of
from tests.conftest import FakeClock, LiveServer, kit_settings

PROXY = "127.0.0.2"


@pytest.fixture
def live_overrides() -> dict[str, str]:
    return {"ORDERBELL_FORWARDED_ALLOW_IPS": f"::ffff:{PROXY}"}


@pytest.fixture
def dual_stack() -> Iterator[socket.socket]:
    """A listening socket on ``::`` that takes IPv4 peers too (as ``::ffff:a.b.c.d``)."""
    if not socket.has_dualstack_ipv6():
        pytest.skip("no dual-stack IPv6 here")
    listener = socket.create_server(("::", 0), family=socket.AF_INET6, dualstack_ipv6=True)
    try:
        yield listener
    finally:
        listener.close()


def access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "backend.access"]


async def test_an_ipv4_mapped_proxy_is_trusted_by_its_ipv4_entry(
    tmp_path: Path,
    kit: MerchantKit,
    clock: FakeClock,
    dual_stack: socket.socket,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Entry 127.0.0.2, peer ::ffff:127.0.0.2 (dual-stack): the client it names is logged."""
    caplog.set_level(logging.INFO, logger="backend.access")
    settings = kit_settings(tmp_path, kit, ORDERBELL_FORWARDED_ALLOW_IPS=PROXY)
    await migrate_async(settings.database_url)
    app = create_app(settings, clock=clock, migrate=False)
    server = make_server(app, settings, "::", 0, own_signals=False)
    async with serving(server, [dual_stack]):
        port = dual_stack.getsockname()[1]
        async with raw(port, loopback_source(PROXY)) as proxy:
            proxy.send(get("/healthz", "X-Forwarded-For: 203.0.113.7"))
            assert status_of(await proxy.response()) == 200
    (line,) = access_lines(caplog)
    assert line.endswith(" client=203.0.113.7")


async def test_an_ipv4_proxy_is_trusted_by_its_ipv4_mapped_entry(
    live: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Entry ::ffff:127.0.0.2, peer 127.0.0.2: the client it names is logged, not the proxy."""
    caplog.set_level(logging.INFO, logger="backend.access")
    port = int(live.base_url.rsplit(":", 1)[1])
    async with raw(port, loopback_source(PROXY)) as proxy:
        proxy.send(get("/healthz", "X-Forwarded-For: 203.0.113.7"))
        assert status_of(await proxy.response()) == 200
    (line,) = access_lines(caplog)
    assert line.endswith(" client=203.0.113.7")
