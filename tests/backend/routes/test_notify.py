"""``/notify/paySuccess`` and ``/notify/refundSuccess`` over real HTTP: every row of the table."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlalchemy import text

from backend.devkit import MerchantKit, create_kit, payment_callback, refund_callback, sign_raw
from backend.wechatpay import encrypt_resource
from orderbell_protocol import EventType, OrderStatus, PayStatus
from tests.backend.routes.conftest import Api, counter, next_frame

PAY = "/notify/paySuccess"
REFUND = "/notify/refundSuccess"
WRONG_APIV3_KEY = "0123456789abcdefghijABCDEFGHIJ01"
SIGNING_HEADERS = (
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
    "Wechatpay-Signature",
    "Wechatpay-Serial",
)


@pytest.fixture(scope="module")
def impostor() -> MerchantKit:
    """A kit whose RSA key is not the one the server trusts."""
    return create_kit()


def assert_fail(answer: Any, status: int, case: str = "") -> None:
    """WeChat's failure answer: the status and ``{"code": "FAIL", "message": ...}``."""
    assert answer.status_code == status, (case, answer.text)
    body = answer.json()
    assert body["code"] == "FAIL", case
    assert isinstance(body["message"], str), case
    assert body["message"], case


def transaction(kit: MerchantKit, order: dict[str, Any]) -> dict[str, Any]:
    """A decrypted TRANSACTION.SUCCESS resource paying ``order`` in full."""
    return {
        "mchid": kit.mchid,
        "appid": kit.appid,
        "out_trade_no": order["orderNumber"],
        "transaction_id": "4200000000202611260000000001",
        "trade_type": "JSAPI",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "bank_type": "OTHERS",
        "attach": "",
        "success_time": "2026-11-26T14:05:12+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {
            "total": order["amountFen"],
            "payer_total": order["amountFen"],
            "currency": "CNY",
            "payer_currency": "CNY",
        },
    }


def notification(resource: dict[str, Any], *, apiv3_key: str, **changes: Any) -> dict[str, Any]:
    """A notification body encrypting ``resource`` with ``apiv3_key``; top fields can change."""
    nonce = "nOnCe0123456"
    plaintext = json.dumps(resource).encode()  # escaped: the resource may hold any code point
    body: dict[str, Any] = {
        "id": "EV-2018022511223320873",
        "create_time": "2026-11-26T14:05:12+08:00",
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": {
            "original_type": "transaction",
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": encrypt_resource(apiv3_key.encode(), nonce, "transaction", plaintext),
            "associated_data": "transaction",
            "nonce": nonce,
        },
    }
    body.update(changes)
    return body


async def post_signed(api: Api, path: str, body: bytes) -> Any:
    """Post ``body`` signed with the trusted key, as WeChat Pay would."""
    headers = sign_raw(api.live.kit, body, now=api.live.clock())
    return await api.http.post(path, content=body, headers=headers)


async def assert_unpaid_and_silent(api: Api, order: dict[str, Any]) -> None:
    """The order still awaits payment and the event log is empty."""
    stored = await api.stored(order["orderNumber"])
    assert (stored.status, stored.pay_status) == (OrderStatus.PENDING_PAYMENT, PayStatus.UNPAID)
    assert stored.transaction_id is None
    assert await api.events() == []


# --- 401: not shown to come from WeChat Pay --------------------------------------------------


async def test_missing_signing_header_is_401(api: Api) -> None:
    """A notification without any one of the signing headers is refused with 401 FAIL."""
    order = await api.submit()
    for header in SIGNING_HEADERS:
        headers, body = _payment(api, order)
        del headers[header]
        assert_fail(await api.http.post(PAY, content=body, headers=headers), 401, header)
    await assert_unpaid_and_silent(api, order)


async def test_stale_timestamp_is_401(api: Api) -> None:
    """A timestamp more than 300 s from the server clock, either way, is refused with 401."""
    order = await api.submit()
    for skew_s in (-301, 301):
        headers, body = _payment(api, order, now=api.live.clock() + skew_s)
        assert_fail(await api.http.post(PAY, content=body, headers=headers), 401, str(skew_s))
    await assert_unpaid_and_silent(api, order)


async def test_probe_signature_is_401(api: Api) -> None:
    """WeChat's WECHATPAY/SIGNTEST/ probe is answered as a failed verification, 401."""
    order = await api.submit()
    headers, body = _payment(api, order)
    headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + headers["Wechatpay-Signature"][19:]
    assert_fail(await api.http.post(PAY, content=body, headers=headers), 401)
    await assert_unpaid_and_silent(api, order)


