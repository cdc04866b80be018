"""The ordered checks that turn a WeChat Pay notification request into a trusted record."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from backend.wechatpay.aead import decrypt_resource
from backend.wechatpay.errors import MalformedNotification, MerchantMismatch
from backend.wechatpay.headers import DEFAULT_WINDOW_S
from backend.wechatpay.keys import VerifierKeys
from backend.wechatpay.notice import (
    Notification,
    Refund,
    Transaction,
    parse_notification,
    parse_refund,
    parse_transaction,
)
from backend.wechatpay.signature import verify_signed_body

PAYMENT_EVENT = "TRANSACTION.SUCCESS"
REFUND_EVENTS = frozenset({"REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED"})


DIRECT = "direct"
PARTNER = "partner"
MODES = (DIRECT, PARTNER)


@dataclass(frozen=True, slots=True)
class MerchantConfig:
    """Who notifications must be for, and the APIv3 key (ASCII bytes) that decrypts them.

    In partner (service-provider) mode ``mchid`` and ``appid`` are the provider's; which shop a
    sub-merchant's payment belongs to is the store's business.
    """

    mchid: str
    appid: str
    apiv3_key: bytes = field(repr=False)
    mode: str = DIRECT


def check_payment(transaction: Transaction, merchant: MerchantConfig) -> None:
    """Raise MerchantMismatch unless this is a successful payment to this merchant and app.

    The same check holds a notification and a query answer to one standard.
    """
    _check_mode(transaction.sub_mchid, merchant)
    _check_mchid(transaction.mchid, merchant)
    if transaction.appid != merchant.appid:
        raise MerchantMismatch(f"the payment is for appid {transaction.appid[:40]!r}, not this app")
    if transaction.trade_state != "SUCCESS":
        raise MerchantMismatch(
            f"trade_state is {transaction.trade_state[:40]!r}, not SUCCESS: the order is not paid"
        )


def _check_mode(sub_mchid: str | None, merchant: MerchantConfig) -> None:
    if merchant.mode == PARTNER and sub_mchid is None:
        raise MerchantMismatch(
            "a direct merchant's notification, but this server takes payments as a service "
            "provider (ORDERBELL_WECHATPAY_MODE=partner)"
        )
    if merchant.mode != PARTNER and sub_mchid is not None:
        raise MerchantMismatch(
            f"a service provider's notification for sub-merchant {sub_mchid[:40]!r}, but this "
            "server takes payments as a direct merchant"
        )


def _check_mchid(mchid: str, merchant: MerchantConfig) -> None:
    if mchid != merchant.mchid:
        raise MerchantMismatch(f"the notification is for mchid {mchid[:40]!r}, not this merchant")


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
        check_payment(transaction, self._merchant)
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
        _check_mode(refund.sub_mchid, self._merchant)
        _check_mchid(refund.mchid, self._merchant)
        return notification.event_type, refund

    def _verified(self, headers: Mapping[str, str], body: bytes) -> Notification:
        verify_signed_body(self._keys, headers, body, self._clock(), self._window_s)
        return parse_notification(body)

    def _decrypt(self, notification: Notification) -> bytes:
        resource = notification.resource
        return decrypt_resource(
            self._merchant.apiv3_key,
            resource.nonce,
            resource.associated_data,
            resource.ciphertext,
        )

    @staticmethod
    def _expect_original_type(notification: Notification, expected: str) -> None:
        original_type = notification.resource.original_type
        if original_type != expected:
            raise MalformedNotification(
                f"resource.original_type {original_type[:40]!r} is not {expected}"
            )
