"""The full notification check, end to end on callbacks built by the devkit."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from backend.devkit import MerchantKit, payment_callback, refund_callback, sign_raw
from backend.wechatpay import (
    DecryptionFailed,
    MalformedNotification,
    MerchantConfig,
    MerchantMismatch,
    NotAuthentic,
    NotificationOpener,
    NotificationRejected,
    VerifierKeys,
)

ORDER = "20251126140512345"
TRANSACTION_ID = "4200000000202511261234567890"


def payment(kit: MerchantKit, now: float, **overrides: str) -> tuple[dict[str, str], bytes]:
    """A devkit payment callback for ORDER, 48.00 yuan."""
    return payment_callback(
        kit, out_trade_no=ORDER, total_fen=4800, transaction_id=TRANSACTION_ID, now=now, **overrides
    )


def refund(kit: MerchantKit, now: float, event_type: str) -> tuple[dict[str, str], bytes]:
    """A devkit refund callback refunding 12.00 of ORDER's 48.00 yuan."""
    return refund_callback(
        kit,
        out_trade_no=ORDER,
        transaction_id=TRANSACTION_ID,
        total_fen=4800,
        refund_fen=1200,
        now=now,
        event_type=event_type,
    )


def resigned(
    kit: MerchantKit, now: float, body: bytes, change: Callable[[dict[str, Any]], None]
) -> tuple[dict[str, str], bytes]:
    """``body`` edited by ``change`` and signed again, as if WeChat had sent it so."""
    data = json.loads(body)
    change(data)
    edited = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return sign_raw(kit, edited, now=now), edited


def rejection(
    open_: Callable[[dict[str, str], bytes], object], request: tuple[dict[str, str], bytes]
) -> NotificationRejected:
    """The refusal ``open_`` raises for ``request``."""
    headers, body = request
    with pytest.raises(NotificationRejected) as caught:
        open_(headers, body)
    return caught.value


def test_payment_is_opened(kit: MerchantKit, opener: NotificationOpener, now: float) -> None:
    """A genuine payment yields the order number, WeChat's id and the total in fen."""
    transaction = opener.open_payment(*payment(kit, now))
    assert (transaction.out_trade_no, transaction.transaction_id, transaction.amount_total) == (
        ORDER,
        TRANSACTION_ID,
        4800,
    )


def test_payment_headers_work_lower_cased(
    kit: MerchantKit, opener: NotificationOpener, now: float
) -> None:
    """Lower-cased header names, as ASGI delivers them, are accepted."""
    headers, body = payment(kit, now)
    lowered = {name.lower(): value for name, value in headers.items()}
    assert opener.open_payment(lowered, body).out_trade_no == ORDER


def test_clock_is_read_for_every_request(
    kit: MerchantKit, keys: VerifierKeys, merchant: MerchantConfig, now: float
) -> None:
    """The same request is fresh at first and stale once the clock has moved on."""
    clock = [now]
    opener = NotificationOpener(keys, merchant, clock=lambda: clock[0])
    headers, body = payment(kit, now)
    opener.open_payment(headers, body)
    clock[0] = now + 301
    with pytest.raises(NotAuthentic):
        opener.open_payment(headers, body)


def test_missing_signature_is_401(kit: MerchantKit, opener: NotificationOpener, now: float) -> None:
    """A request without Wechatpay-Signature is refused with 401."""
    headers, body = payment(kit, now)
    del headers["Wechatpay-Signature"]
    assert rejection(opener.open_payment, (headers, body)).status == 401


@pytest.mark.parametrize("offset", [-301, 301])
def test_stale_request_is_401(
    kit: MerchantKit, opener: NotificationOpener, now: float, offset: int
) -> None:
    """A request signed more than 300 s before or after the server clock is refused."""
    assert rejection(opener.open_payment, payment(kit, now + offset)).status == 401


def test_probe_is_401(kit: MerchantKit, opener: NotificationOpener, now: float) -> None:
    """WeChat's signature probe is refused, never treated as success."""
    headers, body = payment(kit, now)
    headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + headers["Wechatpay-Signature"]
    assert isinstance(rejection(opener.open_payment, (headers, body)), NotAuthentic)


