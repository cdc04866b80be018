"""Escalation end to end: a real server, signed payments, counters on WebSockets, and the
local channel stand-ins receiving what the owner's phone would show. Time is the server's
injected clock: a deadline passes when the test moves it."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import ClientConnection

from backend.app import create_app
from backend.devkit import MerchantKit
from backend.escalation import parse_rule
from backend.escalation_engine import EscalationEngine
from backend.escalation_sender import EscalationSender
from backend.server import bound_port, running_server
from backend.simulator import SimulatedOrder, Simulator
from backend.store import Database, migrate_async
from backend.store.escalation_rules import save_rule
from backend.store.escalations import pending_count
from tests.backend.postgres.helpers import eventually
from tests.channel_receivers import (
    DINGTALK_SECRET,
    FEISHU_SECRET,
    WEBHOOK_SECRET,
    WECOM_KEY,
    Receivers,
)
from tests.conftest import FakeClock, LiveServer, kit_settings
from tests.e2e.helpers import counter, next_event, paid_order, simulator, wait_for_live_counters


def engine_of(live: LiveServer) -> EscalationEngine:
    engine: EscalationEngine = live.app.state.escalation
    return engine


def sender_of(live: LiveServer) -> EscalationSender:
    sender: EscalationSender = live.app.state.escalation_sender
    return sender


async def add_rule(live: LiveServer, **options: object) -> None:
    """Store a rule as the CLI would, and have the running server read it."""
    rule = parse_rule(**options)  # type: ignore[arg-type]
    await save_rule(live.db, rule, live.clock.datetime())
    await engine_of(live).reload_rules()


async def decide(live: LiveServer, after_s: float) -> int:
    """Move the server's clock on and let the engine decide what is due; messages written."""
    live.clock.advance(after_s)
    return await engine_of(live).decide_due()


@contextlib.asynccontextmanager
async def heard_order(
    live: LiveServer, client: httpx.AsyncClient
) -> AsyncIterator[tuple[ClientConnection, Simulator, SimulatedOrder]]:
    """A counter connected, an order paid and its event heard by that counter."""
    async with counter(live.ws_url, await live.device_token()) as ws:
        await wait_for_live_counters(live.hub, 1)
        sim = simulator(live, client)
        order = await paid_order(sim)
        await next_event(ws)
        yield ws, sim, order


@pytest.fixture
async def client(live: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live.base_url, timeout=10) as http:
        yield http


async def test_an_unanswered_order_reaches_the_owners_wecom_after_two_minutes(
    live: LiveServer, client: httpx.AsyncClient, receivers: Receivers
) -> None:
    """Paid, heard by a counter, not accepted: at 120 s the WeCom group gets the message."""
    await add_rule(live, shop_id=1, channel="wecom", url=receivers.wecom_url)
    async with heard_order(live, client) as (_, _, order):
        assert await decide(live, 119) == 0
        assert await decide(live, 1) == 1
        [message] = await receivers.wait_for(1)
    assert "2 分钟无人接单" in message.text
    assert order.number in message.text
    assert "1 号店" in message.text


async def test_an_order_accepted_in_time_never_escalates(
    live: LiveServer, client: httpx.AsyncClient, receivers: Receivers
) -> None:
    """Accepted at 119 s: nothing is written, nothing is sent, even long after."""
    await add_rule(live, shop_id=1, channel="wecom", url=receivers.wecom_url)
    token = await live.device_token()
    async with counter(live.ws_url, token) as ws:
        await wait_for_live_counters(live.hub, 1)
        order = await paid_order(simulator(live, client))
        await next_event(ws)
        live.clock.advance(119)
        accepted = await client.put(
            f"/admin/orders/{order.id}/accept", headers={"Authorization": f"Bearer {token}"}
        )
        assert accepted.status_code == 200
        await next_event(ws)
        assert await decide(live, 3600) == 0
    assert await pending_count(live.db) == 0
    assert receivers.accepted == []


