"""Order query answers, and partner (service-provider) transactions, parsed strictly."""

from __future__ import annotations

import json

import pytest

from backend.wechatpay import MalformedNotification, parse_refund, parse_trade, parse_transaction

ORDER = "20251126140512345"


def answer(**changes: object) -> dict[str, object]:
    """A query answer for a paid order, as WeChat Pay sends it."""
    data: dict[str, object] = {
        "appid": "wxd678efh567hg6787",
        "mchid": "1900000109",
        "out_trade_no": ORDER,
        "transaction_id": "4200000000201805304125679567",
        "trade_type": "JSAPI",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "bank_type": "CMC",
        "attach": "",
        "success_time": "2025-11-26T14:05:20+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": 4800, "payer_total": 4800, "currency": "CNY", "payer_currency": "CNY"},
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not ...}


def unpaid(state: str) -> dict[str, object]:
    """A query answer for an order not paid (yet): no transaction, no payer."""
    return {
        "appid": "wxd678efh567hg6787",
        "mchid": "1900000109",
        "out_trade_no": ORDER,
        "trade_state": state,
        "trade_state_desc": "订单未支付",
        "amount": {"total": 4800, "currency": "CNY", "payer_currency": "CNY"},
    }


def partner(data: dict[str, object]) -> dict[str, object]:
    """``data`` as a service provider's sub-merchant answer: sp_/sub_ names."""
    renamed = dict(data)
    renamed["sp_mchid"] = renamed.pop("mchid")
    renamed["sp_appid"] = renamed.pop("appid")
    renamed["sub_mchid"] = "1900000200"
    if isinstance(renamed.get("payer"), dict):
        renamed["payer"] = {"sp_openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}
    return renamed


def encoded(data: object) -> bytes:
    """Compact UTF-8 JSON, as WeChat sends it."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def test_paid_answer_carries_the_payment() -> None:
    """A SUCCESS answer yields the transaction id, the total in fen and the payment time."""
    trade = parse_trade(encoded(answer()))
    assert trade.trade_state == "SUCCESS"
    assert trade.payment is not None
    assert (trade.payment.transaction_id, trade.payment.amount_total) == (
        "4200000000201805304125679567",
        4800,
    )
    assert trade.payment.success_time is not None


@pytest.mark.parametrize("state", ["NOTPAY", "USERPAYING", "CLOSED", "REVOKED", "PAYERROR"])
def test_unpaid_answer_has_no_payment(state: str) -> None:
    """An order not paid is answered without a transaction: its state, and no payment."""
    trade = parse_trade(encoded(unpaid(state)))
    assert (trade.out_trade_no, trade.trade_state, trade.payment) == (ORDER, state, None)


def test_paid_answer_without_transaction_is_malformed() -> None:
    """A SUCCESS answer must carry the whole payment; a missing transaction id is refused."""
    with pytest.raises(MalformedNotification, match="transaction_id is missing"):
        parse_trade(encoded(answer(transaction_id=...)))


def test_unknown_state_is_malformed() -> None:
    """A trade_state WeChat Pay does not document is refused, not guessed at."""
    with pytest.raises(MalformedNotification, match="not a known state"):
        parse_trade(encoded(answer(trade_state="PAID")))


def test_amount_beyond_64_bits_in_answer_is_malformed() -> None:
    """Amounts are integer fen the database can hold: 10**30 is refused, as in notifications."""
    with pytest.raises(MalformedNotification, match="64 bits"):
        parse_trade(encoded(answer(amount={"total": 10**30, "currency": "CNY"})))


def test_largest_64_bit_amount_in_answer_is_parsed_as_an_integer() -> None:
    """Up to 2^63 - 1 fen an amount stays an exact integer; the amount check judges it."""
    trade = parse_trade(encoded(answer(amount={"total": 2**63 - 1, "currency": "CNY"})))
    assert trade.payment is not None
    assert trade.payment.amount_total == 2**63 - 1


def test_fractional_amount_in_answer_is_malformed() -> None:
    """Money is whole fen: 48.5 is refused."""
    with pytest.raises(MalformedNotification, match="fen"):
        parse_trade(encoded(answer(amount={"total": 48.5, "currency": "CNY"})))


def test_partner_answer_names_provider_and_sub_merchant() -> None:
    """In partner mode mchid is the provider's sp_mchid and sub_mchid the shop's."""
    trade = parse_trade(encoded(partner(answer())))
    assert (trade.mchid, trade.sub_mchid) == ("1900000109", "1900000200")
    assert trade.payment is not None
    assert (trade.payment.appid, trade.payment.sub_mchid) == ("wxd678efh567hg6787", "1900000200")


def test_partner_unpaid_answer_is_parsed() -> None:
    """A sub-merchant's unpaid order is answered with sp_/sub_ names and no payment."""
    trade = parse_trade(encoded(partner(unpaid("NOTPAY"))))
    assert (trade.sub_mchid, trade.payment) == ("1900000200", None)


def test_partner_transaction_reads_the_sub_app() -> None:
    """A partner payment made in the shop's own app names its sub_appid."""
    data = partner(answer())
    data["sub_appid"] = "wx8888888888888888"
    assert parse_transaction(encoded(data)).sub_appid == "wx8888888888888888"


def test_partner_transaction_without_sub_mchid_is_malformed() -> None:
    """A provider's payment that names no sub-merchant cannot be placed: refused."""
    data = partner(answer())
    del data["sub_mchid"]
    with pytest.raises(MalformedNotification, match="sub_mchid is missing"):
        parse_transaction(encoded(data))


def test_partner_refund_names_the_sub_merchant() -> None:
    """A partner refund's sp_mchid is read as the merchant and sub_mchid kept."""
    refund = {
        "sp_mchid": "1900000109",
        "sub_mchid": "1900000200",
        "transaction_id": "4200000000201805304125679567",
        "out_trade_no": ORDER,
        "refund_id": "50000000382019052709732678859",
        "out_refund_no": "RF20251126150000",
        "refund_status": "SUCCESS",
        "amount": {"total": 4800, "refund": 1200, "payer_total": 4800, "payer_refund": 1200},
    }
    parsed = parse_refund(encoded(refund))
    assert (parsed.mchid, parsed.sub_mchid) == ("1900000109", "1900000200")