def test_unknown_serial_is_401(kit: MerchantKit, opener: NotificationOpener, now: float) -> None:
    """A serial naming no configured key is refused."""
    headers, body = payment(kit, now)
    headers["Wechatpay-Serial"] = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
    assert isinstance(rejection(opener.open_payment, (headers, body)), NotAuthentic)


def test_signature_by_another_key_is_401(
    other_kit: MerchantKit, kit: MerchantKit, opener: NotificationOpener, now: float
) -> None:
    """A forger's signature under our serial is refused."""
    headers, body = payment(other_kit, now)
    headers["Wechatpay-Serial"] = kit.public_key_id
    assert isinstance(rejection(opener.open_payment, (headers, body)), NotAuthentic)


def test_reserialised_body_is_401(kit: MerchantKit, opener: NotificationOpener, now: float) -> None:
    """The same JSON serialised differently no longer matches the signature."""
    headers, body = payment(kit, now)
    reserialised = json.dumps(json.loads(body)).encode()
    assert isinstance(rejection(opener.open_payment, (headers, reserialised)), NotAuthentic)


def test_tampered_event_type_is_401(
    kit: MerchantKit, opener: NotificationOpener, now: float
) -> None:
    """Fields outside the ciphertext are protected by the signature alone."""
    headers, body = refund(kit, now, "REFUND.CLOSED")
    tampered = body.replace(b"REFUND.CLOSED", b"REFUND.SUCCESS")
    assert isinstance(rejection(opener.open_refund, (headers, tampered)), NotAuthentic)


def test_unsigned_garbage_is_401_not_400(
    kit: MerchantKit, opener: NotificationOpener, now: float
) -> None:
    """The signature is checked before the body is parsed."""
    headers, _ = payment(kit, now)
    assert isinstance(rejection(opener.open_payment, (headers, b"not json")), NotAuthentic)


def test_signed_body_that_is_not_json_is_400(
    kit: MerchantKit, opener: NotificationOpener, now: float
) -> None:
    """A genuinely signed body that is not JSON is malformed."""
    request = (sign_raw(kit, b"not json", now=now), b"not json")
    assert isinstance(rejection(opener.open_payment, request), MalformedNotification)


def test_signed_wrong_resource_type_is_400(
    kit: MerchantKit, opener: NotificationOpener, now: float
) -> None:
    """A signed notification with another resource_type is malformed."""
    request = resigned(
        kit, now, payment(kit, now)[1], lambda data: data.update(resource_type="plain")
    )
    assert isinstance(rejection(opener.open_payment, request), MalformedNotification)


def test_signed_wrong_algorithm_is_400(
    kit: MerchantKit, opener: NotificationOpener, now: float
) -> None:
    """A signed notification with another algorithm is malformed."""
    request = resigned(
        kit, now, payment(kit, now)[1], lambda data: data["resource"].update(algorithm="SM4")
    )
    assert isinstance(rejection(opener.open_payment, request), MalformedNotification)


def test_signed_wrong_event_type_is_400(
    kit: MerchantKit, opener: NotificationOpener, now: float
) -> None:
    """A payment endpoint refuses any event but TRANSACTION.SUCCESS."""
    request = resigned(
        kit, now, payment(kit, now)[1], lambda data: data.update(event_type="TRANSACTION.CLOSED")
    )
    assert isinstance(rejection(opener.open_payment, request), MalformedNotification)


def test_signed_wrong_original_type_is_400(
    kit: MerchantKit, opener: NotificationOpener, now: float
) -> None:
    """A payment whose resource claims another original type is malformed."""
    request = resigned(
        kit, now, payment(kit, now)[1], lambda data: data["resource"].update(original_type="refund")
    )
    assert isinstance(rejection(opener.open_payment, request), MalformedNotification)


def test_refund_sent_to_the_payment_check_is_400(
    kit: MerchantKit, opener: NotificationOpener, now: float
) -> None:
    """A refund notification is not a payment."""
    request = refund(kit, now, "REFUND.SUCCESS")
    assert isinstance(rejection(opener.open_payment, request), MalformedNotification)