async def test_an_order_nobody_can_hear_escalates_after_no_counter_after(
    live: LiveServer, client: httpx.AsyncClient, receivers: Receivers
) -> None:
    """No counter connected: 30 s after payment the message says no counter is online."""
    await add_rule(live, shop_id=1, channel="wecom", url=receivers.wecom_url)
    await paid_order(simulator(live, client))
    assert await decide(live, 29) == 0
    assert await decide(live, 1) == 1
    [message] = await receivers.wait_for(1)
    assert "没有在线的收银台" in message.text


async def test_a_counter_that_connects_in_time_calls_it_off(
    live: LiveServer, client: httpx.AsyncClient, receivers: Receivers
) -> None:
    """A counter connecting within 30 s catches up (since=0) and no message goes out."""
    await add_rule(live, shop_id=1, channel="wecom", url=receivers.wecom_url, no_counter_after_s=30)
    order = await paid_order(simulator(live, client))
    live.clock.advance(20)
    async with counter(live.ws_url, await live.device_token(), since=0) as ws:
        caught_up = await next_event(ws)
        assert caught_up["orderId"] == order.id
        await wait_for_live_counters(live.hub, 1)
        assert await decide(live, 10) == 0
    assert await pending_count(live.db) == 0


async def test_a_reminder_on_an_escalated_order_escalates_again(
    live: LiveServer, client: httpx.AsyncClient, receivers: Receivers
) -> None:
    """Escalated at 2 minutes, then the customer hurries it: a second message says so."""
    await add_rule(live, shop_id=1, channel="wecom", url=receivers.wecom_url)
    async with heard_order(live, client) as (ws, sim, order):
        assert await decide(live, 120) == 1
        await receivers.wait_for(1)
        live.clock.advance(60)
        await sim.remind(order.id or 0)
        await next_event(ws)
        # The reminder wakes the engine at once; no clock needs to move.
        await eventually(lambda: engine_of(live).decided == 2, "the reminder's escalation")
        messages = await receivers.wait_for(2)
    assert "顾客第 1 次催单，仍无人处理" in messages[1].text


async def test_a_reminder_alone_does_not_escalate(
    live: LiveServer, client: httpx.AsyncClient, receivers: Receivers
) -> None:
    """A reminder on an order that never escalated is the counters' business."""
    await add_rule(live, shop_id=1, channel="wecom", url=receivers.wecom_url)
    async with heard_order(live, client) as (ws, sim, order):
        live.clock.advance(60)
        await sim.remind(order.id or 0)
        await next_event(ws)
        await eventually(lambda: engine_of(live).checks == 1, "the reminder's check")
    assert engine_of(live).decided == 0
    assert await pending_count(live.db) == 0


@pytest.mark.parametrize(
    ("channel", "secret"),
    [("dingtalk", DINGTALK_SECRET), ("feishu", FEISHU_SECRET), ("webhook", WEBHOOK_SECRET)],
)
async def test_every_channel_carries_the_escalation_signed(
    live: LiveServer,
    client: httpx.AsyncClient,
    receivers: Receivers,
    channel: str,
    secret: str,
) -> None:
    """DingTalk, Feishu and the webhook each get it, their signatures checked by the stand-in."""
    url = {
        "dingtalk": receivers.dingtalk_url,
        "feishu": receivers.feishu_url,
        "webhook": receivers.webhook_url,
    }[channel]
    await add_rule(live, shop_id=1, channel=channel, url=url, secret=secret, after_s=5)
    async with heard_order(live, client):
        assert await decide(live, 5) == 1
        [message] = await receivers.wait_for(1)
    assert message.channel == channel
    assert "5 秒无人接单" in message.text
    assert receivers.refused == []


