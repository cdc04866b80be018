"""The simulator's book of trades: what WeChat Pay knows about each order, and its rules."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from enum import Enum

# The states a customer's payment attempt can leave an order in.
ATTEMPT_STATES = ("SUCCESS", "NOTPAY", "USERPAYING", "PAYERROR")


class LedgerError(Exception):
    """An action WeChat Pay would refuse; ``code`` is the error code it would answer with."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class CloseOutcome(Enum):
    """What closing an order did, as WeChat Pay answers it."""

    CLOSED = "closed"
    ORDERPAID = "ORDERPAID"
    ORDER_NOT_EXIST = "ORDER_NOT_EXIST"


@dataclass(frozen=True, slots=True)
class PaymentAttempt:
    """A customer paying (or trying to pay) an order: what the ``pay`` action asks for."""

    out_trade_no: str
    total_fen: int
    state: str = "SUCCESS"
    sub_mchid: str | None = None


@dataclass(slots=True)
class SimTrade:
    """One order as WeChat Pay sees it."""

    out_trade_no: str
    sub_mchid: str | None
    total_fen: int
    state: str
    paid_at: float | None = None
    transaction_id: str | None = None
    openid: str | None = None


class Ledger:
    """Trades by (sub-merchant, order number); the clock is passed to every change."""

    def __init__(self) -> None:
        self._trades: dict[tuple[str, str], SimTrade] = {}

    def find(self, out_trade_no: str, sub_mchid: str | None = None) -> SimTrade | None:
        """The trade of this order, if a payment was ever started for it."""
        return self._trades.get((sub_mchid or "", out_trade_no))

    def pay(self, attempt: PaymentAttempt, now: float) -> SimTrade:
        """Record the customer's attempt; a paid or closed order cannot be paid again."""
        if attempt.state not in ATTEMPT_STATES:
            raise LedgerError("PARAM_ERROR", f"state must be one of {', '.join(ATTEMPT_STATES)}")
        if isinstance(attempt.total_fen, bool) or attempt.total_fen < 1:
            raise LedgerError("PARAM_ERROR", "the total must be a whole number of fen, at least 1")
        trade = self.find(attempt.out_trade_no, attempt.sub_mchid)
        if trade is not None and trade.state in ("SUCCESS", "REFUND"):
            raise LedgerError("ORDERPAID", f"order {attempt.out_trade_no} is already paid")
        if trade is not None and trade.state in ("CLOSED", "REVOKED"):
            raise LedgerError("ORDER_CLOSED", f"order {attempt.out_trade_no} is closed")
        trade = SimTrade(
            out_trade_no=attempt.out_trade_no,
            sub_mchid=attempt.sub_mchid,
            total_fen=attempt.total_fen,
            state=attempt.state,
        )
        if attempt.state in ("SUCCESS", "PAYERROR"):
            trade.transaction_id = "4200" + "".join(
                secrets.choice(string.digits) for _ in range(24)
            )
            trade.openid = "o" + secrets.token_urlsafe(20)[:27]
        if attempt.state == "SUCCESS":
            trade.paid_at = now
        self._trades[(attempt.sub_mchid or "", attempt.out_trade_no)] = trade
        return trade

    def close(self, out_trade_no: str, sub_mchid: str | None = None) -> CloseOutcome:
        """Close an unpaid order; a paid one answers ORDERPAID, an unknown one ORDER_NOT_EXIST."""
        trade = self.find(out_trade_no, sub_mchid)
        if trade is None:
            return CloseOutcome.ORDER_NOT_EXIST
        if trade.state in ("SUCCESS", "REFUND"):
            return CloseOutcome.ORDERPAID
        trade.state = "CLOSED"
        return CloseOutcome.CLOSED
