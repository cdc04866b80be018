"""WeChat Pay API v3: notifications checked and opened; orders queried and closed, verified."""

from backend.wechatpay.aead import decrypt_resource, encrypt_resource
from backend.wechatpay.authorization import (
    MerchantCredentials,
    RequestSignature,
    authorization,
    read_authorization,
    request_message,
    verify_request,
)
from backend.wechatpay.client import API_URL, CloseResult, WeChatPayApi
from backend.wechatpay.errors import (
    AnswerRejected,
    ApiError,
    ApiRefused,
    ApiUnavailable,
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
    Trade,
    Transaction,
    parse_notification,
    parse_refund,
    parse_trade,
    parse_transaction,
)
from backend.wechatpay.pipeline import (
    DIRECT,
    MODES,
    PARTNER,
    PAYMENT_EVENT,
    REFUND_EVENTS,
    MerchantConfig,
    NotificationOpener,
    check_payment,
)
from backend.wechatpay.signature import (
    rsa_sign,
    sign_message,
    verify_signature,
    verify_signed_body,
)

__all__ = [
    "API_URL",
    "DIRECT",
    "MODES",
    "PARTNER",
    "PAYMENT_EVENT",
    "REFUND_EVENTS",
    "AnswerRejected",
    "ApiError",
    "ApiRefused",
    "ApiUnavailable",
    "CloseResult",
    "DecryptionFailed",
    "EncryptedResource",
    "MalformedNotification",
    "MerchantConfig",
    "MerchantCredentials",
    "MerchantMismatch",
    "NotAuthentic",
    "Notification",
    "NotificationOpener",
    "NotificationRejected",
    "Refund",
    "RequestSignature",
    "SignedHeaders",
    "Trade",
    "Transaction",
    "VerifierKeys",
    "WeChatPayApi",
    "authorization",
    "check_payment",
    "decrypt_resource",
    "encrypt_resource",
    "parse_notification",
    "parse_refund",
    "parse_trade",
    "parse_transaction",
    "read_authorization",
    "read_signed_headers",
    "request_message",
    "rsa_sign",
    "sign_message",
    "verify_request",
    "verify_signature",
    "verify_signed_body",
]
