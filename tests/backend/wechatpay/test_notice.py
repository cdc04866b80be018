"""Strict parsing of notification bodies and of decrypted transactions and refunds."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from backend.wechatpay import (
    EncryptedResource,
    MalformedNotification,
    Notification,
    Refund,
    parse_notification,
    parse_refund,
    parse_transaction,
)

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
BEIJING = timezone(timedelta(hours=8))


def notification(**changes: object) -> dict[str, object]:
    """The notification of the protocol notes; a change of ... removes the field."""
    data: dict[str, object] = {
        "id": "EV-2018022511223320873",
        "create_time": "2015-05-20T13:29:35+08:00",
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": resource(),
    }
    return changed(data, changes)


def resource(**changes: object) -> dict[str, object]:
    """An encrypted resource as WeChat sends it."""
    data: dict[str, object] = {
        "original_type": "transaction",
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=",
        "associated_data": "transaction",
        "nonce": "uluk4a9R25RW",
    }
    return changed(data, changes)


def transaction(**changes: object) -> dict[str, object]:
    """A decrypted successful payment as WeChat sends it."""
    data: dict[str, object] = {
        "mchid": "1900000109",
        "appid": "wxd678efh567hg6787",
        "out_trade_no": "20251126140512345",
        "transaction_id": "4200000000201805304125679567",
        "trade_type": "JSAPI",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "bank_type": "CMC",
        "attach": "",
        "success_time": "2025-11-26T14:05:20+08:00",
        "payer": {"openid": OPENID},
        "amount": {"total": 4800, "payer_total": 4500, "currency": "CNY", "payer_currency": "CNY"},
    }
    return changed(data, changes)


def refund(**changes: object) -> dict[str, object]:
    """A decrypted refund as WeChat sends it."""
    data: dict[str, object] = {
        "mchid": "1900000109",
        "transaction_id": "4200000000201805304125679567",
        "out_trade_no": "20251126140512345",
        "refund_id": "50000000382019052709732678859",
        "out_refund_no": "RF20251126150000",
        "refund_status": "SUCCESS",
        "success_time": "2025-11-26T15:00:00+08:00",
        "user_received_account": "支付用户零钱",
        "amount": {"total": 4800, "refund": 1200, "payer_total": 4800, "payer_refund": 1200},
    }
    return changed(data, changes)


def changed(data: dict[str, object], changes: dict[str, object]) -> dict[str, object]:
    """``data`` with ``changes`` applied; a value of ... deletes the key."""
    for key, value in changes.items():
        if value is ...:
            data.pop(key)
        else:
            data[key] = value
    return data


def encoded(data: object) -> bytes:
    """Compact UTF-8 JSON, as WeChat sends it."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def test_notification_is_parsed() -> None:
    """A well-formed notification yields its fields and its encrypted resource."""
    assert parse_notification(encoded(notification())) == Notification(
        id="EV-2018022511223320873",
        event_type="TRANSACTION.SUCCESS",
        create_time="2015-05-20T13:29:35+08:00",
        summary="支付成功",
        resource=EncryptedResource(
            original_type="transaction",
            algorithm="AEAD_AES_256_GCM",
            ciphertext="ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=",
            associated_data="transaction",
            nonce="uluk4a9R25RW",
        ),
    )


def test_notification_that_is_not_utf8_is_malformed() -> None:
    """The body must be UTF-8."""
    with pytest.raises(MalformedNotification, match="not UTF-8"):
        parse_notification(encoded(notification()).replace("支付".encode(), "支付".encode("gbk")))


def test_notification_that_is_not_json_is_malformed() -> None:
    """The body must be JSON."""
    with pytest.raises(MalformedNotification, match="not JSON"):
        parse_notification(b"id=EV-1&event_type=TRANSACTION.SUCCESS")


def test_notification_with_nan_is_malformed() -> None:
    """Python's JSON extensions (NaN, Infinity) are not JSON."""
    with pytest.raises(MalformedNotification, match="not JSON"):
        parse_notification(b'{"id": NaN}')


