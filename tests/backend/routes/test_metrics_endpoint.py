"""GET /metrics: off without a token, then only for Prometheus' bearer token."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from backend.app import create_app
from backend.devkit import MerchantKit
from backend.server import bound_port, running_server
from backend.store import migrate_async
from tests.backend.scrape import METRICS_TOKEN, scrape, value
from tests.conftest import FakeClock, LiveServer, kit_settings


@pytest.fixture
def live_overrides() -> dict[str, str]:
    return {"ORDERBELL_METRICS_TOKEN": METRICS_TOKEN}


async def test_without_a_token_the_scrape_is_refused(live: LiveServer) -> None:
    """No Authorization header: 401 and a WWW-Authenticate challenge, no metrics."""
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        answer = await http.get("/metrics")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert "orderbell_" not in answer.text


@pytest.mark.parametrize(
    "header",
    [
        f"Bearer {METRICS_TOKEN}x",
        f"Bearer {METRICS_TOKEN[:-1]}",
        f"Basic {METRICS_TOKEN}",
        "Bearer 令牌",
    ],
)
async def test_a_wrong_token_is_refused(live: LiveServer, header: str) -> None:
    """A token that differs, a prefix of it, another scheme, non-ASCII: all 401."""
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        answer = await http.get("/metrics", headers={"Authorization": header.encode()})
    assert answer.status_code == 401


async def test_the_right_token_gets_the_text_format(live: LiveServer) -> None:
    """With the token: Prometheus' text format with OrderBell's and the process's metrics."""
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        answer = await http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        samples = await scrape(http, live.base_url)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert value(samples, "orderbell_orders_waiting") == 0
    assert value(samples, "orderbell_counters_connected") == 0
    assert value(samples, "process_resident_memory_bytes") > 0


async def test_labels_name_no_shop_order_or_device(live: LiveServer) -> None:
    """Only the bounded labels exist: kind, outcome, type, code, channel, histogram bucket."""
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        samples = await scrape(http, live.base_url)
    names = {
        label for (name, labels) in samples if name.startswith("orderbell_") for label, _ in labels
    }
    assert names <= {"kind", "outcome", "type", "code", "channel", "le"}


async def test_metrics_are_off_unless_a_token_is_set(
    tmp_path: Path, kit: MerchantKit, clock: FakeClock
) -> None:
    """Without ORDERBELL_METRICS_TOKEN, /metrics answers 404 and says how to turn it on."""
    settings = kit_settings(tmp_path, kit)
    await migrate_async(settings.database_url)
    app = create_app(settings, clock=clock, migrate=False)
    async with running_server(app, settings) as server, httpx.AsyncClient() as http:
        answer = await http.get(
            f"http://127.0.0.1:{bound_port(server)}/metrics",
            headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
        )
    assert answer.status_code == 404
    assert "ORDERBELL_METRICS_TOKEN" in answer.json()["message"]
