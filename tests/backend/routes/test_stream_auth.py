"""Who may open ``/ws/{sid}``: device tokens by header or query, legacy anonymous clients."""

from __future__ import annotations

import logging

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from backend.store import create_token, revoke_token
from tests.backend.routes.conftest import Api, bearer, counter, next_frame
from tests.e2e.helpers import wait_for_live_counters

ANONYMOUS = {"ORDERBELL_WS_ALLOW_ANONYMOUS": "1"}


async def refused_status(url: str, headers: dict[str, str] | None = None) -> int:
    """The HTTP status with which the server refuses this WebSocket handshake."""
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, additional_headers=headers, open_timeout=5):
            pass
    status: int = refused.value.response.status_code
    return status


async def test_bad_token_is_refused_with_403(api: Api) -> None:
    """An unknown device token gets HTTP 403 on the handshake."""
    assert await refused_status(api.live.ws_url, bearer("obt_no-such-token")) == 403


async def test_revoked_token_is_refused_with_403(api: Api) -> None:
    """A revoked device token gets HTTP 403 on the handshake."""
    record, token = await create_token(
        api.live.db, shop_id=1, name="old till", now=api.live.clock.datetime()
    )
    await revoke_token(api.live.db, record.id, api.live.clock.datetime())
    assert await refused_status(api.live.ws_url, bearer(token)) == 403


async def test_no_token_is_refused_by_default(api: Api) -> None:
    """Without ORDERBELL_WS_ALLOW_ANONYMOUS a token-less client gets HTTP 403."""
    assert await refused_status(api.live.ws_url) == 403


async def test_token_in_query_is_accepted(api: Api) -> None:
    """``?token=`` authenticates like the header and the shop's events arrive."""
    token = await api.live.device_token(shop_id=1)
    async with connect(f"{api.live.ws_url}?token={token}") as ws:
        order = await api.paid()
        event = await next_frame(ws)
    assert (event["type"], event["orderId"]) == (1, order["id"])


async def test_bad_token_in_query_is_refused(api: Api) -> None:
    """A wrong ``?token=`` is refused with 403 like a wrong header."""
    assert await refused_status(f"{api.live.ws_url}?token=obt_no-such-token") == 403


@pytest.mark.parametrize("since", ["abc", "-1", "٣", str(2**63)])
async def test_since_that_is_not_an_event_id_is_400_without_an_error_logged(
    api: Api, since: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A bad ``since`` with a good token is refused with HTTP 400, quietly."""
    token = await api.live.device_token()
    assert await refused_status(f"{api.live.ws_url}?since={since}", bearer(token)) == 400
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_bad_since_without_a_valid_token_is_refused_as_the_token(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """A bad token is refused (403) before ``since`` is looked at, and nothing is logged."""
    url = f"{api.live.ws_url}?since=abc"
    assert await refused_status(url, bearer("obt_no-such-token")) == 403
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("live_overrides", [ANONYMOUS])
async def test_anonymous_client_receives_shop_1_when_allowed(api: Api) -> None:
    """With ORDERBELL_WS_ALLOW_ANONYMOUS=1 a token-less client hears shop 1, not shop 2."""
    async with connect(api.live.ws_url) as ws:
        await api.paid(shop_id=2)
        shop_1 = await api.paid(shop_id=1)
        event = await next_frame(ws)
    assert (event["shopId"], event["orderId"]) == (1, shop_1["id"])


@pytest.mark.parametrize("live_overrides", [ANONYMOUS])
async def test_anonymous_mode_still_refuses_bad_tokens(api: Api) -> None:
    """Allowing anonymous clients does not let a wrong token in as shop 1."""
    assert await refused_status(api.live.ws_url, bearer("obt_no-such-token")) == 403


@pytest.mark.parametrize("live_overrides", [ANONYMOUS])
async def test_token_still_decides_the_shop_in_anonymous_mode(api: Api) -> None:
    """A shop-2 token keeps hearing shop 2 only when anonymous clients are allowed."""
    token = await api.live.device_token(shop_id=2)
    async with counter(api.live.ws_url, token) as ws:
        await api.paid(shop_id=1)
        shop_2 = await api.paid(shop_id=2)
        event = await next_frame(ws)
    assert (event["shopId"], event["orderId"]) == (2, shop_2["id"])


HANDSHAKE_TABLES = ("device_tokens", "events")


async def test_a_known_counter_connects_without_a_database_read(
    api: Api, statements: list[str]
) -> None:
    """With its token known, a counter's handshake reads neither tokens nor the event log."""
    token = await api.live.device_token(shop_id=1)
    await api.live.services.devices.load()
    statements.clear()
    async with connect(api.live.ws_url, additional_headers=bearer(token)):
        await wait_for_live_counters(api.live.hub, 1)
    reads = [s for s in statements if s.startswith("SELECT")]
    assert [s for s in reads if any(table in s for table in HANDSHAKE_TABLES)] == []
