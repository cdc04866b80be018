"""Two instances on one PostgreSQL database: one escalation, one delivery, shared presence."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from backend.escalation import parse_rule
from backend.escalation_engine import EscalationEngine
from backend.escalation_sender import EscalationSender
from backend.store.escalation_rules import save_rule
from backend.store.escalations import pending_count
from tests.backend.postgres.conftest import Serve
from tests.backend.postgres.helpers import Instance, eventually
from tests.channel_receivers import Receivers
from tests.e2e.helpers import counter, next_event, paid_order, simulator, wait_for_live_counters

pytestmark = pytest.mark.postgres


def engine(instance: Instance) -> EscalationEngine:
    found: EscalationEngine = instance.app.state.escalation
    return found


async def add_rule(url: str, *instances: Instance, after_s: int = 120) -> None:
    """A WeCom rule for shop 1, stored once and read by every instance."""
    rule = parse_rule(shop_id=1, channel="wecom", url=url, after_s=after_s)
    await save_rule(instances[0].db, rule, instances[0].clock.datetime())
    await asyncio.gather(*(engine(instance).reload_rules() for instance in instances))


async def heartbeat(*instances: Instance) -> None:
    """The time moved on: each instance writes the heartbeat it would have written meanwhile."""
    for instance in instances:
        await instance.app.state.services.presence.refresh()


def sender(instance: Instance) -> EscalationSender:
    found: EscalationSender = instance.app.state.escalation_sender
    return found


async def test_two_instances_send_one_message(serve: Serve, receivers: Receivers) -> None:
    """Both instances see the order and decide at the deadline: one message, delivered once."""
    async with serve("a") as a, serve("b") as b:
        await add_rule(receivers.wecom_url, a, b, after_s=60)
        async with counter(a.ws_url, await a.device_token()) as ws:
            await wait_for_live_counters(a.hub, 1)
            async with httpx.AsyncClient(base_url=b.base_url, timeout=10) as http:
                await paid_order(simulator(b, http))
            await next_event(ws)
            # B heard of the payment from its own callback, A through the database's NOTIFY.
            await eventually(lambda: len(engine(a).watches) == 1, "A watching the order")
            a.clock.advance(60)
            await heartbeat(a, b)
            written = await asyncio.gather(engine(a).decide_due(), engine(b).decide_due())
            assert sorted(written) == [0, 1]
            await receivers.wait_for(1)
            for instance in (a, b):
                sender(instance).ring()
            await eventually(
                lambda: sender(a).attempts + sender(b).attempts == 1, "one attempt recorded"
            )
            assert await pending_count(a.db) == 0
    assert len(receivers.accepted) == 1


async def test_a_counter_on_the_other_instance_is_present(serve: Serve) -> None:
    """A counter connected to A is listed by B's /admin/presence, with its name."""
    async with serve("a") as a, serve("b") as b:
        token = await a.device_token(name="front counter")
        async with counter(a.ws_url, token):
            await wait_for_live_counters(a.hub, 1)

            async def listed() -> bool:
                async with httpx.AsyncClient(base_url=b.base_url) as http:
                    answer = await http.get(
                        "/admin/presence", headers={"Authorization": f"Bearer {token}"}
                    )
                return answer.json()["count"] == 1

            await eventually(listed, "B listing A's counter")
            assert await b.app.state.services.presence.count_now(1) == 1


async def test_no_counter_on_any_instance_escalates_once(
    serve: Serve, receivers: Receivers
) -> None:
    """Paid through B with no counter anywhere: one 没有在线的收银台 message."""
    async with serve("a") as a, serve("b") as b:
        await add_rule(receivers.wecom_url, a, b)
        async with httpx.AsyncClient(base_url=b.base_url, timeout=10) as http:
            await paid_order(simulator(b, http))
        await eventually(lambda: len(engine(a).watches) == 2, "A watching both triggers")
        a.clock.advance(30)
        written = await asyncio.gather(engine(a).decide_due(), engine(b).decide_due())
        assert sorted(written) == [0, 1]
        [message] = await receivers.wait_for(1)
    assert "没有在线的收银台" in message.text


async def test_a_counter_on_another_instance_calls_off_no_counter(
    serve: Serve, receivers: Receivers
) -> None:
    """Paid through B while the only counter is on A: nobody is called at the deadline."""
    async with serve("a") as a, serve("b") as b:
        await add_rule(receivers.wecom_url, a, b)
        token = await a.device_token()
        async with counter(a.ws_url, token) as ws:
            await wait_for_live_counters(a.hub, 1)
            await eventually(
                lambda: b.app.state.services.presence.count_now(1), "B seeing A's counter"
            )
            async with httpx.AsyncClient(base_url=b.base_url, timeout=10) as http:
                await paid_order(simulator(b, http))
            await next_event(ws)
            a.clock.advance(30)
            await heartbeat(a, b)
            written = await asyncio.gather(engine(a).decide_due(), engine(b).decide_due())
    assert written == [0, 0]
    assert await pending_count(a.db) == 0