async def test_unknown_serial_is_401(api: Api) -> None:
    """A Wechatpay-Serial naming no configured key is refused with 401."""
    order = await api.submit()
    headers, body = _payment(api, order)
    headers["Wechatpay-Serial"] = "PUB_KEY_ID_0000000000000000000000000000"
    assert_fail(await api.http.post(PAY, content=body, headers=headers), 401)
    await assert_unpaid_and_silent(api, order)


async def test_signature_over_other_bytes_is_401(api: Api) -> None:
    """A body changed after signing fails verification with 401."""
    order = await api.submit()
    headers, body = _payment(api, order)
    tampered = body.replace(b'"summary":"', b'"summary":"!', 1)
    assert tampered != body
    assert_fail(await api.http.post(PAY, content=tampered, headers=headers), 401)
    await assert_unpaid_and_silent(api, order)


async def test_signature_by_another_key_is_401(api: Api, impostor: MerchantKit) -> None:
    """A body signed by a key that is not WeChat Pay's (but naming its serial) gets 401."""
    order = await api.submit()
    _, body = _payment(api, order)
    headers = sign_raw(impostor, body, now=api.live.clock())
    headers["Wechatpay-Serial"] = api.live.kit.public_key_id
    assert_fail(await api.http.post(PAY, content=body, headers=headers), 401)
    await assert_unpaid_and_silent(api, order)


# --- 400 / 500: genuine, but unusable ---------------------------------------------------------


async def test_hand_built_notification_with_the_right_key_pays(api: Api) -> None:
    """Control for the tests below: the hand-built notification, unchanged, answers 204."""
    order = await api.submit()
    body = notification(transaction(api.live.kit, order), apiv3_key=api.live.kit.apiv3_key)
    assert (await post_signed(api, PAY, json.dumps(body).encode())).status_code == 204
    assert (await api.stored(order["orderNumber"])).pay_status == PayStatus.PAID


async def test_signed_body_that_is_not_json_is_400(api: Api) -> None:
    """A correctly signed body that is not JSON is refused with 400."""
    assert_fail(await post_signed(api, PAY, b"this is not json"), 400)
    assert await api.events() == []


async def test_signed_notification_of_wrong_type_is_400(api: Api) -> None:
    """A genuine notification of another resource type, event type or algorithm gets 400."""
    order = await api.submit()
    resource = transaction(api.live.kit, order)
    key = api.live.kit.apiv3_key
    wrong_algorithm = notification(resource, apiv3_key=key)
    wrong_algorithm["resource"]["algorithm"] = "AEAD_AES_128_GCM"
    cases = {
        "resource_type": notification(resource, apiv3_key=key, resource_type="plain-resource"),
        "event_type": notification(resource, apiv3_key=key, event_type="TRANSACTION.CLOSED"),
        "algorithm": wrong_algorithm,
    }
    for case, body in cases.items():
        assert_fail(await post_signed(api, PAY, json.dumps(body).encode()), 400, case)
    await assert_unpaid_and_silent(api, order)


ABSURD_FIELDS: dict[str, dict[str, Any]] = {
    "total_beyond_64_bits": {"amount": {"total": 2**63, "currency": "CNY"}},
    "success_time_in_year_1": {"success_time": "0001-01-01T00:00:00+08:00"},
    "success_time_in_year_9999": {"success_time": "9999-12-31T23:59:59-08:00"},
    "transaction_id_too_long": {"transaction_id": "4" * 33},
    "lone_surrogate_in_transaction_id": {"transaction_id": "4200\ud800"},
    "nul_in_transaction_id": {"transaction_id": "4200\x00"},
}


@pytest.mark.parametrize("case", ABSURD_FIELDS)
async def test_genuine_payment_with_an_absurd_field_is_400_and_changes_nothing(
    api: Api, case: str
) -> None:
    """A signed payment WeChat cannot mean gets 400 (no 24 h of retries); the order is unpaid."""
    order = await api.submit()
    resource = transaction(api.live.kit, order) | ABSURD_FIELDS[case]
    body = notification(resource, apiv3_key=api.live.kit.apiv3_key)
    assert_fail(await post_signed(api, PAY, json.dumps(body).encode()), 400, case)
    await assert_unpaid_and_silent(api, order)


async def test_bad_gcm_tag_after_valid_signature_is_500(api: Api) -> None:
    """A genuine notification encrypted with another APIv3 key is 500, so WeChat retries."""
    order = await api.submit()
    body = notification(transaction(api.live.kit, order), apiv3_key=WRONG_APIV3_KEY)
    assert_fail(await post_signed(api, PAY, json.dumps(body).encode()), 500)
    await assert_unpaid_and_silent(api, order)