def test_deeply_nested_notification_is_malformed() -> None:
    """Absurd nesting is refused as malformed instead of crashing the handler."""
    with pytest.raises(MalformedNotification):
        parse_notification(b"[" * 100_000 + b"]" * 100_000)


def test_notification_that_is_not_an_object_is_malformed() -> None:
    """The body must be a JSON object."""
    with pytest.raises(MalformedNotification, match="not a JSON object"):
        parse_notification(encoded([notification()]))


def test_wrong_resource_type_is_malformed() -> None:
    """Only encrypt-resource notifications are understood."""
    with pytest.raises(MalformedNotification, match="resource_type"):
        parse_notification(encoded(notification(resource_type="plain-resource")))


def test_wrong_algorithm_is_malformed() -> None:
    """Only AEAD_AES_256_GCM resources are understood."""
    body = notification(resource=resource(algorithm="AEAD_SM4_GCM"))
    with pytest.raises(MalformedNotification, match="algorithm"):
        parse_notification(encoded(body))


@pytest.mark.parametrize(
    "key", ["id", "create_time", "resource_type", "event_type", "summary", "resource"]
)
def test_missing_notification_field_is_malformed(key: str) -> None:
    """Every top-level field is required."""
    with pytest.raises(MalformedNotification, match=f"{key} is missing"):
        parse_notification(encoded(notification(**{key: ...})))


@pytest.mark.parametrize("key", ["original_type", "algorithm", "ciphertext", "nonce"])
def test_missing_resource_field_is_malformed(key: str) -> None:
    """Every resource field but associated_data is required."""
    with pytest.raises(MalformedNotification, match=f"resource.{key} is missing"):
        parse_notification(encoded(notification(resource=resource(**{key: ...}))))


def test_missing_associated_data_reads_as_empty() -> None:
    """WeChat documents associated_data as optional: absent means empty."""
    body = notification(resource=resource(associated_data=...))
    assert parse_notification(encoded(body)).resource.associated_data == ""


def test_non_string_field_is_malformed() -> None:
    """Fields are strings, not numbers."""
    with pytest.raises(MalformedNotification, match="id is not a string"):
        parse_notification(encoded(notification(id=2018022511223320873)))


def test_resource_that_is_not_an_object_is_malformed() -> None:
    """The resource must be an object."""
    with pytest.raises(MalformedNotification, match="resource is not an object"):
        parse_notification(encoded(notification(resource="ulwSiIajGClcvcOYvOQ7")))


@pytest.mark.parametrize("nonce", ["uluk4a9R25R", "uluk4a9R25RWx", "uluk4a9R25R字"])
def test_nonce_that_is_not_12_ascii_characters_is_malformed(nonce: str) -> None:
    """The GCM nonce is exactly 12 ASCII characters."""
    with pytest.raises(MalformedNotification, match="nonce"):
        parse_notification(encoded(notification(resource=resource(nonce=nonce))))


def test_transaction_is_parsed() -> None:
    """A decrypted payment yields ids, state, aware time and amounts in fen."""
    parsed = parse_transaction(encoded(transaction()))
    assert (
        parsed.appid,
        parsed.mchid,
        parsed.out_trade_no,
        parsed.transaction_id,
        parsed.trade_type,
        parsed.trade_state,
        parsed.success_time,
        parsed.amount_total,
        parsed.payer_total,
        parsed.currency,
    ) == (
        "wxd678efh567hg6787",
        "1900000109",
        "20251126140512345",
        "4200000000201805304125679567",
        "JSAPI",
        "SUCCESS",
        datetime(2025, 11, 26, 14, 5, 20, tzinfo=BEIJING),
        4800,
        4500,
        "CNY",
    )


def test_transaction_openid_is_masked() -> None:
    """Only the first and last four characters of the openid are kept."""
    assert parse_transaction(encoded(transaction())).openid_masked == "oUpF***eS6o"


