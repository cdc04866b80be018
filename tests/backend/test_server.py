"""The server behind a proxy on another host: the client it names is the one logged and capped."""

from __future__ import annotations

import logging

import pytest

from tests.backend.rawhttp import get, loopback_source, raw, status_of
from tests.backend.test_httpedge import hold
from tests.conftest import LiveServer

PROXY = "127.0.0.2"
PER_CLIENT = 2


@pytest.fixture
def live_overrides() -> dict[str, str]:
    return {
        "ORDERBELL_FORWARDED_ALLOW_IPS": PROXY,
        "ORDERBELL_MAX_CONNECTIONS_PER_CLIENT": str(PER_CLIENT),
        # Held connections must stay open while the test counts them, however slow the machine.
        "ORDERBELL_HTTP_IDLE_TIMEOUT_S": "120",
    }


def port_of(live: LiveServer) -> int:
    return int(live.base_url.rsplit(":", 1)[1])


async def test_the_client_a_trusted_proxy_names_is_the_one_logged(
    live: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A request through the trusted proxy is logged with the client's address, not the proxy's."""
    caplog.set_level(logging.INFO, logger="backend.access")
    async with raw(port_of(live), loopback_source(PROXY)) as proxy:
        proxy.send(get("/healthz", "X-Forwarded-For: 203.0.113.7"))
        assert status_of(await proxy.response()) == 200
    (line,) = [r.getMessage() for r in caplog.records if r.name == "backend.access"]
    assert line.endswith(" client=203.0.113.7")


async def test_an_untrusted_peer_cannot_name_another_client(
    live: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    """X-Forwarded-For from an address that is not a trusted proxy is ignored."""
    caplog.set_level(logging.INFO, logger="backend.access")
    async with raw(port_of(live), loopback_source("127.0.0.3")) as peer:
        peer.send(get("/healthz", "X-Forwarded-For: 203.0.113.7"))
        assert status_of(await peer.response()) == 200
    (line,) = [r.getMessage() for r in caplog.records if r.name == "backend.access"]
    assert line.endswith(" client=127.0.0.3")


async def test_counters_behind_one_proxy_are_not_held_to_one_clients_cap(
    live: LiveServer,
) -> None:
    """Every counter arrives from the proxy's address: it is not capped as one client."""
    held = await hold(port_of(live), loopback_source(PROXY), PER_CLIENT + 3)
    for connection in held:
        connection.close()