async def test_a_receiver_failing_then_recovering_gets_one_message(
    live: LiveServer, client: httpx.AsyncClient, receivers: Receivers
) -> None:
    """Two refusals (HTTP 500, then WeCom's rate limit), then delivery: exactly one message."""
    await add_rule(live, shop_id=1, channel="wecom", url=receivers.wecom_url, after_s=5)
    receivers.failures = [500, -1]
    async with heard_order(live, client):
        assert await decide(live, 5) == 1
    sender = sender_of(live)
    await eventually(lambda: sender.attempts == 1, "the first attempt recorded")
    live.clock.advance(5)  # the first retry is due 5 s later
    sender.ring()
    await eventually(lambda: sender.attempts == 2, "the second attempt recorded")
    assert receivers.failures == []
    assert await pending_count(live.db) == 1
    live.clock.advance(10)  # the second 10 s after that
    sender.ring()
    await eventually(lambda: sender.attempts == 3, "the third attempt recorded")
    assert len(receivers.accepted) == 1
    assert await pending_count(live.db) == 0


async def test_a_pending_message_survives_a_server_restart(
    tmp_path: Path, kit: MerchantKit, clock: FakeClock, receivers: Receivers
) -> None:
    """Refused before a restart, the message is delivered by the next server, once."""
    settings = kit_settings(tmp_path, kit)
    await migrate_async(settings.database_url)
    db = Database(settings.database_url)
    try:
        rule = parse_rule(shop_id=1, channel="wecom", url=receivers.wecom_url, after_s=5)
        await save_rule(db, rule, clock.datetime())
        receivers.failures = [500] * 100
        first = create_app(settings, clock=clock, migrate=False)
        async with running_server(first, settings) as server:
            base = f"http://127.0.0.1:{bound_port(server)}"
            async with httpx.AsyncClient(base_url=base, timeout=10) as http:
                await paid_order(Simulator(kit, http, clock=clock))
            clock.advance(30)  # past --after and --no-counter-after
            await first.state.escalation.decide_due()
            sender = first.state.escalation_sender
            await eventually(lambda: sender.attempts >= 1, "a refused attempt")
        assert receivers.accepted == []
        assert await pending_count(db) >= 1
        receivers.failures = []
        clock.advance(3600)
        second = create_app(settings, clock=clock, migrate=False)
        async with running_server(second, settings):
            await eventually(lambda: _none_pending(db), "the pending messages delivered", 10)
        texts = receivers.texts()
    finally:
        await db.dispose()
    assert sorted(text.split("\n")[0] for text in texts) == [
        "【来单铃】订单无人处理：5 秒无人接单",
        "【来单铃】订单无人处理：没有在线的收银台",
    ]


async def _none_pending(db: Database) -> bool:
    return await pending_count(db) == 0


async def test_a_rule_refused_for_an_hour_shows_in_healthz_and_the_log(
    live: LiveServer,
    client: httpx.AsyncClient,
    receivers: Receivers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After an hour of refusals /healthz names the rule and the log says so, key masked."""
    caplog.set_level(logging.DEBUG)
    await add_rule(live, shop_id=1, channel="wecom", url=receivers.wecom_url, after_s=5)
    receivers.failures = [500] * 100
    async with heard_order(live, client):
        assert await decide(live, 5) == 1
    sender = sender_of(live)
    await eventually(lambda: sender.attempts == 1, "the first refusal")
    early = (await client.get("/healthz")).json()
    assert (early["escalation"], early["failingRules"]) == ("ok", [])
    live.clock.advance(3600)
    sender.ring()
    await eventually(lambda: sender.attempts == 2, "a refusal an hour later")
    health = (await client.get("/healthz")).json()
    assert health["status"] == "ok"
    assert health["escalation"] == "failing"
    [failing] = health["failingRules"]
    assert (failing["id"], failing["channel"], failing["lastError"]) == (1, "wecom", "HTTP 500")
    assert failing["url"].endswith("/cgi-bin/webhook/send?key=***")
    reports = [r.getMessage() for r in caplog.records if "has refused every message" in r.message]
    assert len(reports) == 1
    ours = [r.getMessage() for r in caplog.records if r.name != "uvicorn.access"]
    assert not any(WECOM_KEY in line for line in ours)