def test_wrong_apiv3_key_is_500(
    kit: MerchantKit,
    other_kit: MerchantKit,
    keys: VerifierKeys,
    merchant: MerchantConfig,
    now: float,
) -> None:
    """A valid signature whose resource does not decrypt means the APIv3 key is wrong."""
    wrong_key = replace(merchant, apiv3_key=other_kit.apiv3_key.encode())
    opener = NotificationOpener(keys, wrong_key, clock=lambda: now)
    refused = rejection(opener.open_payment, payment(kit, now))
    assert isinstance(refused, DecryptionFailed)
    assert refused.status == 500


def test_decryption_failure_does_not_reveal_the_key(
    kit: MerchantKit,
    other_kit: MerchantKit,
    keys: VerifierKeys,
    merchant: MerchantConfig,
    now: float,
) -> None:
    """Neither the configured nor the real APIv3 key appears in the message."""
    opener = NotificationOpener(
        keys, replace(merchant, apiv3_key=other_kit.apiv3_key.encode()), clock=lambda: now
    )
    message = rejection(opener.open_payment, payment(kit, now)).message
    assert kit.apiv3_key not in message
    assert other_kit.apiv3_key not in message


def test_other_mchid_is_a_mismatch(
    kit: MerchantKit, opener: NotificationOpener, now: float
) -> None:
    """A payment to another merchant is refused as a mismatch."""
    refused = rejection(opener.open_payment, payment(kit, now, mchid="1900000999"))
    assert isinstance(refused, MerchantMismatch)
    assert "mchid" in refused.message


def test_other_appid_is_a_mismatch(
    kit: MerchantKit, opener: NotificationOpener, now: float
) -> None:
    """A payment to another app is refused as a mismatch."""
    refused = rejection(opener.open_payment, payment(kit, now, appid="wx0000000000000000"))
    assert isinstance(refused, MerchantMismatch)
    assert "appid" in refused.message


def test_notpay_is_a_mismatch(kit: MerchantKit, opener: NotificationOpener, now: float) -> None:
    """A transaction whose trade_state is NOTPAY does not mark the order paid."""
    refused = rejection(opener.open_payment, payment(kit, now, trade_state="NOTPAY"))
    assert isinstance(refused, MerchantMismatch)
    assert "NOTPAY" in refused.message


def test_mismatch_is_4xx(kit: MerchantKit, opener: NotificationOpener, now: float) -> None:
    """A merchant mismatch is answered with a 4xx status."""
    refused = rejection(opener.open_payment, payment(kit, now, mchid="1900000999"))
    assert 400 <= refused.status < 500


@pytest.mark.parametrize("event_type", ["REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED"])
def test_refund_is_opened(
    kit: MerchantKit, opener: NotificationOpener, now: float, event_type: str
) -> None:
    """Each refund event yields its type and the refund in fen."""
    opened_type, opened = opener.open_refund(*refund(kit, now, event_type))
    assert (opened_type, opened.out_trade_no, opened.amount_total, opened.amount_refund) == (
        event_type,
        ORDER,
        4800,
        1200,
    )


def test_refund_to_another_merchant_is_a_mismatch(
    kit: MerchantKit, keys: VerifierKeys, merchant: MerchantConfig, now: float
) -> None:
    """A refund whose mchid is not ours is refused as a mismatch."""
    opener = NotificationOpener(keys, replace(merchant, mchid="1900000999"), clock=lambda: now)
    refused = rejection(opener.open_refund, refund(kit, now, "REFUND.SUCCESS"))
    assert isinstance(refused, MerchantMismatch)


def test_payment_sent_to_the_refund_check_is_400(
    kit: MerchantKit, opener: NotificationOpener, now: float
) -> None:
    """A payment notification is not a refund."""
    assert isinstance(rejection(opener.open_refund, payment(kit, now)), MalformedNotification)


def test_refund_with_transaction_original_type_is_400(
    kit: MerchantKit, opener: NotificationOpener, now: float
) -> None:
    """A refund event whose resource claims to be a transaction is malformed."""
    request = resigned(
        kit,
        now,
        refund(kit, now, "REFUND.SUCCESS")[1],
        lambda data: data["resource"].update(original_type="transaction"),
    )
    assert isinstance(rejection(opener.open_refund, request), MalformedNotification)
