"""Metrics of two instances on one PostgreSQL database: each order's wait is counted once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.backend.postgres.conftest import Serve
from tests.backend.postgres.helpers import Instance
from tests.backend.scrape import METRICS_TOKEN, Samples, scrape, value
from tests.e2e.helpers import paid_order, simulator

pytestmark = pytest.mark.postgres

ACCEPTED = "orderbell_time_to_accept_seconds_count"


def accepted(samples: Samples) -> float:
    return value(samples, ACCEPTED, outcome="accepted")


@contextlib.asynccontextmanager
async def paid_on_a(serve: Serve) -> AsyncIterator[tuple[Instance, Instance, str, int]]:
    """Instances A and B with metrics on, and an order paid through A: (a, b, token, order id)."""
    async with (
        serve("a", ORDERBELL_METRICS_TOKEN=METRICS_TOKEN) as a,
        serve("b", ORDERBELL_METRICS_TOKEN=METRICS_TOKEN) as b,
        httpx.AsyncClient(base_url=a.base_url) as http,
    ):
        token = await a.device_token()
        order = await paid_order(simulator(a, http))
        assert order.id is not None
        yield a, b, token, order.id


async def test_paid_on_one_accepted_on_the_other_is_observed_once(serve: Serve) -> None:
    """Paid through A and accepted through B 30 s later: B observes it, A does not."""
    async with paid_on_a(serve) as (a, b, token, order_id), httpx.AsyncClient() as http:
        waiting = await scrape(http, b.base_url)
        a.clock.advance(30)
        answer = await http.put(
            f"{b.base_url}/admin/orders/{order_id}/accept",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200
        on_a, on_b = await scrape(http, a.base_url), await scrape(http, b.base_url)
    assert value(waiting, "orderbell_orders_waiting") == 1
    assert (accepted(on_a), accepted(on_b)) == (0, 1)
    # WeChat Pay's success_time has whole seconds: the wait is 30 s, give or take one.
    waited = value(on_b, "orderbell_time_to_accept_seconds_sum", outcome="accepted")
    assert waited == pytest.approx(30, abs=1)
    assert value(on_a, "orderbell_orders_waiting") == value(on_b, "orderbell_orders_waiting") == 0
    assert value(on_a, "orderbell_notifications_total", kind="payment", outcome="paid") == 1
    # Each event is counted by the instance that committed it, not by every one publishing it.
    events = [value(s, "orderbell_events_total", type="1") for s in (on_a, on_b)]
    assert events == [1, 0]


async def test_accepts_racing_on_both_instances_count_one_order_once(serve: Serve) -> None:
    """Two counters press Accept at once, one on each instance: one observation in all."""
    async with paid_on_a(serve) as (a, b, token, order_id), httpx.AsyncClient() as http:
        answers = await asyncio.gather(
            *(
                http.put(
                    f"{instance.base_url}/admin/orders/{order_id}/accept",
                    headers={"Authorization": f"Bearer {token}"},
                )
                for instance in (a, b, a, b)
            )
        )
        on_a, on_b = await scrape(http, a.base_url), await scrape(http, b.base_url)
    assert sorted(answer.status_code for answer in answers) == [200, 409, 409, 409]
    assert accepted(on_a) + accepted(on_b) == 1
