"""The simulator's book of trades follows WeChat Pay's rules for paying and closing."""

from __future__ import annotations

import pytest

from backend.wechatsim import Ledger, LedgerError, PaymentAttempt
from backend.wechatsim.ledger import CloseOutcome

ORDER = "20251126140512345"
NOW = 1_764_140_000.0


def test_payment_is_recorded_with_a_transaction() -> None:
    """A successful payment has a WeChat transaction id, the total and the time."""
    trade = Ledger().pay(PaymentAttempt(ORDER, 4800), NOW)
    assert (trade.state, trade.total_fen, trade.paid_at) == ("SUCCESS", 4800, NOW)
    assert trade.transaction_id is not None
    assert len(trade.transaction_id) == 28


def test_unpaid_attempt_has_no_transaction() -> None:
    """An order whose payment sheet was opened but not paid is NOTPAY, without a transaction."""
    trade = Ledger().pay(PaymentAttempt(ORDER, 4800, state="NOTPAY"), NOW)
    assert (trade.state, trade.transaction_id, trade.paid_at) == ("NOTPAY", None, None)


def test_paid_order_cannot_be_paid_twice() -> None:
    """A second payment of a paid order is refused ORDERPAID and changes nothing."""
    ledger = Ledger()
    first = ledger.pay(PaymentAttempt(ORDER, 4800), NOW)
    with pytest.raises(LedgerError) as refused:
        ledger.pay(PaymentAttempt(ORDER, 100), NOW + 1)
    assert refused.value.code == "ORDERPAID"
    assert ledger.find(ORDER) == first


def test_closed_order_cannot_be_paid() -> None:
    """After a close, paying is refused ORDER_CLOSED."""
    ledger = Ledger()
    ledger.pay(PaymentAttempt(ORDER, 4800, state="NOTPAY"), NOW)
    assert ledger.close(ORDER) is CloseOutcome.CLOSED
    with pytest.raises(LedgerError, match="closed"):
        ledger.pay(PaymentAttempt(ORDER, 4800), NOW)


def test_closing_a_paid_order_answers_orderpaid() -> None:
    """Closing a paid order leaves it paid and answers ORDERPAID."""
    ledger = Ledger()
    ledger.pay(PaymentAttempt(ORDER, 4800), NOW)
    assert ledger.close(ORDER) is CloseOutcome.ORDERPAID
    trade = ledger.find(ORDER)
    assert trade is not None
    assert trade.state == "SUCCESS"


def test_closing_an_unknown_order_answers_not_exist() -> None:
    """No payment was ever started: ORDER_NOT_EXIST, and nothing is recorded."""
    ledger = Ledger()
    assert ledger.close(ORDER) is CloseOutcome.ORDER_NOT_EXIST
    assert ledger.find(ORDER) is None


def test_sub_merchants_have_separate_books() -> None:
    """The same order number under two sub-merchants is two trades."""
    ledger = Ledger()
    ledger.pay(PaymentAttempt(ORDER, 4800, sub_mchid="1900000200"), NOW)
    assert ledger.find(ORDER) is None
    assert ledger.find(ORDER, "1900000300") is None
    assert ledger.find(ORDER, "1900000200") is not None


@pytest.mark.parametrize(
    "attempt",
    [
        PaymentAttempt(ORDER, 0),
        PaymentAttempt(ORDER, -5),
        PaymentAttempt(ORDER, 4800, state="PAID"),
    ],
    ids=["zero", "negative", "unknown-state"],
)
def test_impossible_attempt_is_refused(attempt: PaymentAttempt) -> None:
    """Attempts WeChat Pay could not take are refused PARAM_ERROR and record nothing."""
    ledger = Ledger()
    with pytest.raises(LedgerError) as refused:
        ledger.pay(attempt, NOW)
    assert refused.value.code == "PARAM_ERROR"
    assert ledger.find(ORDER) is None
