"""A fuzz pass over every documented endpoint of a real server: no input earns a 5xx.

The only 5xx a working database allows are the ones WeChat Pay is meant to retry: a genuine
notification for an order this server does not know, or one it cannot decrypt.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.devkit import sign_raw
from tests.backend.routes.conftest import Api, bearer, submission
from tests.backend.wechatpay.test_notice_properties import TRANSACTION_KEYS, signed_notification
from tests.strategies import any_int, any_json, any_text, merged

SHARED_FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
# What WeChat Pay must retry, and so is answered 500 although nothing is broken: an order this
# server does not know (yet), a resource that does not decrypt (the APIv3 key is wrong).
RETRIED = ("order not found", "the notification resource does not decrypt")


@dataclass(repr=False)
class Target:
    """The live server with a paid order of shop 1, and the credentials to act on it."""

    api: Api
    order: dict[str, Any]
    device_token: str

    def __repr__(self) -> str:  # a failing example names the order, not the whole test kit
        return f"Target(order {self.order['id']})"


@pytest.fixture
def live_overrides() -> dict[str, str]:
    """The fuzzed server serves /metrics too."""
    return {"ORDERBELL_METRICS_TOKEN": METRICS_TOKEN}


@pytest.fixture
async def target(api: Api) -> Target:
    return Target(api, await api.paid(), await api.live.device_token())


# Each documented endpoint; "{id}" becomes the real order's id or any number at all.
ENDPOINTS = [
    ("POST", "/user/order/submit"),
    ("GET", "/user/order/reminder/{id}"),
    ("POST", "/user/order/reminder/{id}"),
    ("GET", "/user/order/{id}"),
    ("POST", "/notify/paySuccess"),
    ("POST", "/notify/refundSuccess"),
    ("GET", "/admin/orders"),
    ("GET", "/admin/orders/{id}"),
    ("PUT", "/admin/orders/{id}/accept"),
    ("PUT", "/admin/orders/{id}/reject"),
    ("PUT", "/admin/orders/{id}/reminder-reply"),
    ("GET", "/admin/stats"),
    ("GET", "/metrics"),
    ("GET", "/healthz"),
]
METRICS_TOKEN = "metrics-token-for-the-fuzz-pass"
# Query values as raw bytes, percent-encoded: invalid UTF-8, NUL and all reach the server.
query_values = st.binary(max_size=30).map(urllib.parse.quote_from_bytes) | st.sampled_from(
    ["", "1", "2", "0", "-1", "٣", str(2**63), "1e3", "9" * 30, "2026-12-03", "0001-01-01"]
)
query_names = st.sampled_from(["status", "page", "pageSize", "since", "from", "to", "x"])
queries = st.lists(
    st.tuples(query_names, query_values),
    max_size=3,
).map(lambda pairs: "&".join(f"{name}={value}" for name, value in pairs))
hostile_items = st.lists(
    st.fixed_dictionaries({"name": any_text, "quantity": any_int, "unitPriceFen": any_int}),
    max_size=3,
)
bodies = st.one_of(
    # A valid submission with up to three fields replaced by anything.
    st.dictionaries(
        st.sampled_from(
            ["shopId", "items", "remark", "phone", "address", "reason", "text", "preset"]
        ),
        any_json | any_text | any_int,
        max_size=3,
    ).map(lambda changes: merged(submission(), changes)),
    hostile_items.map(lambda items: submission(items=items)),
    st.builds(lambda reason: {"reason": reason}, any_text | any_json),
    any_json,
).map(lambda value: json.dumps(value).encode())
raw_bodies = st.one_of(
    st.binary(max_size=200),
    # Nested far deeper than any parser should follow, closed or not.
    st.integers(min_value=1, max_value=50).map(lambda n: b"[" * n * 100 + b"]" * n * 100),
    st.integers(min_value=1, max_value=50).map(lambda n: b'{"a":' * n * 100),
)


def assert_not_a_server_error(answer: httpx.Response, request: object) -> None:
    if answer.status_code < 500:
        return
    message = answer.json().get("message", "") if answer.content else ""
    assert answer.status_code == 500, (request, answer.status_code, answer.text)
    assert message.startswith(RETRIED), (request, answer.text)


@pytest.mark.parametrize(("method", "route"), ENDPOINTS, ids=[" ".join(e) for e in ENDPOINTS])
@settings(max_examples=40, suppress_health_check=SHARED_FIXTURES)
@given(
    an_id=st.none() | st.integers(min_value=-1) | any_int,
    query=queries,
    body=bodies | raw_bodies,
)
async def test_no_request_to_an_endpoint_is_a_server_error(
    target: Target, method: str, route: str, an_id: int | None, query: str, body: bytes
) -> None:
    """With valid credentials, any id, query and body to the endpoint is answered below 500."""
    live = target.api.live
    order_id = target.order["id"] if an_id is None else an_id
    path = route.replace("{id}", str(order_id)) + (f"?{query}" if query else "")
    headers = {"content-type": "application/json"}
    if route.startswith("/user/"):
        headers |= live.customer()
    elif route.startswith("/admin/"):
        headers |= bearer(target.device_token)
    elif route.startswith("/notify/"):
        headers |= sign_raw(live.kit, body, now=live.clock())
    elif route == "/metrics":
        headers |= bearer(METRICS_TOKEN)
    answer = await target.api.http.request(method, path, content=body, headers=headers)
    assert_not_a_server_error(answer, (method, path, body[:300]))


@settings(max_examples=60, suppress_health_check=SHARED_FIXTURES)
@given(
    changes=st.dictionaries(
        st.sampled_from(TRANSACTION_KEYS),
        any_json | st.integers(min_value=2**62, max_value=2**70),
        max_size=2,
    )
)
async def test_no_genuine_payment_notification_is_a_server_error(
    target: Target, changes: dict[str, Any]
) -> None:
    """A signed, encrypted payment of the real order with any fields changed is never a 5xx."""
    api, order = target.api, target.order
    resource = {
        "mchid": api.live.kit.mchid,
        "appid": api.live.kit.appid,
        "out_trade_no": order["orderNumber"],
        "transaction_id": order["transactionId"],
        "trade_type": "JSAPI",
        "trade_state": "SUCCESS",
        "success_time": "2026-11-26T14:05:12+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": order["amountFen"], "currency": "CNY"},
    }
    headers, body = signed_notification(api.live.kit, resource | changes, now=api.live.clock())
    answer = await api.http.post("/notify/paySuccess", content=body, headers=headers)
    assert_not_a_server_error(answer, changes)
