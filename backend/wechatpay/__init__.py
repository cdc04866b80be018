"""WeChat Pay API v3 notifications: header policy, signatures, decryption, strict parsing."""

from backend.wechatpay.aead import decrypt_resource, encrypt_resource
from backend.wechatpay.errors import (
    DecryptionFailed,
    MalformedNotification,
    MerchantMismatch,
    NotAuthentic,
    NotificationRejected,
)
from backend.wechatpay.headers import SignedHeaders, read_signed_headers
from backend.wechatpay.keys import VerifierKeys
from backend.wechatpay.notice import (
    EncryptedResource,
    Notification,
    Refund,
    Transaction,
    parse_notification,
    parse_refund,
    parse_transaction,
)
from backend.wechatpay.pipeline import (
    PAYMENT_EVENT,
    REFUND_EVENTS,
    MerchantConfig,
    NotificationOpener,
)
from backend.wechatpay.signature import sign_message, verify_signature

__all__ = [
    "PAYMENT_EVENT",
    "REFUND_EVENTS",
    "DecryptionFailed",
    "EncryptedResource",
    "MalformedNotification",
    "MerchantConfig",
    "MerchantMismatch",
    "NotAuthentic",
    "Notification",
    "NotificationOpener",
    "NotificationRejected",
    "Refund",
    "SignedHeaders",
    "Transaction",
    "VerifierKeys",
    "decrypt_resource",
    "encrypt_resource",
    "parse_notification",
    "parse_refund",
    "parse_transaction",
    "read_signed_headers",
    "sign_message",
    "verify_signature",
]
