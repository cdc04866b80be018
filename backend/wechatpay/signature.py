"""RSA-SHA256 signatures over WeChat Pay's ``timestamp\\nnonce\\nbody\\n`` message."""

from __future__ import annotations

import base64
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from backend.wechatpay.errors import NotAuthentic
from backend.wechatpay.headers import DEFAULT_WINDOW_S, SignedHeaders, read_signed_headers
from backend.wechatpay.keys import VerifierKeys


def signed_message(timestamp: int, nonce: str, body: bytes) -> bytes:
    """The exact bytes WeChat Pay signs; ``body`` is the raw body, never re-serialised JSON."""
    return f"{timestamp}\n{nonce}\n".encode() + body + b"\n"


def verify_signature(keys: VerifierKeys, headers: SignedHeaders, body: bytes) -> None:
    """Raise NotAuthentic unless the key named by the serial signed this raw body."""
    key = keys.key_for(headers.serial)
    if not rsa_verifies(
        key, headers.signature, signed_message(headers.timestamp, headers.nonce, body)
    ):
        raise NotAuthentic(
            "Wechatpay-Signature does not verify: "
            "the request was altered or not signed by WeChat Pay"
        )


def verify_signed_body(
    keys: VerifierKeys,
    headers: Mapping[str, str],
    body: bytes,
    now: float,
    window_s: int = DEFAULT_WINDOW_S,
) -> SignedHeaders:
    """Check the headers, their freshness and the signature of a notification or an API answer.

    Raise NotAuthentic unless all of them hold; nothing in ``body`` is to be believed before.
    """
    signed = read_signed_headers(headers, now, window_s)
    verify_signature(keys, signed, body)
    return signed


def sign_message(private_key: RSAPrivateKey, timestamp: int, nonce: str, body: bytes) -> str:
    """Sign as WeChat Pay does (test kits only): the Base64 ``Wechatpay-Signature``."""
    return rsa_sign(private_key, signed_message(timestamp, nonce, body))


def rsa_sign(private_key: RSAPrivateKey, message: bytes) -> str:
    """The Base64 RSA-SHA256 (PKCS#1 v1.5) signature WeChat Pay API v3 uses everywhere."""
    signature = private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def rsa_verifies(key: RSAPublicKey, signature: bytes, message: bytes) -> bool:
    """Whether ``signature`` is ``key``'s RSA-SHA256 (PKCS#1 v1.5) signature of ``message``."""
    try:
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True