def test_transaction_never_holds_the_whole_openid() -> None:
    """The full openid appears nowhere in the parsed transaction."""
    assert OPENID not in repr(parse_transaction(encoded(transaction())))


def test_short_openid_is_masked_entirely() -> None:
    """An openid too short to keep eight characters of is fully masked."""
    body = transaction(payer={"openid": "o123456789"})
    assert parse_transaction(encoded(body)).openid_masked == "***"


@pytest.mark.parametrize("total", [True, 48.0, "4800", -1, None])
def test_amount_total_must_be_whole_non_negative_fen(total: object) -> None:
    """amount.total is an integer number of fen: not a bool, float, string, negative or null."""
    body = transaction(amount={"total": total, "payer_total": 4800, "currency": "CNY"})
    with pytest.raises(MalformedNotification, match=r"amount\.total"):
        parse_transaction(encoded(body))


def test_missing_payer_total_reads_as_none() -> None:
    """payer_total is optional."""
    body = transaction(amount={"total": 4800, "currency": "CNY"})
    assert parse_transaction(encoded(body)).payer_total is None


def test_missing_success_time_reads_as_none() -> None:
    """A transaction without success_time parses with no time."""
    assert parse_transaction(encoded(transaction(success_time=...))).success_time is None


def test_success_time_without_offset_is_malformed() -> None:
    """Times must be timezone-aware."""
    with pytest.raises(MalformedNotification, match="UTC offset"):
        parse_transaction(encoded(transaction(success_time="2025-11-26T14:05:20")))


def test_success_time_that_is_not_a_time_is_malformed() -> None:
    """success_time must be an RFC 3339 time."""
    with pytest.raises(MalformedNotification, match="RFC 3339"):
        parse_transaction(encoded(transaction(success_time="yesterday")))


@pytest.mark.parametrize(
    "key",
    [
        "appid",
        "mchid",
        "out_trade_no",
        "transaction_id",
        "trade_type",
        "trade_state",
        "payer",
        "amount",
    ],
)
def test_missing_transaction_field_is_malformed(key: str) -> None:
    """Every field OrderBell relies on is required."""
    with pytest.raises(MalformedNotification, match=f"{key} is missing"):
        parse_transaction(encoded(transaction(**{key: ...})))


def test_empty_out_trade_no_is_malformed() -> None:
    """Identifiers must not be empty."""
    with pytest.raises(MalformedNotification, match="out_trade_no is empty"):
        parse_transaction(encoded(transaction(out_trade_no="")))


def test_missing_openid_is_malformed() -> None:
    """payer.openid is required."""
    with pytest.raises(MalformedNotification, match=r"payer\.openid is missing"):
        parse_transaction(encoded(transaction(payer={})))


def test_transaction_plaintext_that_is_not_json_is_malformed() -> None:
    """A decrypted payment that is not JSON is malformed."""
    with pytest.raises(MalformedNotification, match="decrypted transaction is not JSON"):
        parse_transaction(b"message")


def test_refund_is_parsed() -> None:
    """A decrypted refund yields its ids, status, aware time and amounts in fen."""
    assert parse_refund(encoded(refund())) == Refund(
        mchid="1900000109",
        out_trade_no="20251126140512345",
        transaction_id="4200000000201805304125679567",
        refund_id="50000000382019052709732678859",
        out_refund_no="RF20251126150000",
        refund_status="SUCCESS",
        success_time=datetime(2025, 11, 26, 15, 0, tzinfo=BEIJING),
        amount_total=4800,
        amount_refund=1200,
    )


def test_refund_without_success_time_reads_as_none() -> None:
    """An abnormal or closed refund has no success_time."""
    body = refund(refund_status="ABNORMAL", success_time=...)
    assert parse_refund(encoded(body)).success_time is None


def test_refund_amount_must_be_whole_fen() -> None:
    """amount.refund is an integer number of fen."""
    body = refund(amount={"total": 4800, "refund": 12.5})
    with pytest.raises(MalformedNotification, match=r"amount\.refund"):
        parse_refund(encoded(body))
