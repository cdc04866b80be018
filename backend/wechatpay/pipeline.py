"""The ordered checks that turn a WeChat Pay notification request into a trusted record."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from backend.wechatpay.aead import decrypt_resource
from backend.wechatpay.errors import MalformedNotification, MerchantMismatch
from backend.wechatpay.headers import DEFAULT_WINDOW_S, read_signed_headers
from backend.wechatpay.keys import VerifierKeys
from backend.wechatpay.notice import (
    Notification,
    Refund,
    Transaction,
    parse_notification,
    parse_refund,
    parse_transaction,
)
from backend.wechatpay.signature import verify_signature

PAYMENT_EVENT = "TRANSACTION.SUCCESS"
REFUND_EVENTS = frozenset({"REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED"})


@dataclass(frozen=True, slots=True)
class MerchantConfig:
    """Who notifications must be for, and the APIv3 key (ASCII bytes) that decrypts them."""

    mchid: str
    appid: str
    apiv3_key: bytes = field(repr=False)


class NotificationOpener:
    """Authenticates, decrypts and checks notifications, in the order WeChat Pay requires.

    The signature is verified over the raw body before anything in the body is trusted. The
    caller still checks that the order exists and that ``amount_total`` equals its amount.
    Every refusal is a NotificationRejected carrying the HTTP status to answer.
    """

    def __init__(
        self,
        keys: VerifierKeys,
        merchant: MerchantConfig,
        clock: Callable[[], float],
        window_s: int = DEFAULT_WINDOW_S,
    ) -> None:
        self._keys = keys
        self._merchant = merchant
        self._clock = clock
        self._window_s = window_s

    def open_payment(self, headers: Mapping[str, str], body: bytes) -> Transaction:
        """A successful payment to this merchant and app, or NotificationRejected."""
        notification = self._verified(headers, body)
        if notification.event_type != PAYMENT_EVENT:
            raise MalformedNotification(
                f"event_type {notification.event_type[:40]!r} is not {PAYMENT_EVENT}"
            )
        self._expect_original_type(notification, "transaction")
        transaction = parse_transaction(self._decrypt(notification))
        self._expect_merchant(transaction.mchid)
        if transaction.appid != self._merchant.appid:
            raise MerchantMismatch(
                f"the payment is for appid {transaction.appid[:40]!r}, not this app"
            )
        if transaction.trade_state != "SUCCESS":
            raise MerchantMismatch(
                f"trade_state is {transaction.trade_state[:40]!r}, not SUCCESS: "
                "the order is not paid"
            )
        return transaction

    def open_refund(self, headers: Mapping[str, str], body: bytes) -> tuple[str, Refund]:
        """The event type and the refund to this merchant, or NotificationRejected."""
        notification = self._verified(headers, body)
        if notification.event_type not in REFUND_EVENTS:
            raise MalformedNotification(
                f"event_type {notification.event_type[:40]!r} is not a refund event"
            )
        self._expect_original_type(notification, "refund")
        refund = parse_refund(self._decrypt(notification))
        self._expect_merchant(refund.mchid)
        return notification.event_type, refund

    def _verified(self, headers: Mapping[str, str], body: bytes) -> Notification:
        signed = read_signed_headers(headers, self._clock(), self._window_s)
        verify_signature(self._keys, signed, body)
        return parse_notification(body)

    def _decrypt(self, notification: Notification) -> bytes:
        resource = notification.resource
        return decrypt_resource(
            self._merchant.apiv3_key,
            resource.nonce,
            resource.associated_data,
            resource.ciphertext,
        )

    def _expect_merchant(self, mchid: str) -> None:
        if mchid != self._merchant.mchid:
            raise MerchantMismatch(
                f"the notification is for mchid {mchid[:40]!r}, not this merchant"
            )

    @staticmethod
    def _expect_original_type(notification: Notification, expected: str) -> None:
        original_type = notification.resource.original_type
        if original_type != expected:
            raise MalformedNotification(
                f"resource.original_type {original_type[:40]!r} is not {expected}"
            )
