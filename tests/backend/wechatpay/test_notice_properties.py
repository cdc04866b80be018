"""Properties of notification parsing: any body, genuine or not, is a result or a rejection."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.devkit import MerchantKit, sign_raw, trade_fields
from backend.validation import INT64_MAX
from backend.wechatpay import (
    MalformedNotification,
    NotificationOpener,
    NotificationRejected,
    encrypt_resource,
    parse_notification,
    parse_refund,
    parse_transaction,
)
from tests.strategies import any_json, any_text

NOW = 1_764_140_000.0
# The fields of a transaction a forged or broken resource could hold anything in.
TRANSACTION_KEYS = (
    "mchid",
    "appid",
    "out_trade_no",
    "transaction_id",
    "trade_type",
    "trade_state",
    "success_time",
    "payer",
    "amount",
)
# The fixtures are the same for every example (a kit, its keys, a frozen clock): sharing is fine.
SHARED_FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def genuine_transaction(kit: MerchantKit) -> dict[str, Any]:
    return trade_fields(
        kit,
        out_trade_no="20261126140512345",
        total_fen=4800,
        trade_state="SUCCESS",
        now=NOW,
        transaction_id="4200000000202611261234567890",
    )


def signed_notification(
    kit: MerchantKit, resource: dict[str, Any], *, now: float = NOW
) -> tuple[dict[str, str], bytes]:
    """A payment notification WeChat Pay could have sent: ``resource`` encrypted and signed."""
    nonce = "nOnCe0123456"
    plaintext = json.dumps(resource).encode()  # escaped: the resource may hold any code point
    body = json.dumps(
        {
            "id": "EV-2018022511223320873",
            "create_time": "2026-11-26T14:05:12+08:00",
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": encrypt_resource(
                    kit.apiv3_key.encode(), nonce, "transaction", plaintext
                ),
                "associated_data": "transaction",
                "nonce": nonce,
            },
        }
    ).encode()
    return sign_raw(kit, body, now=now), body


@settings(max_examples=50)
@given(st.binary(max_size=300) | any_json.map(lambda value: json.dumps(value).encode()))
def test_any_body_is_a_notification_or_malformed(body: bytes) -> None:
    """Arbitrary bytes or JSON never make parsing raise anything but MalformedNotification."""
    with contextlib.suppress(MalformedNotification):
        parse_notification(body)


@settings(max_examples=50)
@given(st.dictionaries(st.sampled_from(TRANSACTION_KEYS), any_json, max_size=3))
def test_a_decrypted_transaction_is_parsed_into_bounds_or_malformed(
    changes: dict[str, Any],
) -> None:
    """A transaction with any fields replaced parses to values the database holds, or is refused."""
    resource = genuine_transaction_for_parse() | changes
    try:
        transaction = parse_transaction(json.dumps(resource).encode())
    except MalformedNotification:
        return
    assert 0 <= transaction.amount_total <= INT64_MAX
    assert len(transaction.out_trade_no) <= 32
    assert len(transaction.transaction_id) <= 32
    for text in (transaction.out_trade_no, transaction.transaction_id, transaction.mchid):
        text.encode("utf-8")
    if transaction.success_time is not None:
        assert transaction.success_time.tzinfo is not None
        assert 2000 <= transaction.success_time.year <= 2999


@settings(max_examples=50)
@given(any_json)
def test_any_refund_plaintext_is_a_refund_or_malformed(value: object) -> None:
    """Whatever a decrypted refund holds, parsing gives a refund or MalformedNotification."""
    with contextlib.suppress(MalformedNotification):
        parse_refund(json.dumps(value).encode())


@settings(max_examples=60, suppress_health_check=SHARED_FIXTURES)
@given(
    changes=st.dictionaries(
        st.sampled_from(TRANSACTION_KEYS),
        any_json | any_text | st.integers(min_value=2**62, max_value=2**70),
        max_size=2,
    )
)
def test_a_genuine_notification_with_any_resource_is_opened_or_rejected(
    kit: MerchantKit, opener: NotificationOpener, changes: dict[str, Any]
) -> None:
    """A correctly signed and encrypted payment of any content is opened, or rejected cleanly."""
    headers, body = signed_notification(kit, genuine_transaction(kit) | changes)
    try:
        transaction = opener.open_payment(headers, body)
    except NotificationRejected:
        return
    assert transaction.mchid == kit.mchid
    assert 0 <= transaction.amount_total <= INT64_MAX


def genuine_transaction_for_parse() -> dict[str, Any]:
    """A transaction as WeChat describes it, without a kit (only its shape matters to parsing)."""
    return {
        "mchid": "1230000109",
        "appid": "wxd678efh567hg6787",
        "out_trade_no": "20261126140512345",
        "transaction_id": "4200000000202611261234567890",
        "trade_type": "JSAPI",
        "trade_state": "SUCCESS",
        "success_time": "2026-11-26T14:05:12+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": 4800, "payer_total": 4800, "currency": "CNY", "payer_currency": "CNY"},
    }