async def test_bad_gcm_tag_logs_an_operator_error(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """A bad tag after a valid signature logs an error naming the APIv3 key setting."""
    order = await api.submit()
    body = notification(transaction(api.live.kit, order), apiv3_key=WRONG_APIV3_KEY)
    with caplog.at_level(logging.WARNING, logger="backend"):
        await post_signed(api, PAY, json.dumps(body).encode())
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("ORDERBELL_WECHATPAY_APIV3_KEY" in message for message in errors)
    assert WRONG_APIV3_KEY not in caplog.text
    assert api.live.kit.apiv3_key not in caplog.text


async def test_unknown_order_is_500(api: Api) -> None:
    """A genuine payment for an order the server does not know is 500, so WeChat retries."""
    ghost = {"orderNumber": "20261126000000999999", "amountFen": 100}
    assert_fail(await api.notify_paid(ghost), 500)
    assert await api.events() == []


async def test_database_failure_is_500_and_leaves_the_order_unpaid(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """When the event cannot be logged the payment is rolled back too, and WeChat retries."""
    order = await api.submit()
    await api.live.db.write(lambda transaction: transaction.execute(text("DROP TABLE events")))
    with caplog.at_level(logging.ERROR, logger="backend.routes.notify"):
        assert_fail(await api.notify_paid(order), 500)
    stored = await api.stored(order["orderNumber"])
    assert (stored.status, stored.pay_status) == (OrderStatus.PENDING_PAYMENT, PayStatus.UNPAID)
    assert "database error recording payment" in caplog.text


# --- business checks: not marked paid, nothing appended -----------------------------------


MISMATCHES: dict[str, dict[str, Any]] = {
    "mchid": {"mchid": "1900000000"},
    "appid": {"appid": "wx0000000000000000"},
    "trade_state": {"trade_state": "NOTPAY"},
}


async def test_payment_for_another_merchant_or_unpaid_is_refused(api: Api) -> None:
    """mchid or appid mismatch, or trade_state NOTPAY: 4xx, order unpaid, no event."""
    order = await api.submit()
    for case, override in MISMATCHES.items():
        answer = await api.notify_paid(order, **override)
        assert 400 <= answer.status_code < 500, case
        assert_fail(answer, answer.status_code, case)
    await assert_unpaid_and_silent(api, order)


async def test_amount_mismatch_is_refused(api: Api) -> None:
    """A payment whose amount.total differs from the order: 4xx, order unpaid, no event."""
    order = await api.submit()
    answer = await api.notify_paid(order, total_fen=order["amountFen"] - 1)
    assert 400 <= answer.status_code < 500
    assert_fail(answer, answer.status_code)
    await assert_unpaid_and_silent(api, order)


async def test_mismatch_is_recorded_as_an_anomaly(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """Each mchid, appid or amount mismatch is logged as one error-level ANOMALY."""
    order = await api.submit()
    for case, override in {**MISMATCHES, "amount": {"total_fen": 1}}.items():
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="backend"):
            await api.notify_paid(order, **override)
        anomalies = [
            r.getMessage()
            for r in caplog.records
            if r.levelno >= logging.ERROR and "ANOMALY" in r.getMessage()
        ]
        assert len(anomalies) == 1, case


# --- success and duplicates ---------------------------------------------------------------


async def test_new_payment_answers_204_and_marks_paid(api: Api) -> None:
    """A genuine payment answers 204 with no body, marks the order paid and logs one event."""
    order = await api.submit()
    answer = await api.notify_paid(order, transaction_id="4200000000202611261111111111")
    assert answer.status_code == 204
    assert answer.content == b""
    stored = await api.stored(order["orderNumber"])
    assert (stored.status, stored.pay_status) == (OrderStatus.TO_BE_CONFIRMED, PayStatus.PAID)
    assert stored.transaction_id == "4200000000202611261111111111"
    assert [(e.type, e.order_id) for e in await api.events()] == [
        (EventType.NEW_ORDER, order["id"])
    ]


async def test_duplicate_notification_is_204_without_second_event(api: Api) -> None:
    """The same payment notified twice in a row: both 204, one event in the log."""
    order = await api.submit()
    headers, body = _payment(api, order)
    first = await api.http.post(PAY, content=body, headers=headers)
    api.live.clock.advance(15)  # WeChat's first retry
    second = await api.http.post(PAY, content=body, headers=headers)
    assert (first.status_code, second.status_code) == (204, 204)
    assert len(await api.events()) == 1


async def test_body_over_64_kib_is_413(api: Api) -> None:
    """A notification body over 64 KiB is refused with 413 before anything is parsed."""
    body = b'{"padding":"' + b"x" * (64 * 1024) + b'"}'
    headers = sign_raw(api.live.kit, body, now=api.live.clock())
    assert_fail(await api.http.post(PAY, content=body, headers=headers), 413)


# --- refunds --------------------------------------------------------------------------------


async def _notify_refund(
    api: Api, order: dict[str, Any], event_type: str, *, fen: int | None = None
) -> Any:
    headers, body = refund_callback(
        api.live.kit,
        out_trade_no=order["orderNumber"],
        transaction_id=order["transactionId"],
        total_fen=order["amountFen"],
        refund_fen=order["amountFen"] if fen is None else fen,
        now=api.live.clock(),
        event_type=event_type,
    )
    return await api.http.post(REFUND, content=body, headers=headers)


async def test_refund_success_cancels_and_marks_refunded(api: Api) -> None:
    """REFUND.SUCCESS answers 204 and sets pay_status 2 and status 6."""
    order = await api.paid()
    answer = await _notify_refund(api, order, "REFUND.SUCCESS")
    assert answer.status_code == 204
    stored = await api.stored(order["orderNumber"])
    assert (stored.status, stored.pay_status) == (OrderStatus.CANCELLED, PayStatus.REFUNDED)


async def test_refund_success_reaches_the_counter(api: Api) -> None:
    """A connected counter of the shop receives a type-3 event for the refunded order."""
    token = await api.live.device_token(shop_id=1)
    async with counter(api.live.ws_url, token) as ws:
        order = await api.paid()
        assert (await next_frame(ws))["type"] == 1
        await _notify_refund(api, order, "REFUND.SUCCESS")
        event = await next_frame(ws)
    assert (event["type"], event["orderId"], event["status"]) == (3, order["id"], 6)


async def test_partial_refund_keeps_the_order_and_tells_the_counter(api: Api) -> None:
    """100 fen refunded: 204, the order stays paid and waiting, the counter hears how much."""
    token = await api.live.device_token(shop_id=1)
    async with counter(api.live.ws_url, token) as ws:
        order = await api.paid()
        assert (await next_frame(ws))["type"] == 1
        answer = await _notify_refund(api, order, "REFUND.SUCCESS", fen=100)
        event = await next_frame(ws)
    assert answer.status_code == 204
    assert (event["type"], event["status"], event["refundFen"], event["reason"]) == (
        3,
        2,
        100,
        "partly refunded",
    )
    stored = await api.stored(order["orderNumber"])
    assert (stored.status, stored.pay_status, stored.refunded_fen) == (
        OrderStatus.TO_BE_CONFIRMED,
        PayStatus.PAID,
        100,
    )


async def test_refund_beyond_the_order_is_refused(api: Api) -> None:
    """A refund larger than what is left of the order: 400, nothing recorded, no event."""
    order = await api.paid()
    await _notify_refund(api, order, "REFUND.SUCCESS", fen=order["amountFen"] - 1)
    before = await api.events()
    answer = await _notify_refund(api, order, "REFUND.SUCCESS", fen=2)
    assert_fail(answer, 400)
    stored = await api.stored(order["orderNumber"])
    assert (stored.pay_status, stored.refunded_fen) == (PayStatus.PAID, order["amountFen"] - 1)
    assert await api.events() == before


async def test_duplicate_refund_appends_nothing(api: Api) -> None:
    """A second REFUND.SUCCESS for the same order answers 204 and appends no event."""
    order = await api.paid()
    await _notify_refund(api, order, "REFUND.SUCCESS")
    before = await api.events()
    answer = await _notify_refund(api, order, "REFUND.SUCCESS")
    assert answer.status_code == 204
    assert await api.events() == before
    assert [e.type for e in before] == [EventType.NEW_ORDER, EventType.ORDER_UPDATED]


async def test_refund_closed_changes_nothing(api: Api) -> None:
    """REFUND.CLOSED answers 204, leaves the order paid and waiting, and appends no event."""
    order = await api.paid()
    before = await api.events()
    answer = await _notify_refund(api, order, "REFUND.CLOSED")
    assert answer.status_code == 204
    stored = await api.stored(order["orderNumber"])
    assert (stored.status, stored.pay_status) == (OrderStatus.TO_BE_CONFIRMED, PayStatus.PAID)
    assert await api.events() == before


async def test_refund_endpoint_refuses_unsigned_requests(api: Api) -> None:
    """The refund endpoint runs the same verification: no signing headers, 401."""
    order = await api.paid()
    _, body = refund_callback(
        api.live.kit,
        out_trade_no=order["orderNumber"],
        transaction_id=order["transactionId"],
        total_fen=order["amountFen"],
        refund_fen=order["amountFen"],
        now=api.live.clock(),
    )
    assert_fail(await api.http.post(REFUND, content=body), 401)
    stored = await api.stored(order["orderNumber"])
    assert stored.pay_status == PayStatus.PAID


def _payment(
    api: Api, order: dict[str, Any], *, now: float | None = None
) -> tuple[dict[str, str], bytes]:
    """Headers and body of a genuine payment of ``order``, signed at ``now``."""
    return payment_callback(
        api.live.kit,
        out_trade_no=order["orderNumber"],
        total_fen=order["amountFen"],
        now=api.live.clock() if now is None else now,
    )
